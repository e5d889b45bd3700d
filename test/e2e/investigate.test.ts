// `cordon investigate` through the built CLI on the local engine, against the sandbox with the
// Cat's Eyes traffic: the production policy before the incident (its blockedAddresses section with
// no entry yet) applied, traffic, then investigate finds the flood to 203.0.113.66 over UDP and the
// scan from 192.0.2.200 and proposes both blocks as a diff; --write edits the file (every other byte
// kept) and `cordon validate` passes; a second run refuses duplicates; an allowlisted address is
// never proposed; the steady scenario has no flood; a block whose NACL entry was deleted behind
// Cordon's back is an error finding. Investigate never makes a mutating AWS call.
// Run `npm run build` first.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeleteNetworkAclEntryCommand, DescribeNetworkAclsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvestigateReport } from "../../src/model/investigate.js";
import {
  ACCOUNT,
  cordonRunner,
  isMutating,
  makeTmp,
  REGION,
  requireCli,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

const FLOOD = "203.0.113.66";
const SCANNER = "192.0.2.200";
const POLICY = readFileSync("examples/cats-eyes/policies/production.yaml", "utf8");
const ENTRY = `  entries:
    - cidr: 203.0.113.66
      reason: Our instances were flooding this address with outbound traffic (compromised image).
      ticket: INC-2041
`;
/** The policy before the incident: logging, table, the NACL band claimed, no blocked address yet. */
const BEFORE = POLICY.replace(ENTRY, "  entries: []\n");

let tmp: string;
let sandbox: SandboxHandle;
let run: ReturnType<typeof cordonRunner>;
const dir = () => join(tmp, "policies");
const file = () => join(dir(), "production.yaml");

const window = (from: string, until: string) => ["--since", from, "--until", until];
const FIRST = window("2026-12-05T10:00:00Z", "2026-12-05T10:30:00Z");

async function investigate(
  args: readonly string[],
): Promise<{ status: number | null; report: InvestigateReport; stderr: string }> {
  const r = await run([
    "investigate",
    ...args,
    "--format",
    "json",
    "--today",
    TODAY,
    "--cache-dir",
    join(tmp, "cache"),
  ]);
  expect(r.stderr).not.toMatch(/Internal error|\n\s+at /);
  return { status: r.status, report: JSON.parse(r.stdout) as InvestigateReport, stderr: r.stderr };
}

beforeAll(async () => {
  requireCli();
  tmp = makeTmp("cordon-investigate-");
  sandbox = await startSandbox({
    seed: "examples/cats-eyes/estate.yaml",
    traffic: { scenario: "cats-eyes", seed: 7 },
    clock: "2026-12-05T09:00:00Z",
  });
  run = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: ACCOUNT });
  mkdirSync(dir());
  writeFileSync(join(dir(), "cordon.yaml"), readFileSync("examples/cats-eyes/policies/cordon.yaml"));
  writeFileSync(file(), BEFORE);
  const applied = await run(["apply", "policies", "--auto-approve", "--today", TODAY]);
  expect(applied.status, applied.stderr).toBe(0);
  await sandbox.control.deliverTraffic({ from: "2026-12-05T10:00:00Z", to: "2026-12-05T10:30:00Z" });
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("cordon investigate", () => {
  it("finds the cats-eyes flood and scan with evidence, proposes both blocks as a diff, and changes nothing", async () => {
    sandbox.control.clearRequests();
    const { status, report } = await investigate(["policies", ...FIRST]);
    expect(status).toBe(2);
    expect(report.records).toBeGreaterThan(100);
    const flood = report.findings.find((f) => f.kind === "outbound-flood");
    expect(flood?.address).toBe(FLOOD);
    expect(flood?.severity).toBe("warning");
    expect(flood?.evidence.protocols?.[0]).toBe(17);
    expect(flood?.evidence.byteShare).toBeGreaterThan(0.5);
    expect(flood?.evidence.interfaceCount).toBeGreaterThan(1);
    expect(flood?.evidence.interfaces.every((i) => /^eni-[0-9a-f]+$/.test(i))).toBe(true);
    expect(Date.parse(flood!.evidence.firstSeen!)).toBeGreaterThanOrEqual(Date.parse("2026-12-05T10:00:00Z"));
    expect(Date.parse(flood!.evidence.lastSeen!)).toBeLessThanOrEqual(Date.parse("2026-12-05T10:31:00Z"));
    const scan = report.findings.find((f) => f.kind === "inbound-scan");
    expect(scan?.address).toBe(SCANNER);
    expect(scan?.evidence.distinctPorts).toBeGreaterThanOrEqual(50);
    expect(report.findings.filter((f) => f.kind === "outbound-flood" || f.kind === "inbound-scan")).toHaveLength(2);
    expect(report.proposals.map((p) => [p.status, p.cidr])).toEqual([
      ["proposed", FLOOD],
      ["proposed", SCANNER],
    ]);
    // The scan is inbound, the example's ACLs deny outbound only: the proposal says so.
    const scanProposal = report.proposals[1]!;
    expect(scanProposal.status === "proposed" && scanProposal.note).toMatch(/deny outbound traffic only/);
    expect(report.patches).toHaveLength(1);
    expect(report.patches[0]!.diff).toMatch(/^\+\s+- cidr: 203\.0\.113\.66$/m);
    expect(report.patches[0]!.diff).toMatch(/^\+\s+ticket: TICKET-TODO$/m);
    expect(report.patches[0]!.diff).toMatch(/^\+\s+expires: 2027-01-04$/m);
    expect(report.written).toBe(false);
    expect(readFileSync(file(), "utf8")).toBe(BEFORE);
    const requests = sandbox.control.requests();
    expect(requests.filter(isMutating).map((q) => `${q.service}:${q.operation}`)).toEqual([]);
    expect(requests.some((q) => q.operation === "GetObject")).toBe(true);
  });

  it("finds the same on Athena (the sandbox's) as on the local engine", async () => {
    const bucket = "cats-eyes-investigate-results";
    await new S3Client({ ...sandboxClientConfig(sandbox.url, ACCOUNT), forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    const local = await investigate(["policies", ...FIRST, "--engine", "local"]);
    sandbox.control.clearRequests();
    const athena = await investigate([
      "policies",
      ...FIRST,
      "--engine",
      "athena",
      "--output-location",
      `s3://${bucket}/cordon/`,
    ]);
    expect(athena.status).toBe(2);
    expect(athena.report.engine).toBe("athena");
    expect(athena.report.findings).toEqual(local.report.findings);
    expect(athena.report.proposals).toEqual(local.report.proposals);
    expect(athena.report.costUsd).toBeGreaterThan(0);
    const started = sandbox.control.requests().filter((q) => q.operation === "StartQueryExecution");
    expect(started.length).toBe(athena.report.queries);
    // Athena's queries are its only non-read calls: nothing else is changed.
    expect(
      sandbox.control
        .requests()
        .filter(isMutating)
        .filter((q) => q.service !== "athena"),
    ).toEqual([]);
  });

  it("prints text for a person and markdown, terminal-safe", async () => {
    const text = await run(["investigate", "policies", ...FIRST, "--today", TODAY, "--cache-dir", join(tmp, "cache")]);
    expect(text.status).toBe(2);
    expect(text.stdout).toMatch(/outbound flood {2}203\.0\.113\.66/);
    expect(text.stdout).toMatch(/protocols UDP/);
    expect(text.stdout).toMatch(/^\+ {4}- cidr: 203\.0\.113\.66$/m);
    expect(text.stdout).toMatch(/2 findings \(0 errors, 2 warnings\).*--write/);
    expect(text.stdout).not.toMatch(/\u001b/);
    const md = await run(["investigate", "policies", ...FIRST, "--format", "markdown", "--today", TODAY]);
    expect(md.stdout).toMatch(/^\| warning \| outbound flood \| `203\.0\.113\.66` \|/m);
    expect(md.stdout).toMatch(/^```diff$/m);
  });

  it("--write edits the file with the entries (ticket, expiry), every other byte kept, and validate passes", async () => {
    const { status, report } = await investigate([
      "policies",
      ...FIRST,
      "--write",
      "--ticket",
      "INC-2041",
      "--expires-in",
      "60d",
    ]);
    expect(status).toBe(2);
    expect(report.written).toBe(true);
    const after = readFileSync(file(), "utf8");
    // The empty list became a block list under its key; every other line is kept, in order.
    keptInOrder(BEFORE.replace("  entries: []\n", "  entries:\n"), after);
    expect(after).toMatch(
      / {4}- cidr: 203\.0\.113\.66\n {6}reason: .*\n {6}ticket: INC-2041\n {6}expires: 2027-02-03\n/,
    );
    expect(after).toMatch(/ {4}- cidr: 192\.0\.2\.200\n/);
    const validate = await run(["validate", "policies", "--today", TODAY]);
    expect(validate.status, validate.stdout + validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/0 errors, 0 warnings/);
  });

  it("does not propose an address already declared, and reports the declared block that is not applied yet", async () => {
    const { status, report } = await investigate(["policies", ...FIRST]);
    expect(status).toBe(2);
    expect(report.patches).toEqual([]);
    expect(report.proposals.map((p) => [p.status, p.cidr])).toEqual([
      ["already-declared", FLOOD],
      ["already-declared", SCANNER],
    ]);
    // Declared but not applied: the window's flood was accepted.
    const held = report.findings.filter((f) => f.kind === "block-not-holding");
    expect(held.map((f) => [f.severity, f.declared?.cidr])).toEqual([["error", FLOOD]]);
  });

  it("never proposes an allowlisted address, naming the allowlist entry", async () => {
    const other = join(tmp, "allow");
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, "cordon.yaml"), readFileSync("examples/cats-eyes/policies/cordon.yaml"));
    const allowed = `${BEFORE}\nallowlist:\n  - cidr: 192.0.2.0/24\n    reason: the partner's scanner, under contract\n`;
    writeFileSync(join(other, "production.yaml"), allowed);
    const { report } = await investigate(["allow", ...FIRST, "--write"]);
    const refused = report.proposals.find((p) => p.cidr === SCANNER);
    expect(refused).toMatchObject({ status: "allowlisted", allowlisted: "192.0.2.0/24" });
    expect(readFileSync(join(other, "production.yaml"), "utf8")).not.toMatch(/cidr: 192\.0\.2\.200/);
    expect(readFileSync(join(other, "production.yaml"), "utf8")).toMatch(/cidr: 203\.0\.113\.66/);
  });

  it("after apply the flood is REJECTed: no flood, no block-not-holding; the steady scenario has no flood", async () => {
    sandbox.control.setClock("2026-12-05T10:30:00Z");
    const applied = await run(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(applied.status, applied.stderr).toBe(0);
    await sandbox.control.deliverTraffic({ from: "2026-12-05T10:30:00Z", to: "2026-12-05T11:00:00Z" });
    const { report } = await investigate(["policies", ...window("2026-12-05T10:30:00Z", "2026-12-05T11:00:00Z")]);
    expect(report.findings.filter((f) => f.kind === "outbound-flood" || f.kind === "block-not-holding")).toEqual([]);
    // A window across the apply: the ACCEPTs before the block are not a block that did not hold.
    const across = await investigate(["policies", ...window("2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z")]);
    expect(across.report.findings.filter((f) => f.kind === "block-not-holding")).toEqual([]);
    const rejected = report.findings.filter((f) => f.kind === "rejected-talker");
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((f) => f.severity === "info" && !f.actionable)).toBe(true);

    await sandbox.control.deliverTraffic({
      from: "2026-12-05T12:00:00Z",
      to: "2026-12-05T12:30:00Z",
      scenario: "steady",
    });
    const steady = await investigate(["policies", ...window("2026-12-05T12:00:00Z", "2026-12-05T12:30:00Z")]);
    expect(steady.report.findings.filter((f) => f.kind !== "rejected-talker")).toEqual([]);
    expect(steady.status).toBe(0);
  });

  it("reports a block whose NACL entry was deleted behind Cordon's back as an error, exit 2", async () => {
    const ec2 = new EC2Client(sandboxClientConfig(sandbox.url, ACCOUNT));
    const acls = await ec2.send(new DescribeNetworkAclsCommand({}));
    let deleted = 0;
    for (const acl of acls.NetworkAcls ?? []) {
      for (const e of acl.Entries ?? []) {
        if (e.CidrBlock !== `${FLOOD}/32` || e.RuleAction !== "deny") continue;
        await ec2.send(
          new DeleteNetworkAclEntryCommand({
            NetworkAclId: acl.NetworkAclId,
            RuleNumber: e.RuleNumber,
            Egress: e.Egress,
          }),
        );
        deleted++;
      }
    }
    expect(deleted).toBeGreaterThan(0);
    sandbox.control.setClock("2026-12-05T13:00:00Z");
    await sandbox.control.deliverTraffic({ from: "2026-12-05T13:00:00Z", to: "2026-12-05T13:30:00Z" });
    const { status, report } = await investigate([
      "policies",
      ...window("2026-12-05T13:00:00Z", "2026-12-05T13:30:00Z"),
    ]);
    expect(status).toBe(2);
    const held = report.findings.find((f) => f.kind === "block-not-holding");
    expect(held).toMatchObject({ severity: "error", declared: { cidr: FLOOD } });
    expect(held?.declared?.line).toBe(
      readFileSync(file(), "utf8")
        .split("\n")
        .findIndex((l) => l.includes(`- cidr: ${FLOOD}`)) + 1,
    );
    expect(report.findings[0]?.kind).toBe("block-not-holding");
  });

  it("says a window without records has none, exit 0", async () => {
    const r = await run([
      "investigate",
      "policies",
      ...window("2026-12-05T05:00:00Z", "2026-12-05T06:00:00Z"),
      "--today",
      TODAY,
      "--cache-dir",
      join(tmp, "cache"),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/; 0 records, 1 queries/);
    expect(r.stdout).toMatch(/No flow-log records in this window/);
  });

  it("refuses bad options with a clear error, exit 1, no stack trace", async () => {
    for (const [args, message] of [
      [["--expires-in", "soon"], /--expires-in must be a number of days or weeks/],
      [["--ticket", "INC-1\u001b[31m"], /--ticket must be 1 to 128 characters of plain text/],
      [["--flood-share", "2"], /--flood-share must be a number from 0 to 1/],
      [["--since", "yesterday"], /--since must be a duration/],
    ] as const) {
      const r = await run(["investigate", "policies", ...args, "--today", TODAY]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

/** Every line of `before` is in `after`, in order, and `after` adds the two entries' 8 lines. */
function keptInOrder(before: string, after: string): void {
  const a = before.split("\n");
  let i = 0;
  for (const line of after.split("\n")) if (i < a.length && a[i] === line) i++;
  expect(i, "every line of the policy is kept, in order").toBe(a.length);
  expect(after.split("\n").length - a.length).toBe(8);
}
