// `cordon iam --for query|investigate` (docs/iam.md, "query and investigate"): the engines' declared
// calls are the calls their code makes; the generator scopes them to the policies' tables per
// target, the workgroup and the output location; the plan role; what it refuses.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PORT_IAM } from "../../../src/aws/iam-calls.js";
import { identityPolicy, policyActions } from "../../../src/executor/iam-policy.js";
import { loadValidPolicies } from "../../../src/executor/pipeline.js";
import { UsageError } from "../../../src/model/errors.js";
import { ENGINE_CALLS, queryIamScope } from "../../../src/query/iam.js";

const ROOT = join(import.meta.dirname, "../../..");
const tmp = mkdtempSync(join(tmpdir(), "cordon-iam-query-unit-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function dirOf(docs: readonly string[], set?: string): string {
  const dir = join(tmp, `p${++n}`);
  mkdirSync(dir);
  for (const [i, d] of docs.entries()) writeFileSync(join(dir, `p${i}.yaml`), d);
  if (set !== undefined) writeFileSync(join(dir, "cordon.yaml"), set);
  return dir;
}
const load = (...docs: string[]) => loadValidPolicies([dirOf(docs)], "2026-12-01").policies;

const policy = (name: string, account: string, region: string, bucket: string, athena = "", prefix = "") =>
  `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: ${name}
target:
  account: "${account}"
  region: ${region}
flowLogs:
  bucket:
    name: ${bucket}
${prefix !== "" ? `    prefix: ${prefix}\n` : ""}  vpcs:
    all: true
athena:
  database: db_${name}
  table: flows
  projectionStartDate: 2026-11-01
${athena}`;
const noTable = `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: edge
target:
  account: "333333333333"
  region: eu-west-1
flowLogs:
  bucket:
    name: edge-logs
  vpcs:
    all: true
`;

const forQuery = (ps: ReturnType<typeof load>, o: Parameters<typeof queryIamScope>[2] = {}) =>
  identityPolicy("query", ps, { query: queryIamScope(ps, "2026-12-01", o) });

/** The port calls `file` makes through a variable named `port`. */
function callsIn(file: string, port: "s3" | "athena"): string[] {
  const text = readFileSync(join(ROOT, "src/query", file), "utf8");
  const out = new Set<string>();
  for (const m of text.matchAll(new RegExp(`\\b${port}\\.([a-zA-Z0-9]+)\\(`, "g"))) {
    if (Object.hasOwn(PORT_IAM[port], m[1] as string)) out.add(`${port}.${m[1]}`);
  }
  return [...out].sort();
}

describe("cordon iam --for query|investigate", () => {
  it("the engines' declared calls are exactly the port calls their code makes", () => {
    expect([...ENGINE_CALLS.local].sort()).toEqual(callsIn("local.ts", "s3"));
    expect(callsIn("local.ts", "athena")).toEqual([]);
    expect([...ENGINE_CALLS.athena].sort()).toEqual(callsIn("athena.ts", "athena"));
    expect(callsIn("athena.ts", "s3")).toEqual([]);
  });

  it("local: lists each table's bucket under its location only, reads its objects; nothing of a policy without a table", () => {
    const ps = load(
      policy("a", "111111111111", "eu-west-1", "bucket-a", "", "flows"),
      policy("b", "222222222222", "us-east-2", "bucket-b"),
      noTable,
    );
    const doc = forQuery(ps);
    expect(policyActions(doc)).toEqual(["s3:GetObject", "s3:ListBucket"]);
    const list = doc.Statement.find((s) => s.Action.includes("s3:ListBucket"));
    expect(list?.Resource).toEqual(["arn:aws:s3:::bucket-a", "arn:aws:s3:::bucket-b"]);
    expect(list?.Condition).toEqual({ StringLike: { "s3:prefix": ["AWSLogs/*", "flows/AWSLogs/*"] } });
    expect(doc.Statement.find((s) => s.Action.includes("s3:GetObject"))?.Resource).toEqual([
      "arn:aws:s3:::bucket-a/flows/AWSLogs/*",
      "arn:aws:s3:::bucket-b/AWSLogs/*",
    ]);
    expect(JSON.stringify(doc)).not.toContain("edge-logs");
    // investigate makes the same calls.
    expect(identityPolicy("investigate", ps, { query: queryIamScope(ps, "2026-12-01", {}) })).toEqual(doc);
  });

  it("athena: the engine's actions on each target's workgroup, Glue and S3 as Athena checks them of the caller", () => {
    const ps = load(
      policy("a", "111111111111", "eu-west-1", "bucket-a", "  workgroup: flows\n  outputLocation: s3://results/q/\n"),
    );
    const doc = forQuery(ps);
    const on = (arn: string) =>
      doc.Statement.filter((s) => s.Resource.includes(arn))
        .flatMap((s) => s.Action)
        .sort();
    expect(on("arn:aws:athena:eu-west-1:111111111111:workgroup/flows")).toEqual([
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
    ]);
    expect(on("arn:aws:glue:eu-west-1:111111111111:catalog")).toEqual(["glue:GetDatabase", "glue:GetTable"]);
    expect(on("arn:aws:glue:eu-west-1:111111111111:table/db_a/flows")).toEqual(["glue:GetTable"]);
    expect(on("arn:aws:s3:::results")).toEqual(["s3:GetBucketLocation", "s3:ListBucket"]);
    expect(on("arn:aws:s3:::results/q/*")).toEqual(["s3:GetObject", "s3:PutObject"]);
    expect(on("arn:aws:s3:::bucket-a/AWSLogs/*")).toEqual(["s3:GetObject"]);
    expect(policyActions(doc)).not.toContain("athena:GetWorkGroup");
    expect(policyActions(doc)).not.toContain("sts:GetCallerIdentity");
    // --engine local over the same policy: no Athena, no output location.
    expect(policyActions(forQuery(ps, { engine: "local" }))).toEqual(["s3:GetObject", "s3:ListBucket"]);
    // --workgroup and --output-location win over the policy's.
    const flags = forQuery(ps, { workgroup: "adhoc", outputLocation: "s3://other/x/" });
    expect(JSON.stringify(flags)).toContain("workgroup/adhoc");
    expect(JSON.stringify(flags)).toContain("arn:aws:s3:::other/x/*");
    expect(JSON.stringify(flags)).not.toContain("workgroup/flows");
  });

  it("athena without an output location is refused: the workgroup's cannot be read offline", () => {
    const ps = load(policy("a", "111111111111", "eu-west-1", "bucket-a"));
    expect(() => queryIamScope(ps, "2026-12-01", { engine: "athena" })).toThrow(UsageError);
    expect(() => queryIamScope(ps, "2026-12-01", { engine: "athena" })).toThrow(/output location/);
    expect(() => queryIamScope(load(noTable), "2026-12-01", {})).toThrow(/athena section/);
  });

  it("assumes the plan role of each target with a table, never the apply role", () => {
    const dir = dirOf(
      [policy("a", "111111111111", "eu-west-1", "bucket-a"), noTable],
      "apiVersion: cordon.dev/v1\nkind: PolicySet\nmetadata:\n  name: s\nroles:\n  plan: arn:aws:iam::{account}:role/cordon-plan\n  apply: arn:aws:iam::{account}:role/cordon-apply\n",
    );
    const loaded = loadValidPolicies([dir], "2026-12-01");
    const roles = loaded.set?.roles;
    const doc = identityPolicy("investigate", loaded.policies, {
      ...(roles !== undefined ? { roles } : {}),
      query: queryIamScope(loaded.policies, "2026-12-01", {}),
    });
    expect(doc.Statement.find((s) => s.Sid === "AssumeTargetRoles")?.Resource).toEqual([
      "arn:aws:iam::111111111111:role/cordon-plan",
    ]);
  });
});
