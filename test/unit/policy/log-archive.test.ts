// A central log-archive bucket (docs/targets.md, "A central log-archive bucket"): the schema of
// flowLogs.bucket.account / sources, sources named from cordon.yaml, the checks across the policy
// set (src/policy/log-archive.ts), and the delivery-policy diff that marks a dropped source.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bucketPolicyDiff } from "../../../src/domain/iam.js";
import { deliveryStatements } from "../../../src/policy/desired/flow-logs.js";
import { loadAndValidate } from "../../../src/policy/index.js";

const TODAY = "2026-11-26";
const root = realpathSync(mkdtempSync(join(tmpdir(), "cordon-archive-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const SET = [
  "apiVersion: cordon.dev/v1",
  "kind: PolicySet",
  "metadata: { name: org }",
  "targets:",
  '  workloads: { accounts: ["111122223333", "222233334444"], regions: [eu-west-1, us-east-1] }',
  "",
].join("\n");
const head = (name: string) => `apiVersion: cordon.dev/v1\nkind: Policy\nmetadata: { name: ${name} }\n`;
const ARCHIVE = (bucket = "sources: workloads", extra = "") =>
  `${head("archive")}target: { account: "444455556666", region: eu-west-1 }\nflowLogs:\n  bucket: { name: central-logs, ${bucket} }\n${extra}`;
const SOURCE = (bucket = 'account: "444455556666"', extra = "", targets = "targets: workloads") =>
  `${head("workloads")}${targets}\nflowLogs:\n  bucket: { name: central-logs, ${bucket} }\n  vpcs: { all: true }\n${extra}`;

/** Writes a policy set of `files` and loads it whole. */
function load(files: Record<string, string>) {
  const dir = join(root, `set-${++n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cordon.yaml"), SET);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = loadAndValidate([dir], { today: TODAY });
  return {
    ...r,
    codes: r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.file.slice(dir.length + 1)}:${d.position?.line}`),
  };
}

describe("schema", () => {
  it.each([
    { bucket: 'account: "444455556666", create: true', reason: "create: true with account" },
    { bucket: 'account: "444455556666", retentionDays: 30', reason: "retentionDays with account" },
    { bucket: 'account: "444455556666", blockPublicAccess: true, create: false', reason: "blockPublicAccess" },
    { bucket: 'account: "444455556666", sources: workloads', reason: "sources with account" },
    { bucket: 'account: "4444"', reason: "an account that is not 12 digits" },
  ])("refuses $reason", ({ bucket }) => {
    const r = load({ "w.yaml": SOURCE(bucket) });
    expect(r.codes.filter((c) => c.startsWith("error schema."))).not.toEqual([]);
  });

  it("needs vpcs unless the bucket has sources", () => {
    expect(load({ "a.yaml": ARCHIVE() }).codes).toEqual([]);
    const r = load({ "a.yaml": ARCHIVE("create: true") });
    expect(r.codes).toEqual(["error schema.missing-key a.yaml:5"]); // at flowLogs
  });
});

describe("sources", () => {
  it("a target list of cordon.yaml is replaced by its accounts and regions", () => {
    const r = load({ "a.yaml": ARCHIVE() });
    expect(r.policies[0]?.policy.flowLogs?.bucket.sources).toEqual({
      accounts: ["111122223333", "222233334444"],
      regions: ["eu-west-1", "us-east-1"],
    });
  });

  it("an unknown list name is an error at the sources key, naming the lists", () => {
    const r = load({ "a.yaml": ARCHIVE("sources: nowhere") });
    expect(r.codes).toEqual(["error targets.unknown-list a.yaml:6"]);
    expect(r.diagnostics[0]?.message).toBe("sources names the list nowhere, which cordon.yaml does not declare.");
    expect(r.diagnostics[0]?.hint).toBe("The lists of cordon.yaml: workloads.");
  });
});

describe("checks across the policy set", () => {
  it("a source the archive lists is clean", () => {
    expect(load({ "a.yaml": ARCHIVE(), "w.yaml": SOURCE() }).codes).toEqual([]);
  });

  it("a source account or region the archive does not list is refused, once per account and region", () => {
    const r = load({
      "a.yaml": ARCHIVE('sources: { accounts: ["111122223333"], regions: [eu-west-1] }'),
      "w.yaml": SOURCE(),
    });
    expect(r.codes).toEqual(Array(3).fill("error archive.not-a-source w.yaml:6"));
    expect(r.diagnostics.map((d) => d.message.split(" is not")[0])).toEqual([
      "Account 111122223333 in us-east-1",
      "Account 222233334444 in eu-west-1",
      "Account 222233334444 in us-east-1",
    ]);
    expect(r.diagnostics[0]?.message).toContain("of bucket central-logs in the archive account 444455556666 (");
    expect(r.diagnostics[0]?.message).toMatch(/a\.yaml:6:\d+\)/);
  });

  it("refuses a source naming another account than the archive's, another prefix or key layout, or a table", () => {
    expect(load({ "a.yaml": ARCHIVE(), "w.yaml": SOURCE('account: "999988887777"') }).codes).toEqual([
      "error archive.wrong-account w.yaml:6",
    ]);
    expect(
      load({ "a.yaml": ARCHIVE("sources: workloads, prefix: org"), "w.yaml": SOURCE('account: "444455556666"') }).codes,
    ).toEqual(["error archive.prefix w.yaml:6"]);
    expect(
      load({ "a.yaml": ARCHIVE(), "w.yaml": SOURCE(undefined, "  hiveCompatiblePartitions: true\n") }).codes,
    ).toEqual(["error archive.layout w.yaml:6"]);
    expect(
      load({
        "a.yaml": ARCHIVE(),
        "w.yaml": SOURCE(undefined, "athena: { database: logs, table: flows, projectionStartDate: 2026-01-01 }\n"),
      }).codes,
    ).toEqual(["error archive.source-athena w.yaml:8"]);
  });

  it("a bucket managed in its account without sources is refused; no policy of its account loaded is a warning", () => {
    const managed = `${head("archive")}target: { account: "444455556666", region: eu-west-1 }\nflowLogs:\n  bucket: { name: central-logs }\n  vpcs: { all: true }\n`;
    expect(load({ "a.yaml": managed, "w.yaml": SOURCE() }).codes).toEqual(["error archive.no-sources w.yaml:6"]);
    const alone = load({ "w.yaml": SOURCE() });
    expect(alone.codes).toEqual(["warning archive.not-loaded w.yaml:6"]);
  });
});

describe("the delivery policy", () => {
  const statements = (accounts: string[]) =>
    deliveryStatements(
      "central-logs",
      "aws",
      accounts.map((account) => ({ account, region: "eu-west-1", prefix: "", hive: false })),
    );
  const spec = (accounts: string[]) => ({ bucket: "central-logs", statements: statements(accounts) });

  it("dropping a source stops its logging: marked as broadening access, with a note naming what", () => {
    const d = bucketPolicyDiff(spec(["111122223333"]), spec(["111122223333", "222233334444"]));
    expect(d.broadensAccess).toBe(true);
    expect(d.notes).toEqual([
      "log delivery to central-logs stops for aws:SourceAccount 222233334444, aws:SourceArn arn:aws:logs:eu-west-1:222233334444:*, resource arn:aws:s3:::central-logs/AWSLogs/222233334444/*",
    ]);
  });

  it("adding a source or changing nothing does not", () => {
    expect(bucketPolicyDiff(spec(["111122223333", "222233334444"]), spec(["111122223333"])).broadensAccess).toBe(
      undefined,
    );
    expect(bucketPolicyDiff(spec(["111122223333"]), spec(["111122223333"]))).toEqual({ fields: [], replace: false });
  });
});
