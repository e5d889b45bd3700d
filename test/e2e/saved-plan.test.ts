// Saved plans end to end through the built CLI against an in-process sandbox: a saved plan is a
// record of what was reviewed, not an instruction. Every edit of a saved plan that keeps the
// observed fingerprints and the policy digest, with the file's digest recomputed by whoever edited
// it (so only apply's recomputation can catch it), is refused with exit 1 naming the address, and
// AWS is left exactly as it was (the sandbox's whole state compared). An unedited plan applies; a
// policy file changed after the plan is named; a file edited without recomputing its digest is
// refused as edited; `cordon show` renders a saved plan in three formats and warns about an edit.
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateTagsCommand, DescribeNetworkAclsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  GetIPSetCommand,
  GetWebACLCommand,
  ListIPSetsCommand,
  ListWebACLsCommand,
  WAFV2Client,
} from "@aws-sdk/client-wafv2";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planDocumentDigest } from "../../src/domain/fingerprint.js";
import type { Change } from "../../src/model/change.js";
import type { PlanDocument } from "../../src/model/plan.js";
import { PLAN_MARKER } from "../../src/render/plan-markdown.js";
import {
  ACCOUNT,
  cordonRunner,
  isMutating,
  makeTmp,
  pending,
  REGION,
  ROOT,
  requireCli,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

const KEY = "AKIASAVEDPLANE2E0001";
const BUCKET = "cats-eyes-flow-logs-111122223333";
const A = (kind: string, name: string) => `${ACCOUNT}/${REGION}/${kind}/${name}`;
const BUCKET_POLICY = A("s3.bucketPolicy", BUCKET);
const IP_SET = A("wafv2.ipSet", "cats-eyes-edge-blocked-ipv4");
const WEB_ACL = A("wafv2.webAcl", "cats-eyes-edge");
const FLOW_LOG = A("ec2.flowLog", "vpc-0c47e5a1f3d2b0001");

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const tmp = makeTmp("cordon-saved-plan-");
const policies = join(tmp, "policies");
const policyFile = join(policies, "production.yaml");
let sandbox: SandboxHandle;
let ec2: EC2Client;
let waf: WAFV2Client;
let s3: S3Client;

const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 });

const readPlan = (file: string): PlanDocument => JSON.parse(readFileSync(join(tmp, file), "utf8")) as PlanDocument;

/** Writes `doc` as a plan file, its digest recomputed as anyone editing the file can. */
function writeWithDigest(file: string, doc: PlanDocument): void {
  const { digest: _old, ...rest } = doc;
  writeFileSync(join(tmp, file), `${JSON.stringify({ ...rest, digest: planDocumentDigest(rest) }, null, 2)}\n`);
}

/** A copy of the saved plan `from` with `edit` applied to the change at `address`, digest recomputed. */
function tamper(from: string, to: string, address: string, edit: (c: Record<string, unknown>) => void): void {
  const doc = structuredClone(readPlan(from)) as unknown as { changes: Record<string, unknown>[] };
  const change = doc.changes.find((c) => c["address"] === address);
  if (change === undefined) throw new Error(`${from} has no change ${address}`);
  edit(change);
  writeWithDigest(to, doc as unknown as PlanDocument);
}

/** Everything the sandbox holds (every service, account and region), to compare before and after. */
const awsState = (): string => JSON.stringify(sandbox.control.state());

const mutating = () =>
  sandbox.control
    .requests()
    .filter((r) => r.accessKeyId === KEY && isMutating(r))
    .map((r) => `${r.service}:${r.operation}`);

/** Applies `file` and expects a refusal naming `address` with `how`, and AWS untouched. */
async function expectRefused(file: string, address: string, how: RegExp): Promise<string> {
  const before = awsState();
  sandbox.control.clearRequests();
  const r = await cordon(["apply", file, "--today", TODAY]);
  expect(r.status, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).toMatch(/nothing was applied/);
  const line = r.stderr.split("\n").find((l) => l.includes(address) && how.test(l));
  expect(line, r.stderr).toBeDefined();
  expect(line).toMatch(how);
  expect(r.stderr).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);
  // Refused before the lock: not even the lock or an audit record was written.
  expect(mutating()).toEqual([]);
  expect(awsState()).toBe(before);
  return r.stderr;
}

async function naclDenies(): Promise<string[]> {
  const r = await ec2.send(new DescribeNetworkAclsCommand({}));
  return (r.NetworkAcls ?? [])
    .flatMap((a) => a.Entries ?? [])
    .filter((e) => e.RuleAction === "deny" && e.RuleNumber !== 32767)
    .map((e) => e.CidrBlock ?? "")
    .sort();
}

async function ipv4Addresses(): Promise<string[]> {
  const sets = await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }));
  const s = sets.IPSets?.find((x) => x.Name === "cats-eyes-edge-blocked-ipv4");
  if (s === undefined) return [];
  const got = await waf.send(new GetIPSetCommand({ Scope: "REGIONAL", Name: s.Name!, Id: s.Id! }));
  return [...(got.IPSet?.Addresses ?? [])].sort();
}

async function blockedCountries(): Promise<string[]> {
  const list = await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }));
  const s = list.WebACLs?.find((w) => w.Name === "cats-eyes-edge");
  if (s === undefined) return [];
  const got = await waf.send(new GetWebACLCommand({ Scope: "REGIONAL", Name: s.Name!, Id: s.Id! }));
  return (got.WebACL?.Rules ?? []).flatMap((r) => r.Statement?.GeoMatchStatement?.CountryCodes ?? []);
}

beforeAll(async () => {
  requireCli();
  cpSync(join(ROOT, "examples/cats-eyes/policies"), policies, { recursive: true });
  // Blocks also in the web ACL, so the plan has IP sets.
  const text = readFileSync(policyFile, "utf8");
  writeFileSync(policyFile, text.replace("\n  entries:\n", "\n  webAcl: true\n  entries:\n"));
  sandbox = await startSandbox({ seed: join(ROOT, "examples/cats-eyes/estate.yaml"), requestLogSize: 5000 });
  sandbox.control.seed({ accessKeys: { [KEY]: { account: ACCOUNT } } });
  const client = sandboxClientConfig(sandbox.url, KEY);
  ec2 = new EC2Client(client);
  waf = new WAFV2Client(client);
  s3 = new S3Client({ ...client, forcePathStyle: true });
});

afterAll(async () => {
  for (const c of [ec2, waf, s3]) c?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("a saved plan edited with its digest recomputed is refused (only the recomputation catches it)", () => {
  it("saves the plan of the whole estate", async () => {
    const r = await cordon(["plan", "policies", "--out", "base.json", "--today", TODAY]);
    expect(r.status, r.stderr).toBe(0);
    const doc = readPlan("base.json");
    expect(doc.digest).toBe(planDocumentDigest(doc));
    expect(doc.today).toBe(TODAY);
    expect(Object.keys(doc.policyFiles ?? {})).toEqual(["policies/production.yaml"]);
    expect(pending(doc)).toContain(`create ${IP_SET}`);
  });

  it("a NACL deny entry changed so that 203.0.113.66 is unblocked", async () => {
    const nacl = readPlan("base.json").changes.find((c) => c.kind === "ec2.naclEntries")!;
    tamper("base.json", "nacl.json", nacl.address, (c) => {
      const after = c["after"] as { entries: { cidr: string }[] };
      after.entries[0]!.cidr = "203.0.113.67/32";
    });
    await expectRefused("nacl.json", nacl.address, /after differs at \/entries\/0\/cidr/);
    expect(await naclDenies()).toEqual([]);
  });

  it("the WAF IP set emptied", async () => {
    tamper("base.json", "ipset.json", IP_SET, (c) => {
      (c["after"] as { addresses: string[] }).addresses = [];
    });
    await expectRefused("ipset.json", IP_SET, /after differs at \/addresses\/0/);
    expect(await ipv4Addresses()).toEqual([]);
  });

  it("a cross-account s3:GetObject statement added to the bucket policy", async () => {
    tamper("base.json", "bucket-policy.json", BUCKET_POLICY, (c) => {
      (c["after"] as { statements: unknown[] }).statements.push({
        Sid: "CordonPartnerRead",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::999988887777:root" },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      });
    });
    await expectRefused("bucket-policy.json", BUCKET_POLICY, /after differs at \/statements\/2/);
  });

  it("the geo block moved from TV to NR", async () => {
    tamper("base.json", "geo.json", WEB_ACL, (c) => {
      const rules = (c["after"] as { rules: { Statement: { GeoMatchStatement?: { CountryCodes: string[] } } }[] })
        .rules;
      const geo = rules.find((r) => r.Statement.GeoMatchStatement !== undefined)!;
      geo.Statement.GeoMatchStatement!.CountryCodes = ["NR"];
    });
    await expectRefused(
      "geo.json",
      WEB_ACL,
      /after differs at \/rules\/1\/Statement\/GeoMatchStatement\/CountryCodes\/0/,
    );
    expect(await blockedCountries()).toEqual([]);
  });

  it("a change removed from the list (it would be silently skipped)", async () => {
    const doc = structuredClone(readPlan("base.json"));
    writeWithDigest("removed.json", { ...doc, changes: doc.changes.filter((c) => c.address !== FLOW_LOG) });
    await expectRefused("removed.json", FLOW_LOG, /only now \(not in the saved plan\)/);
  });

  it("a change's mode set to observe (it would be skipped)", async () => {
    tamper("base.json", "observe.json", IP_SET, (c) => {
      c["mode"] = "observe";
    });
    await expectRefused("observe.json", IP_SET, /mode observe in the saved plan, enforce now/);
  });

  it("an unedited plan applies", async () => {
    const before = awsState();
    const r = await cordon(["apply", "base.json", "--today", TODAY]);
    expect(r.status, r.stderr).toBe(0);
    // No IPv6 IP set: no IPv6 address is blocked.
    expect(r.stdout).toContain("Apply complete: 9 applied, 0 failed, 0 skipped.");
    // The audit line names the reviewed file's digest.
    expect(r.stdout).toContain(`plan ${readPlan("base.json").digest!.slice(0, 12)}`);
    expect(awsState()).not.toBe(before);
    expect(await naclDenies()).toEqual(["203.0.113.66/32"]);
    expect(await ipv4Addresses()).toEqual(["203.0.113.66/32"]);
    expect(await blockedCountries()).toEqual(["TV"]);
    const again = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(again.status).toBe(0);
  });

  it("an action changed from update to no-op (the update would be skipped)", async () => {
    const original = readFileSync(policyFile, "utf8");
    writeFileSync(
      policyFile,
      original.replace(
        "      ticket: INC-2041\n",
        "      ticket: INC-2041\n    - cidr: 198.51.100.7\n      reason: scanner\n",
      ),
    );
    try {
      const r = await cordon(["plan", "policies", "--out", "update.json", "--today", TODAY]);
      expect(r.status, r.stderr).toBe(0);
      expect(pending(readPlan("update.json"))).toContain(`update ${IP_SET}`);
      tamper("update.json", "noop.json", IP_SET, (c) => {
        c["action"] = "no-op";
      });
      await expectRefused("noop.json", IP_SET, /action no-op in the saved plan, update now/);
      expect(await ipv4Addresses()).toEqual(["203.0.113.66/32"]);
      // The same plan unedited applies the update.
      const ok = await cordon(["apply", "update.json", "--today", TODAY]);
      expect(ok.status, ok.stderr).toBe(0);
      expect(await ipv4Addresses()).toEqual(["198.51.100.7/32", "203.0.113.66/32"]);
    } finally {
      writeFileSync(policyFile, original);
    }
  });
});

describe("a plan restricted with --target", () => {
  it("is made again with the same --target addresses, and applies only those", async () => {
    const original = readFileSync(policyFile, "utf8");
    writeFileSync(
      policyFile,
      original.replace(
        "      ticket: INC-2041\n",
        "      ticket: INC-2041\n    - cidr: 198.51.100.9\n      reason: scanner\n",
      ),
    );
    try {
      const r = await cordon(["plan", "policies", "--target", IP_SET, "--out", "target.json", "--today", TODAY]);
      expect(r.status, r.stderr).toBe(0);
      const doc = readPlan("target.json");
      expect(doc.only).toEqual([IP_SET]);
      expect(pending(doc)).toEqual([`update ${IP_SET}`]);
      // Without the recorded --target the plan made now would also update the NACL, and differ.
      const { only: _only, ...whole } = doc;
      writeWithDigest("target-dropped.json", whole);
      await expectRefused("target-dropped.json", A("ec2.naclEntries", ""), /only now \(not in the saved plan\)/);
      const ok = await cordon(["apply", "target.json", "--today", TODAY]);
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain("Apply complete: 1 applied, 0 failed, 0 skipped.");
      expect(await ipv4Addresses()).toContain("198.51.100.9/32");
      expect(await naclDenies()).not.toContain("198.51.100.9/32");
    } finally {
      writeFileSync(policyFile, original);
    }
    const converge = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(converge.status, converge.stderr).toBe(0);
  });
});

describe("the comparison under the lock", () => {
  const LOCK_KEY = `cordon/locks/${ACCOUNT}-${REGION}.json`;
  const STAGING_VPC = "vpc-0c47e5a1f3d2b0002";

  it("refuses when AWS changed while the apply waited for the lock, though nothing it planned changed", async () => {
    const original = readFileSync(policyFile, "utf8");
    writeFileSync(
      policyFile,
      original.replace(
        "      ticket: INC-2041\n",
        "      ticket: INC-2041\n    - cidr: 198.51.100.8\n      reason: scanner\n",
      ),
    );
    try {
      const planned = await cordon(["plan", "policies", "--out", "waited.json", "--today", TODAY]);
      expect(planned.status, planned.stderr).toBe(0);
      const holder = {
        format: "cordon.lock/v1",
        id: "0123456789ab",
        who: "ci@runner-7",
        command: "apply",
        createdAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
        planDigest: "f".repeat(64),
        targets: [`${ACCOUNT}/${REGION}`],
      };
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: LOCK_KEY, Body: JSON.stringify(holder) }));
      const auditKeys = async () =>
        ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "cordon/audit/" }))).Contents ?? []).map(
          (o) => o.Key!,
        );
      const auditedBefore = new Set(await auditKeys());
      sandbox.control.clearRequests();
      const applying = cordon(["apply", "waited.json", "--today", TODAY, "--lock-timeout", "90s"]);
      // Checked before the lock: equal. Now it waits for the lock (its first put was refused).
      const deadline = Date.now() + 60_000;
      while (
        !sandbox.control
          .requests()
          .some((q) => q.accessKeyId === KEY && q.operation === "PutObject" && q.status === 412)
      ) {
        if (Date.now() > deadline) throw new Error("the apply never tried to take the lock");
        await new Promise((r) => setTimeout(r, 50));
      }
      // A change no fingerprint of the plan covers: the staging VPC now selected by the policy.
      await ec2.send(new CreateTagsCommand({ Resources: [STAGING_VPC], Tags: [{ Key: "env", Value: "production" }] }));
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: LOCK_KEY }));
      const r = await applying;
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/waited\.json is not the plan Cordon makes now/);
      expect(r.stderr).toContain(`${A("ec2.flowLog", STAGING_VPC)}: only now (not in the saved plan)`);
      expect(await ipv4Addresses()).not.toContain("198.51.100.8/32");
      const resourceWrites = sandbox.control
        .requests()
        .filter((q) => q.accessKeyId === KEY && isMutating(q) && q.service !== "s3" && q.operation !== "CreateTags");
      expect(resourceWrites).toEqual([]);
      // Refused under the lock, the attempt is audited.
      // The one record this apply wrote (keys have a one-second stamp, so sorting cannot tell it
      // from a record an earlier test wrote in the same second).
      const written = (await auditKeys()).filter((k) => !auditedBefore.has(k));
      expect(written).toHaveLength(1);
      const last = written[0]!;
      const record = JSON.parse(
        (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: last }))).Body?.transformToString()) ?? "{}",
      );
      expect(record.planDigest).toBe(readPlan("waited.json").digest);
      expect(record.error).toContain(`${A("ec2.flowLog", STAGING_VPC)}: only now`);
    } finally {
      writeFileSync(policyFile, original);
      await ec2.send(new CreateTagsCommand({ Resources: [STAGING_VPC], Tags: [{ Key: "env", Value: "staging" }] }));
    }
  });
});

describe("other refusals", () => {
  it("names the policy file that changed after the plan was made", async () => {
    const r = await cordon(["plan", "policies", "--out", "before-edit.json", "--today", TODAY]);
    expect(r.status, r.stderr).toBe(0);
    const original = readFileSync(policyFile, "utf8");
    writeFileSync(policyFile, original.replace("retentionDays: 90", "retentionDays: 120"));
    try {
      const before = awsState();
      sandbox.control.clearRequests();
      const refused = await cordon(["apply", "before-edit.json", "--today", TODAY]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(
        "the policies changed since the plan was made: policies/production.yaml (changed); nothing was applied",
      );
      expect(refused.stderr).not.toMatch(/[0-9a-f]{64}/);
      expect(mutating()).toEqual([]);
      expect(awsState()).toBe(before);
    } finally {
      writeFileSync(policyFile, original);
    }
  });

  it("refuses a plan edited without recomputing its digest, as edited", async () => {
    const doc = readPlan("base.json");
    writeFileSync(join(tmp, "edited.json"), JSON.stringify({ ...doc, createdAt: "2026-11-26T00:00:00.000Z" }));
    const before = awsState();
    sandbox.control.clearRequests();
    const r = await cordon(["apply", "edited.json", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/edited\.json was edited after it was made: its digest does not match its content/);
    expect(mutating()).toEqual([]);
    expect(awsState()).toBe(before);
  });

  it("refuses a plan without a digest", async () => {
    const { digest: _d, ...doc } = readPlan("base.json");
    writeFileSync(join(tmp, "no-digest.json"), JSON.stringify(doc));
    const r = await cordon(["apply", "no-digest.json", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no-digest\.json has no digest/);
  });

  it("applies a plan for its own day; one made for a later day only when --today says that day", async () => {
    const own = await cordon(["plan", "policies", "--out", "own-day.json"]);
    expect(own.status, own.stderr).toBe(0);
    const applied = await cordon(["apply", "own-day.json"]);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stderr).toContain(`made for ${readPlan("own-day.json").today}`);

    const later = await cordon(["plan", "policies", "--out", "later.json", "--today", "2099-01-01"]);
    expect(later.status, later.stderr).toBe(0);
    const before = awsState();
    sandbox.control.clearRequests();
    const refused = await cordon(["apply", "later.json"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/later\.json was made for 2099-01-01, a day after today/);
    expect(refused.stderr).toContain("cordon apply later.json --today 2099-01-01");
    expect(mutating()).toEqual([]);
    expect(awsState()).toBe(before);
    const said = await cordon(["apply", "later.json", "--today", "2099-01-01"]);
    expect(said.status, said.stderr).toBe(0);
  });

  it("refuses policies outside the working directory named by the file", async () => {
    const doc = readPlan("base.json");
    writeWithDigest("outside.json", { ...doc, policyPaths: [join(ROOT, "examples/cats-eyes/policies")] });
    const r = await cordon(["apply", "outside.json", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/outside\.json names policies outside the working directory/);
  });

  it("refuses --today other than the plan's day", async () => {
    const r = await cordon(["apply", "base.json", "--today", "2026-11-27"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--today 2026-11-27 is not the day base\.json was made for \(2026-11-26\)/);
  });
});

describe("cordon show", () => {
  it("renders a saved plan as text, with where it came from", async () => {
    const r = await cordon(["show", "update.json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const doc = readPlan("update.json");
    expect(r.stdout).toContain(`Saved plan update.json: made ${doc.createdAt}`);
    expect(r.stdout).toContain(`for ${TODAY}, from policies; digest ${doc.digest!.slice(0, 12)} (matches the content)`);
    expect(r.stdout).toContain(`# ${IP_SET} will be updated in-place`);
    expect(r.stdout).toContain('+ addresses/198.51.100.7/32 = "198.51.100.7/32"');
    expect(r.stdout).not.toContain("WARNING");
  });

  it("as markdown (the PR comment) and as the JSON document", async () => {
    const md = await cordon(["show", "update.json", "--format", "markdown"]);
    expect(md.status, md.stderr).toBe(0);
    expect(md.stdout.startsWith(`${PLAN_MARKER}\n`)).toBe(true);
    expect(md.stdout).toContain(`> Saved plan update.json: made ${readPlan("update.json").createdAt}`);
    expect(md.stdout).toContain("**Plan: 0 to add, 2 to change, 0 to destroy.**");
    expect(md.stdout).toContain(IP_SET);
    const json = await cordon(["show", "update.json", "--format", "json"]);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(readPlan("update.json"));
  });

  it("warns loudly about an edited file, on stderr and at the top of the output, and exits 1", async () => {
    const doc = readPlan("update.json");
    const edited = {
      ...doc,
      changes: doc.changes.map((c: Change) => (c.address === IP_SET ? { ...c, action: "no-op" } : c)),
    };
    writeFileSync(join(tmp, "show-edited.json"), JSON.stringify(edited));
    for (const format of ["text", "markdown", "json"]) {
      const r = await cordon(["show", "show-edited.json", "--format", format]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/WARNING: show-edited\.json was edited after it was made/);
      if (format !== "json") {
        const top = r.stdout.split("\n").slice(0, 3).join("\n");
        expect(top).toMatch(/WARNING: show-edited\.json was edited after it was made/);
      }
    }
  });

  it("refuses a malformed document with the JSON pointer of the problem, never a crash", async () => {
    const doc = structuredClone(readPlan("update.json")) as unknown as { changes: Record<string, unknown>[] };
    delete doc.changes[0]!["impact"];
    writeWithDigest("malformed.json", doc as unknown as PlanDocument);
    for (const args of [
      ["show", "malformed.json"],
      ["apply", "malformed.json", "--today", TODAY],
    ]) {
      const r = await cordon(args);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("malformed.json is not a well-formed Cordon plan document");
      expect(r.stderr).toContain("/changes/0: must have required property 'impact'");
      expect(r.stderr).not.toMatch(/Internal error|\n\s+at [^\n]+:\d+:\d+/);
    }
  });
});
