// Least privilege for the query commands, proven (docs/iam.md, "query and investigate"): `cordon iam
// --for query|investigate` prints the policy per engine for the cats-eyes example, and the sandbox,
// evaluating identity policies as IAM does (Athena checking the caller's Glue and S3 rights as it
// runs a query), shows that
//   - `cordon query rejected` and `cordon investigate` succeed on each engine under a key holding
//     exactly that policy;
//   - without any one action of any statement of it, each command fails with an error naming it
//     (athena:StopQueryExecution: a query past --max-scan is not stopped, and the error says so);
//   - the default engine is the one the commands choose (athena when a policy sets a workgroup).
// One in-process sandbox; every run gets its own access key (its own policy) and cache, so runs go
// a few at a time. Run `npm run build` first.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNT,
  cordonRunner,
  makeTmp,
  REGION,
  type Run,
  requireCli,
  runCli,
  sandboxCliEnv,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

const BUCKET = `cats-eyes-flow-logs-${ACCOUNT}`;
const RESULTS = "cats-eyes-query-results";
const OUTPUT = `s3://${RESULTS}/cordon/`;
const WORKGROUP = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/primary`;
const POLICY = readFileSync("examples/cats-eyes/policies/production.yaml", "utf8");
/** The same policy with the Athena settings: the query commands then choose the Athena engine. */
const ATHENA_POLICY = POLICY.replace(/\nathena:\n/, `\nathena:\n  workgroup: primary\n  outputLocation: ${OUTPUT}\n`);
const WINDOW = ["--since", "2026-12-05T10:00:00Z", "--until", "2026-12-05T12:00:00Z"];

interface Statement {
  readonly Sid: string;
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Record<string, Record<string, readonly string[]>>;
}
interface Policy {
  readonly Version: string;
  readonly Statement: readonly Statement[];
}

let tmp: string;
let sandbox: SandboxHandle;
let keys = 0;

/** The policy without `action` in statement `sid` (the same action elsewhere stays). */
const without = (p: Policy, sid: string, action: string): Policy => ({
  ...p,
  Statement: p.Statement.map((s) =>
    s.Sid === sid ? { ...s, Action: s.Action.filter((a) => a !== action) } : s,
  ).filter((s) => s.Action.length > 0),
});

/** `cordon args` as a fresh key holding `policy`, with its own cache. */
async function as(policy: Policy, args: readonly string[]): Promise<Run> {
  const key = `AKIAIAMQUERY${String(++keys).padStart(8, "0")}`;
  sandbox.control.setIamPolicy(key, policy);
  const cache = join(tmp, `cache-${keys}`);
  return runCli([...args, "--cache-dir", cache, "--today", TODAY, "--no-progress"], {
    cwd: tmp,
    env: sandboxCliEnv({ tmp, endpoint: () => sandbox.url, accessKeyId: key }),
  });
}

/** Runs `work` over `items`, `limit` at a time. */
async function limited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i] as T);
      }
    }),
  );
  return out;
}

async function iam(dir: string, ...args: string[]): Promise<Policy> {
  const r = await runCli(["iam", dir, ...args], { cwd: tmp, env: { PATH: process.env["PATH"], HOME: tmp } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Policy;
}

const query = (dir: string, ...extra: string[]) => ["query", "rejected", dir, ...WINDOW, "--format", "json", ...extra];
const investigate = (dir: string) => ["investigate", dir, ...WINDOW, "--format", "json"];
/** investigate exits 2 when it reports a finding that calls for action: it ran. */
const succeeded = (r: Run) => r.status === 0 || r.status === 2;

beforeAll(async () => {
  requireCli();
  tmp = makeTmp("cordon-iam-query-");
  sandbox = await startSandbox({
    seed: "examples/cats-eyes/estate.yaml",
    traffic: { scenario: "cats-eyes", seed: 7 },
    clock: "2026-12-05T09:00:00Z",
  });
  for (const [dir, text] of [
    ["local", POLICY],
    ["athena", ATHENA_POLICY],
  ] as const) {
    mkdirSync(join(tmp, dir));
    writeFileSync(join(tmp, dir, "production.yaml"), text);
  }
  // Cordon's flow log, bucket and Glue table, applied by an unrestricted key; then the traffic.
  const run = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: ACCOUNT });
  const applied = await run(["apply", "local", "--auto-approve", "--today", TODAY]);
  expect(applied.status, applied.stderr).toBe(0);
  sandbox.control.deliverTraffic({ from: "2026-12-05T10:00:00Z", to: "2026-12-05T12:00:00Z" });
  sandbox.control.setClock("2026-12-05T12:30:00Z");
  await new S3Client({ ...sandboxClientConfig(sandbox.url, ACCOUNT), forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: RESULTS, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

describe("cordon iam --for query|investigate", () => {
  it("local engine: exactly the policy the commands need, every action of it needed", async () => {
    const policy = await iam("local", "--for", "query");
    // The default for a policy without a workgroup is the local engine, as the commands choose.
    expect(await iam("local", "--for", "query", "--engine", "local")).toEqual(policy);
    expect(await iam("local", "--for", "investigate")).toEqual(policy);
    const list = policy.Statement.find((s) => s.Action.includes("s3:ListBucket"));
    expect(list?.Resource).toEqual([`arn:aws:s3:::${BUCKET}`]);
    expect(list?.Condition).toEqual({ StringLike: { "s3:prefix": ["flow-logs/AWSLogs/*"] } });
    const get = policy.Statement.find((s) => s.Action.includes("s3:GetObject"));
    expect(get?.Resource).toEqual([`arn:aws:s3:::${BUCKET}/flow-logs/AWSLogs/*`]);
    expect(policy.Statement.flatMap((s) => s.Action).some((a) => a.startsWith("athena:"))).toBe(false);

    const [q, inv] = await Promise.all([as(policy, query("local")), as(policy, investigate("local"))]);
    expect(q.status, q.stderr).toBe(0);
    const rows = (JSON.parse(q.stdout) as { rows: unknown[] }).rows;
    expect(rows.length).toBeGreaterThan(0);
    expect(succeeded(inv), inv.stderr).toBe(true);
    expect((JSON.parse(inv.stdout) as { engine: string }).engine).toBe("local");

    const cases = policy.Statement.flatMap((s) => s.Action.map((a) => ({ sid: s.Sid, action: a })));
    const runs = await limited(
      cases.flatMap((c) => [
        { ...c, args: query("local") },
        { ...c, args: investigate("local") },
      ]),
      3,
      async (c) => ({ c, r: await as(without(policy, c.sid, c.action), c.args) }),
    );
    for (const { c, r } of runs) {
      expect(r.status, `${c.args[0]} without ${c.action}: ${r.stderr}`).toBe(1);
      expect(r.stderr, `${c.args[0]} without ${c.action}`).toContain(c.action);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);

  it("athena engine: exactly the policy the commands need, every action of it needed", async () => {
    // A policy that sets athena.workgroup makes Athena the default engine, as the commands choose.
    const policy = await iam("athena", "--for", "query");
    expect(await iam("athena", "--for", "investigate", "--engine", "athena")).toEqual(policy);
    expect(await iam("local", "--for", "query", "--engine", "athena", "--output-location", OUTPUT)).toEqual(policy);
    const onWorkgroup = policy.Statement.filter((s) => s.Resource.includes(WORKGROUP)).flatMap((s) => s.Action);
    expect(onWorkgroup.sort()).toEqual([
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StartQueryExecution",
      "athena:StopQueryExecution",
    ]);
    const on = (arn: string) => policy.Statement.filter((s) => s.Resource.includes(arn)).flatMap((s) => s.Action);
    expect(on(`arn:aws:s3:::${RESULTS}/cordon/*`).sort()).toEqual(["s3:GetObject", "s3:PutObject"]);
    expect(on(`arn:aws:s3:::${RESULTS}`).sort()).toEqual(["s3:GetBucketLocation", "s3:ListBucket"]);
    expect(on(`arn:aws:glue:${REGION}:${ACCOUNT}:table/cats_eyes_network/production_flow_logs`)).toEqual([
      "glue:GetTable",
    ]);

    const [q, inv] = await Promise.all([as(policy, query("athena")), as(policy, investigate("athena"))]);
    expect(q.status, q.stderr).toBe(0);
    expect((JSON.parse(q.stdout) as { rows: unknown[] }).rows.length).toBeGreaterThan(0);
    expect(succeeded(inv), inv.stderr).toBe(true);
    expect((JSON.parse(inv.stdout) as { engine: string }).engine).toBe("athena");

    // Every action but StopQueryExecution is needed by every query.
    const cases = policy.Statement.flatMap((s) =>
      s.Action.filter((a) => a !== "athena:StopQueryExecution").map((a) => ({ sid: s.Sid, action: a })),
    );
    const runs = await limited(cases, 3, async (c) => ({
      c,
      r: await as(without(policy, c.sid, c.action), query("athena")),
    }));
    for (const { c, r } of runs) {
      expect(r.status, `query without ${c.action} (${c.sid}): ${r.stderr}`).toBe(1);
      expect(r.stderr, `query without ${c.action} (${c.sid})`).toContain(c.action);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // investigate makes the same calls.
    for (const { c, r } of await limited(cases, 3, async (c) => ({
      c,
      r: await as(without(policy, c.sid, c.action), investigate("athena")),
    }))) {
      expect(r.status, `investigate without ${c.action} (${c.sid}): ${r.stderr}`).toBe(1);
      expect(r.stderr, `investigate without ${c.action} (${c.sid})`).toContain(c.action);
    }

    // StopQueryExecution: a query past --max-scan is stopped; without the action it runs on, and the error says so.
    sandbox.control.setConfig({ athenaQueryDelayMs: 3000 });
    try {
      const stopSid = policy.Statement.find((s) => s.Action.includes("athena:StopQueryExecution"))?.Sid as string;
      const [stopped, refused] = await Promise.all([
        as(policy, query("athena", "--max-scan", "1B")),
        as(without(policy, stopSid, "athena:StopQueryExecution"), query("athena", "--max-scan", "1B")),
      ]);
      expect(stopped.status, stopped.stderr).toBe(1);
      expect(stopped.stderr).toMatch(/was stopped after scanning/);
      expect(stopped.stderr).not.toContain("athena:StopQueryExecution");
      expect(refused.status, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(/could not be stopped after scanning/);
      expect(refused.stderr).toContain("athena:StopQueryExecution");
    } finally {
      sandbox.control.setConfig({ athenaQueryDelayMs: 0 });
    }
  }, 180_000);

  it("prints the query policies as CloudFormation and Terraform, and refuses what it cannot scope", async () => {
    const env = { PATH: process.env["PATH"], HOME: tmp };
    const json = await iam("athena", "--for", "investigate");
    const cfn = await runCli(["iam", "athena", "--for", "investigate", "--format", "cloudformation"], {
      cwd: tmp,
      env,
    });
    expect(cfn.status, cfn.stderr).toBe(0);
    const template = JSON.parse(cfn.stdout) as {
      Resources: Record<string, { Type: string; Properties: { ManagedPolicyName: string; PolicyDocument: Policy } }>;
    };
    expect(template.Resources["CordonInvestigatePolicy"]?.Properties.PolicyDocument).toEqual(json);
    expect(template.Resources["CordonInvestigatePolicy"]?.Properties.ManagedPolicyName).toBe("cordon-investigate");
    const tf = await runCli(["iam", "athena", "--for", "query", "--format", "terraform"], { cwd: tmp, env });
    expect(tf.status, tf.stderr).toBe(0);
    expect(tf.stdout).toContain('resource "aws_iam_policy" "cordon_query"');
    expect(tf.stdout).toContain(WORKGROUP);

    // Athena without an output location in the policy or the flags: the workgroup's is unknown offline.
    const unknown = await runCli(["iam", "local", "--for", "query", "--engine", "athena"], { cwd: tmp, env });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/output location/);
    expect(unknown.stderr).toMatch(/--output-location/);
    // Query options with another command.
    const misplaced = await runCli(["iam", "local", "--for", "plan", "--engine", "local"], { cwd: tmp, env });
    expect(misplaced.status).toBe(1);
    expect(misplaced.stderr).toMatch(/--engine: only with --for query or --for investigate/);
  }, 60_000);
});
