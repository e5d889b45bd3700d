// One policy, many targets (docs/targets.md), through the built CLI against the sandbox: the
// organisation example (one policy over 3 accounts × 2 regions) planned, grouped by target,
// applied and planned again; the validation of targets; --shard, including two applies of
// different shards at once.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetBucketLocationCommand, S3Client } from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import {
  CLI,
  cordonRunner,
  makeTmp,
  pending,
  ROOT,
  requireCli,
  sandboxCliEnv,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

const ACCOUNTS = ["111122223333", "222233334444", "333344445555"];
const REGIONS = ["eu-west-1", "us-east-1"];
const TARGETS = ACCOUNTS.flatMap((a) => REGIONS.map((r) => `${a}/${r}`)).sort();
const ESTATE = join(ROOT, "examples/organisation/estate.yaml");

const tmp = makeTmp("cordon-targets-");
let sandbox: SandboxHandle;
let shardSandbox: SandboxHandle;
const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: "AKIATARGETSE2E000001" });
const shardCordon = cordonRunner({ tmp, endpoint: () => shardSandbox.url, accessKeyId: "AKIATARGETSE2E000002" });

beforeAll(async () => {
  requireCli();
  cpSync(join(ROOT, "examples/organisation"), join(tmp, "org"), { recursive: true });
  // Each target into its own bucket ({account}-{region}); the example's central log-archive bucket
  // is test/e2e/log-archive.test.ts's.
  rmSync(join(tmp, "org/policies/log-archive.yaml"));
  writeFileSync(
    join(tmp, "org/policies/flow-logs.yaml"),
    [
      "apiVersion: cordon.dev/v1",
      "kind: Policy",
      "metadata: { name: organisation-flow-logs, owner: platform }",
      "targets: workloads",
      "flowLogs:",
      '  bucket: { name: "org-flow-logs-{account}-{region}" }',
      "  vpcs: { tags: { env: production } }",
      "athena: { database: network_logs, table: vpc_flow_logs, projectionStartDate: 2026-01-01 }",
      "",
    ].join("\n"),
  );
  [sandbox, shardSandbox] = await Promise.all([startSandbox({ seed: ESTATE }), startSandbox({ seed: ESTATE })]);
});

afterAll(async () => {
  await Promise.all([sandbox?.stop(), shardSandbox?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
});

const targetsOfPlan = (p: PlanDocument): string[] =>
  [
    ...new Set(p.changes.filter((c) => c.action !== "no-op").map((c) => `${c.target.account}/${c.target.region}`)),
  ].sort();

describe("examples/organisation: one policy over 3 accounts × 2 regions", () => {
  it("plans every target, each with its own {account}-{region} bucket, grouped by target with counts", async () => {
    sandbox.control.clearRequests();
    const json = await cordon(["plan", "org", "--format", "json", "--today", TODAY]);
    expect(json.stderr).toBe("");
    expect(json.status).toBe(0);
    // The identity check: one GetCallerIdentity per account (its role), not one per target.
    const identities = sandbox.control.requests().filter((q) => q.operation === "GetCallerIdentity");
    expect(identities.map((q) => q.account).sort()).toEqual(ACCOUNTS);
    const plan = JSON.parse(json.stdout) as PlanDocument;
    expect(targetsOfPlan(plan)).toEqual(TARGETS);
    const buckets = plan.changes.filter((c) => c.kind === "s3.bucket" && c.action === "create").map((c) => c.address);
    expect(buckets.sort()).toEqual(TARGETS.map((t) => `${t}/s3.bucket/org-flow-logs-${t.replace("/", "-")}`).sort());
    // Only the production VPC of each target is logged.
    expect(plan.changes.filter((c) => c.kind === "ec2.flowLog" && c.action === "create")).toHaveLength(6);
    // The JSON document keeps its flat list: no field beyond the schema's.
    expect(Object.keys(plan)).not.toContain("groups");

    const text = await cordon(["plan", "org", "--today", TODAY]);
    expect(text.status).toBe(0);
    const headings = text.stdout.split("\n").filter((l) => l.startsWith("── "));
    const perTarget = plan.changes.filter((c) => c.action !== "no-op").length / 6;
    expect(headings).toEqual(TARGETS.map((t) => `── ${t}: ${perTarget} to add, 0 to change, 0 to destroy ──`));
    // Each target's changes come under its heading.
    const second = text.stdout.indexOf(headings[1]!);
    expect(text.stdout.slice(0, second)).toContain(`${TARGETS[0]}/s3.bucket/`);
    expect(text.stdout.slice(0, second)).not.toContain(`${TARGETS[1]}/s3.bucket/`);

    const md = await cordon(["plan", "org", "--format", "markdown", "--today", TODAY]);
    const mdHeadings = md.stdout.split("\n").filter((l) => l.startsWith("#### "));
    expect(mdHeadings).toEqual(TARGETS.map((t) => `#### \`${t}\`: ${perTarget} to add, 0 to change, 0 to destroy`));
  });

  it("refuses every target of an account the credentials are not for, asking STS once for that account", async () => {
    // No role: the ambient credentials, of the estate's default account, for another account's targets.
    mkdirSync(join(tmp, "wrong"), { recursive: true });
    for (const region of REGIONS) {
      writeFileSync(
        join(tmp, "wrong", `${region}.yaml`),
        [
          "apiVersion: cordon.dev/v1",
          "kind: Policy",
          `metadata: { name: wrong-${region} }`,
          `target: { account: "999988887777", region: ${region} }`,
          "flowLogs:",
          `  bucket: { name: "wrong-account-${region}", create: true }`,
          "  vpcs: { all: true }",
          "",
        ].join("\n"),
      );
    }
    sandbox.control.clearRequests();
    const r = await cordon(["plan", "wrong", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /GetCallerIdentity .*target 999988887777\/eu-west-1.*WrongAccount.*the credentials are for account 111122223333 \(.*\), but the policy targets account 999988887777/s,
    );
    expect(sandbox.control.requests().filter((q) => q.operation === "GetCallerIdentity")).toHaveLength(1);
  });

  it("applies every target, then plans no changes; a shard plans only its targets and leaves the others alone", async () => {
    const apply = await cordon(["apply", "org", "--auto-approve", "--today", TODAY]);
    expect(apply.stderr).not.toMatch(/Error/);
    expect(apply.status).toBe(0);
    // The apply summary counts each target.
    const perTarget = apply.stdout.split("\n").filter((l) => /^ {2}\d{12}\/[a-z0-9-]+: /.test(l));
    expect(perTarget).toEqual(TARGETS.map((t) => `  ${t}: 5 applied, 0 failed, 0 skipped`));
    for (const t of TARGETS) {
      const [account, region] = t.split("/") as [string, string];
      // A 12-digit key id is that account's in the sandbox.
      const s3 = new S3Client({ ...sandboxClientConfig(sandbox.url, account), region, forcePathStyle: true });
      const where = await s3.send(new GetBucketLocationCommand({ Bucket: `org-flow-logs-${account}-${region}` }));
      expect(where.LocationConstraint ?? "us-east-1").toBe(region);
    }
    const again = await cordon(["plan", "org", "--format", "json", "--today", TODAY, "--detailed-exitcode"]);
    expect(again.status).toBe(0);
    expect(pending(JSON.parse(again.stdout) as PlanDocument)).toEqual([]);

    const shard = await cordon(["plan", "org", "--format", "json", "--shard", "2/3", "--today", TODAY]);
    expect(shard.status).toBe(0);
    const doc = JSON.parse(shard.stdout) as PlanDocument;
    expect(doc.shard).toBe("2/3");
    expect(doc.targets.map((t) => `${t.account}/${t.region}`)).toEqual([TARGETS[1], TARGETS[4]]);
    expect(pending(doc)).toEqual([]);
    expect(shard.stderr).toContain(`Shard 2/3: 2 of 6 targets (${TARGETS[1]}, ${TARGETS[4]}).`);
  });
});

describe("a bucket in another region", () => {
  it("is a clear error naming the bucket, its region and the target's, not a raw PermanentRedirect", async () => {
    // After the organisation's apply (above), org-flow-logs-111122223333-us-east-1 exists in us-east-1.
    const dir = join(tmp, "redirect");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "p.yaml"),
      'apiVersion: cordon.dev/v1\nkind: Policy\nmetadata: { name: redirect }\ntarget: { account: "111122223333", region: eu-west-1 }\nflowLogs: { bucket: { name: org-flow-logs-111122223333-us-east-1, create: false }, vpcs: { all: true } }\n',
    );
    const r = await cordon(["plan", "redirect", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "the bucket org-flow-logs-111122223333-us-east-1 is in us-east-1, not in the target's region eu-west-1",
    );
    expect(r.stderr).not.toContain("must be addressed using the specified endpoint");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("--shard", () => {
  it("splits the targets into disjoint shards that cover them all, the same way every time", async () => {
    const shards = await Promise.all(
      [1, 2, 3, 4].map((i) => shardCordon(["plan", "org", "--format", "json", "--shard", `${i}/4`, "--today", TODAY])),
    );
    const parts = shards.map((r) => {
      expect(r.status).toBe(0);
      return targetsOfPlan(JSON.parse(r.stdout) as PlanDocument);
    });
    // Sorted targets dealt round-robin.
    expect(parts).toEqual([[TARGETS[0], TARGETS[4]], [TARGETS[1], TARGETS[5]], [TARGETS[2]], [TARGETS[3]]]);
    const again = await shardCordon(["plan", "org", "--format", "json", "--shard", "3/4", "--today", TODAY]);
    expect(targetsOfPlan(JSON.parse(again.stdout) as PlanDocument)).toEqual(parts[2]);
  });

  it("a shard with no targets says so and exits 0; a malformed shard is a usage error", async () => {
    const empty = await shardCordon(["plan", "org", "--shard", "7/7", "--today", TODAY, "--detailed-exitcode"]);
    expect(empty.status).toBe(0);
    expect(empty.stderr).toContain("Shard 7/7 holds none of the 6 targets: nothing to do.");
    expect(empty.stdout).toContain("No changes.");
    for (const bad of ["0/2", "3/2", "two"]) {
      const r = await shardCordon(["plan", "org", "--shard", bad, "--today", TODAY]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`--shard must be I/N with 1 ≤ I ≤ N ≤ 1000, e.g. 2/4 (got "${bad}")`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("two applies of different shards run at once, each under its targets' locks, and both succeed", async () => {
    const both = () =>
      Promise.all(
        ["1/2", "2/2"].map((s) => shardCordon(["apply", "org", "--auto-approve", "--shard", s, "--today", TODAY])),
      );
    // The first creates the buckets (no lock yet: the lock lives in the target's bucket).
    const first = await both();
    expect(first.map((r) => r.status)).toEqual([0, 0]);
    // A change for every target: now each apply takes the locks of its own targets.
    const policy = join(tmp, "org", "policies", "flow-logs.yaml");
    writeFileSync(
      policy,
      readFileSync(policy, "utf8").replace("vpcs: { tags: { env: production } }", "vpcs: { all: true }"),
    );
    const second = await both();
    for (const r of second) {
      expect(r.stderr).not.toMatch(/no lock|Error|held by/i);
      expect(r.status).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/3 applied, 0 failed/);
    }
    const all = await shardCordon(["plan", "org", "--format", "json", "--today", TODAY]);
    expect(pending(JSON.parse(all.stdout) as PlanDocument)).toEqual([]);
  });

  it("a saved plan of a shard is applied for that shard only", async () => {
    const out = join(tmp, "shard-plan.json");
    const plan = await shardCordon(["plan", "org", "--shard", "1/2", "--out", out, "--today", TODAY]);
    expect(plan.status).toBe(0);
    const wrong = await shardCordon(["apply", out, "--shard", "2/2"]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("--shard 2/2 is not the shard");
    const right = await shardCordon(["apply", out, "--today", TODAY]);
    expect(right.stderr).toContain("Shard 1/2:");
    expect(right.status).toBe(0);
  });
});

describe("validation of targets", () => {
  const write = (name: string, body: string) => {
    writeFileSync(join(tmp, "org", "policies", name), body);
    return join("org", "policies", name);
  };
  const head = "apiVersion: cordon.dev/v1\nkind: Policy\n";

  it("refuses a multi-target policy whose bucket name would be the same for two targets, at file:line:column", async () => {
    const file = write(
      "clash.yaml",
      `${head}metadata: { name: clash }\ntargets: { accounts: ["111122223333", "222233334444"], regions: [eu-west-2] }\nflowLogs:\n  bucket: { name: "clash-{region}" }\n  vpcs: { all: true }\n`,
    );
    const r = await cordon(["validate", file]);
    rmSync(join(tmp, file));
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain(
      `${file}:6:19  The bucket clash-eu-west-2 would be created in both 111122223333/eu-west-2 and 222233334444/eu-west-2`,
    );
  });

  it("refuses target and targets together, and an unknown target list of cordon.yaml", async () => {
    const file = write(
      "both.yaml",
      `${head}metadata: { name: both }\ntarget: { account: "111122223333", region: eu-west-1 }\ntargets: workloads\n---\n${head}metadata: { name: unknown }\ntargets: staging\n`,
    );
    const r = await cordon(["validate", file]);
    rmSync(join(tmp, file));
    expect(r.status).toBe(1);
    const output = r.stdout + r.stderr;
    expect(output).toContain(`${file}:5:10  The policy has both target and targets; give exactly one.`);
    expect(output).toContain(`${file}:10:10  targets names the list staging, which cordon.yaml does not declare.`);
    expect(output).toContain("The lists of cordon.yaml: workloads.");
  });

  it("a placeholder that makes the bucket name too long is refused for the target it would be", async () => {
    const file = write(
      "long.yaml",
      `${head}metadata: { name: long }\ntargets: workloads\nflowLogs:\n  bucket: { name: "a-very-long-flow-log-bucket-name-for-logs-{account}-{region}" }\n  vpcs: { all: true }\n`,
    );
    const r = await cordon(["validate", file]);
    rmSync(join(tmp, file));
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(new RegExp(`${file}:6:19 .*flowLogs\\.bucket\\.name`));
  });
});

describe("watch --shard", () => {
  it("reconciles only its shard's targets", async () => {
    const own = await startSandbox({ seed: ESTATE });
    const env = sandboxCliEnv({ tmp, endpoint: () => own.url, accessKeyId: "AKIATARGETSE2E000003" });
    const child = spawn(
      process.execPath,
      [CLI, "watch", "org", "--shard", "3/4", "--apply-pending", "--interval", "1h", "--listen", "127.0.0.1:0"].concat([
        "--log-format",
        "json",
        "--today",
        TODAY,
      ]),
      { env, cwd: tmp, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      log += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const end = Date.now() + 60_000;
      while (!log.includes('"msg":"reconciled"') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(log).toContain('"msg":"reconciled"');
      expect(log).toContain('"shard":"3/4"');
      // Shard 3 of 4 holds the third target in account/region order (see the split above) and
      // nothing else: every write went there, and the pending changes of that target were applied.
      const writes = own.control
        .requests()
        .filter((r) => /^(Create|Put|Delete|Replace|Update|Tag)/.test(r.operation) && r.status < 300);
      expect(writes.length).toBeGreaterThan(0);
      expect([...new Set(writes.map((r) => `${r.account}/${r.region}`))]).toEqual([TARGETS[2]]);
      expect(writes.map((r) => r.operation)).toContain("CreateFlowLogs");
    } finally {
      child.kill("SIGTERM");
      await exited;
      await own.stop();
    }
  }, 90_000);
});
