// Least privilege, proven (docs/iam.md): `cordon iam` prints a policy per command for the
// cats-eyes example, and the sandbox, evaluating identity policies as IAM does, shows that
//   - plan, apply, drift and watch succeed under a key holding exactly that policy (apply in three
//     scenarios: the first apply, one after drift and policy changes, one after the policy is
//     removed from the set, so that every create, update and delete happens);
//   - every action of the policies is exercised, and without any one of them the command that
//     needs it fails with an error naming it;
//   - plan under the plan policy makes no mutating call.
// Each run gets its own in-process sandbox started from a saved state file, so runs are
// independent and run a few at a time.
import { spawn } from "node:child_process";
import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateTagsCommand, DescribeFlowLogsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetDatabaseCommand, GlueClient, UpdateDatabaseCommand } from "@aws-sdk/client-glue";
import { DeletePublicAccessBlockCommand, PutBucketEncryptionCommand, S3Client } from "@aws-sdk/client-s3";
import { ListWebACLsCommand, TagResourceCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import { type RequestLogEntry, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import {
  CLI,
  isMutating,
  makeTmp,
  ROOT,
  type Run,
  requireCli,
  runCli,
  sandboxCliEnv,
  sandboxClientConfig,
} from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const KEY = "AKIAIAMPROOF00000001";
/** A key without a policy (allowed everything): the test's own hand behind Cordon's back. */
const ADMIN = "AKIAIAMADMIN00000001";
const BUCKET = "cats-eyes-flow-logs-111122223333";

type Command = "plan" | "apply" | "drift" | "watch";
interface Policy {
  readonly Statement: readonly { readonly Action: readonly string[] }[];
}

const tmp = makeTmp("cordon-iam-e2e-");
const dirs = {
  original: join(tmp, "original"),
  changed: join(tmp, "changed"),
  removed: join(tmp, "removed"),
};
const states = {
  fresh: join(tmp, "fresh.json"),
  applied: join(tmp, "applied.json"),
  drifted: join(tmp, "drifted.json"),
  changed: join(tmp, "changed.json"),
};
const policies = {} as Record<Command, Policy>;

const actionsOf = (p: Policy): string[] => [...new Set(p.Statement.flatMap((s) => s.Action))].sort();
const without = (p: Policy, action: string): Policy => ({
  ...p,
  Statement: p.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => a !== action) })).filter(
    (s) => s.Action.length > 0,
  ),
});

interface Result extends Run {
  readonly requests: readonly RequestLogEntry[];
}

/**
 * `cordon args` in this process (one at a time: it takes over process.env and the output streams),
 * for the many runs of the action-removal loop; the chain of scenarios runs the built CLI.
 */
let queue: Promise<unknown> = Promise.resolve();
function inProcess(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const run = async (): Promise<Run> => {
    const saved = { ...process.env };
    const writes = { out: process.stdout.write, err: process.stderr.write };
    let stdout = "";
    let stderr = "";
    Object.assign(process.env, env);
    process.stdout.write = ((chunk: unknown) => {
      stdout += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: unknown) => {
      stderr += String(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      const status = await main(args);
      return { status, stdout, stderr };
    } finally {
      process.stdout.write = writes.out;
      process.stderr.write = writes.err;
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  };
  const next = queue.then(run, run);
  queue = next.catch(() => undefined);
  return next;
}

let runs = 0;
/** Starts a sandbox from a copy of `state`, gives KEY `policy`, runs `cordon args` as KEY. */
async function runFrom(
  state: string,
  policy: Policy,
  args: readonly string[],
  hand?: (endpoint: string) => Promise<void>,
  saveTo?: string,
  runner: (args: readonly string[], o: { cwd: string; env: NodeJS.ProcessEnv }) => Promise<Run> = runCli,
): Promise<Result> {
  const file = join(tmp, `run-${++runs}.json`);
  copyFileSync(state, file);
  const sandbox = await startSandbox({ stateFile: file, iamPolicies: { [KEY]: policy } });
  try {
    const cwd = makeTmp("cordon-iam-run-");
    const env = sandboxCliEnv({ tmp: cwd, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 });
    const run = await runner(args, { cwd, env });
    const requests = sandbox.control.requests();
    if (hand !== undefined) await hand(sandbox.url);
    rmSync(cwd, { recursive: true, force: true });
    return { ...run, requests };
  } finally {
    await sandbox.stop();
    if (saveTo !== undefined) copyFileSync(file, saveTo);
    rmSync(file, { force: true });
  }
}

/** `items` through `work`, `width` at a time. */
async function pool<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await work(items[i] as T);
    }),
  );
  return out;
}

const denied = (r: Result) => r.requests.filter((q) => q.injected === "denied");
const exercised = (r: Result): Set<string> =>
  new Set(r.requests.filter((q) => q.injected !== "denied").flatMap((q) => q.iamActions ?? []));

/** Drift behind Cordon's back, made with a key that may do everything. */
async function drift(endpoint: string): Promise<void> {
  const cfg = sandboxClientConfig(endpoint, ADMIN);
  const s3 = new S3Client({ ...cfg, forcePathStyle: true });
  const ec2 = new EC2Client(cfg);
  const waf = new WAFV2Client(cfg);
  const glue = new GlueClient(cfg);
  try {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: BUCKET,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } }],
        },
      }),
    );
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }));
    const acl = (await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }))).WebACLs?.[0];
    await waf.send(new TagResourceCommand({ ResourceARN: acl?.ARN, Tags: [{ Key: "cordon:stale", Value: "x" }] }));
    const fl = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs?.[0];
    await ec2.send(
      new CreateTagsCommand({ Resources: [fl?.FlowLogId ?? ""], Tags: [{ Key: "cordon:stale", Value: "x" }] }),
    );
    const db = (await glue.send(new GetDatabaseCommand({ Name: "cats_eyes_network" }))).Database;
    await glue.send(
      new UpdateDatabaseCommand({
        Name: "cats_eyes_network",
        DatabaseInput: { Name: "cats_eyes_network", Description: "changed by hand", Parameters: db?.Parameters ?? {} },
      }),
    );
  } finally {
    for (const c of [s3, ec2, waf, glue]) c.destroy();
  }
}

interface Scenario {
  readonly name: string;
  readonly command: Command;
  readonly args: readonly string[];
  readonly start: string;
}

const scenarios: Scenario[] = [];
const full = new Map<string, Result>();

beforeAll(async () => {
  requireCli();
  cpSync(join(ROOT, "examples/cats-eyes/policies"), dirs.original, { recursive: true });
  cpSync(dirs.original, dirs.changed, { recursive: true });
  const file = join(dirs.changed, "production.yaml");
  writeFileSync(
    file,
    readFileSync(file, "utf8")
      .replace("trafficType: ALL", "trafficType: REJECT")
      .replace("retentionDays: 90", "retentionDays: 30")
      // Another year: the table's year projection starts at the start date's year.
      .replace("projectionStartDate: 2026-11-01", "projectionStartDate: 2025-11-01")
      .replace("cidr: 203.0.113.66", "cidr: 203.0.113.67")
      // No room for a second entry beside the band's one: the new address replaces the old in place.
      .replace("    direction: outbound\n", "    direction: outbound\n    entryQuota: 3\n")
      .replace("    - code: TV\n", "    - code: NR\n      reason: No rights for Nauru either.\n    - code: TV\n"),
  );
  // Blocking removed (its entries, tags, web ACL and association go), hourly partitions (the table's
  // partition keys change: its definition is replaced in place, UpdateTable).
  cpSync(join(dirs.original, "cordon.yaml"), join(dirs.removed, "cordon.yaml"));
  const original = readFileSync(join(dirs.original, "production.yaml"), "utf8");
  writeFileSync(
    join(dirs.removed, "production.yaml"),
    original
      .slice(0, original.indexOf("# 3."))
      .replace("  maxAggregationInterval: 60\n", "  maxAggregationInterval: 60\n  perHourPartitions: true\n"),
  );

  for (const command of ["plan", "apply", "drift", "watch"] as const) {
    const r = await runCli(["iam", dirs.original, "--for", command], { env: { PATH: process.env["PATH"] } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    policies[command] = JSON.parse(r.stdout) as Policy;
  }

  const seeded = await startSandbox({ stateFile: states.fresh, seed: join(ROOT, "examples/cats-eyes/estate.yaml") });
  await seeded.stop();

  const apply = (dir: string) => ["apply", dir, "--auto-approve"];
  scenarios.push(
    { name: "the first apply", command: "apply", args: apply(dirs.original), start: states.fresh },
    {
      name: "apply after drift and policy changes",
      command: "apply",
      args: apply(dirs.changed),
      start: states.drifted,
    },
    {
      name: "apply after blocking is removed and partitions change",
      command: "apply",
      args: apply(dirs.removed),
      start: states.changed,
    },
    { name: "plan of the first apply", command: "plan", args: ["plan", dirs.original], start: states.fresh },
    { name: "plan, converged", command: "plan", args: ["plan", dirs.original], start: states.applied },
    { name: "drift, converged", command: "drift", args: ["drift", dirs.original], start: states.applied },
  );
  // The chain, each with exactly its command's policy; each step saves the state the next starts from.
  const [first, second, third] = scenarios as [Scenario, Scenario, Scenario];
  full.set(first.name, await runFrom(first.start, policies.apply, first.args, undefined, states.applied));
  const copy = join(tmp, "applied-copy.json");
  copyFileSync(states.applied, copy);
  await runFrom(copy, policies.plan, ["plan", dirs.original], drift, states.drifted);
  full.set(second.name, await runFrom(second.start, policies.apply, second.args, undefined, states.changed));
  full.set(third.name, await runFrom(third.start, policies.apply, third.args));
  for (const s of scenarios.slice(3)) full.set(s.name, await runFrom(s.start, policies[s.command], s.args));
}, 180_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe("cordon iam, proven against the sandbox's IAM", () => {
  it("plan, apply (first, after drift and changes, after blocking is removed) and drift succeed under exactly the generated policy", () => {
    for (const s of scenarios) {
      const r = full.get(s.name) as Result;
      expect({ scenario: s.name, status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({
        scenario: s.name,
        status: 0,
        stderr: "",
      });
      expect(denied(r), s.name).toEqual([]);
    }
    // The scenarios did what they are for: creates, updates, replacements and deletes.
    const ops = (name: string) => new Set((full.get(name) as Result).requests.map((q) => q.operation));
    expect([...ops("the first apply")]).toEqual(
      expect.arrayContaining(["CreateBucket", "CreateFlowLogs", "CreateWebACL"]),
    );
    expect([...ops("apply after drift and policy changes")]).toEqual(
      expect.arrayContaining([
        "DeleteFlowLogs",
        "UpdateWebACL",
        "UpdateTable",
        "UpdateDatabase",
        "UntagResource",
        "ReplaceNetworkAclEntry",
        "PutBucketEncryption",
      ]),
    );
    const removed = ops("apply after blocking is removed and partitions change");
    expect([...removed]).toEqual(
      expect.arrayContaining([
        "DeleteWebACL",
        "DisassociateWebACL",
        "UpdateTable",
        "DeleteNetworkAclEntry",
        "DeleteTags",
      ]),
    );
    // The table's partition keys change in place: it is never deleted (no glue:DeleteTable).
    expect(removed.has("DeleteTable")).toBe(false);
  });

  it("watch (one interval) succeeds under exactly the generated policy", async () => {
    const file = join(tmp, "watch.json");
    copyFileSync(states.applied, file);
    const sandbox = await startSandbox({ stateFile: file, iamPolicies: { [KEY]: policies.watch } });
    const cwd = makeTmp("cordon-iam-watch-");
    const child = spawn(
      process.execPath,
      [CLI, "watch", dirs.original, "--interval", "1h", "--listen", "127.0.0.1:0", "--log-format", "json"],
      {
        cwd,
        env: sandboxCliEnv({ tmp: cwd, endpoint: () => sandbox.url, accessKeyId: KEY }),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let text = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      text += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const lines = () =>
        text
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      const end = Date.now() + 30_000;
      let listen: string | undefined;
      for (;;) {
        listen ??= lines().find((l) => l["msg"] === "watch started")?.["listen"] as string | undefined;
        if (listen !== undefined && (await fetch(`${listen}/readyz`)).status === 200) break;
        if (Date.now() > end || child.exitCode !== null) throw new Error(`watch did not become ready:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(sandbox.control.requests().filter((q) => q.injected === "denied")).toEqual([]);
      expect(sandbox.control.requests().length).toBeGreaterThan(0);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await sandbox.stop();
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  it("watch needs what apply needs", () => {
    expect(actionsOf(policies.watch)).toEqual(actionsOf(policies.apply));
  });

  it("plan under the plan policy makes no mutating call", () => {
    for (const name of ["plan of the first apply", "plan, converged"]) {
      const r = full.get(name) as Result;
      expect(r.requests.length).toBeGreaterThan(0);
      expect(r.requests.filter(isMutating).map((q) => q.operation)).toEqual([]);
      for (const q of r.requests) for (const a of q.iamActions ?? []) expect(actionsOf(policies.plan)).toContain(a);
    }
  });

  it("every action of each policy is exercised, and without it the command fails naming it", async () => {
    // Which scenario of a command exercises an action: the first whose full run evaluated it.
    const cases: { action: string; scenario: Scenario; policy: Policy }[] = [];
    const missing: string[] = [];
    for (const command of ["plan", "drift", "apply"] as const) {
      const own = scenarios.filter((s) => s.command === command);
      const shared =
        command === "apply" ? new Set([...actionsOf(policies.plan), ...actionsOf(policies.drift)]) : new Set<string>();
      for (const action of actionsOf(policies[command])) {
        const scenario = own.find((s) => exercised(full.get(s.name) as Result).has(action));
        if (scenario === undefined) missing.push(`${command}: ${action}`);
        // Read actions shared with plan and drift are proven there; apply proves its own.
        else if (!shared.has(action) || command !== "apply")
          cases.push({ action, scenario, policy: policies[command] });
      }
    }
    expect(missing, "actions no run of the command needed").toEqual([]);
    const results = await pool(cases, 2, async (c) => {
      const r = await runFrom(
        c.scenario.start,
        without(c.policy, c.action),
        c.scenario.args,
        undefined,
        undefined,
        (a, o) => inProcess(a, o.env),
      );
      return {
        action: c.action,
        scenario: c.scenario.name,
        status: r.status,
        names: r.stderr.includes(c.action),
        stderr: r.stderr,
      };
    });
    const failures = results.filter((r) => r.status === 0 || !r.names);
    expect(
      failures.map((f) => `${f.scenario} without ${f.action}: exit ${f.status}\n${f.stderr.slice(0, 400)}`),
    ).toEqual([]);
    expect(results.length).toBeGreaterThan(30);
  }, 240_000);
});

describe("the options of cordon iam and cordon sandbox --iam-key", () => {
  const cli = (args: readonly string[]) => runCli(args, { env: { PATH: process.env["PATH"], NO_COLOR: "1" } });

  it("cordon iam: --for is required; --trust needs --repo, and --environment for a role that writes", async () => {
    const none = await cli(["iam", dirs.original]);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("--for <command>");
    const noRepo = await cli(["iam", dirs.original, "--for", "plan", "--trust", "github"]);
    expect({ status: noRepo.status, stderr: noRepo.stderr.trim() }).toEqual({
      status: 1,
      stderr: "Error: --trust github needs --repo ORG/REPO (the repository whose workflows assume the role).",
    });
    const noEnv = await cli(["iam", dirs.original, "--for", "apply", "--trust", "github", "--repo", "acme/net"]);
    expect(noEnv.status).toBe(1);
    expect(noEnv.stderr).toContain("needs --environment NAME");
    const tf = await cli(["iam", dirs.original, "--for", "apply", "--format", "terraform"]);
    expect(tf.status).toBe(0);
    expect(tf.stdout).toContain('resource "aws_iam_policy" "cordon_apply"');
    const trusted = await cli(["iam", dirs.original, "--for", "plan", "--trust", "github", "--repo", "acme/net"]);
    const doc = JSON.parse(trusted.stdout) as { identityPolicy: Policy; trustPolicies: Record<string, unknown> };
    expect(doc.identityPolicy).toEqual(policies.plan);
    expect(JSON.stringify(doc.trustPolicies["111122223333"])).toContain("repo:acme/net:pull_request");
  });

  it("cordon sandbox --iam-key: the key holds exactly the policy (plan passes, apply is refused naming the action)", async () => {
    const file = join(tmp, "plan-policy.json");
    writeFileSync(file, JSON.stringify(policies.plan));
    const bad = await cli(["sandbox", "--port", "0", "--iam-key", `${KEY}=${join(tmp, "missing.json")}`]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("missing.json: cannot read the policy file (ENOENT)");
    const child = spawn(
      process.execPath,
      [
        CLI,
        "sandbox",
        "--port",
        "0",
        "--seed",
        join(ROOT, "examples/cats-eyes/estate.yaml"),
        "--iam-key",
        `${KEY}=${file}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d;
      });
      const end = Date.now() + 20_000;
      let url: string | undefined;
      while (url === undefined) {
        url = /^export AWS_ENDPOINT_URL=(.*)$/m.exec(out)?.[1];
        if (Date.now() > end) throw new Error("the sandbox did not start");
        await new Promise((r) => setTimeout(r, 50));
      }
      const cwd = makeTmp("cordon-iam-key-");
      const env = sandboxCliEnv({ tmp: cwd, endpoint: () => url as string, accessKeyId: KEY, maxAttempts: 1 });
      const plan = await runCli(["plan", dirs.original], { cwd, env });
      expect(plan.stderr).toBe("");
      expect(plan.status).toBe(0);
      const apply = await runCli(["apply", dirs.original, "--auto-approve"], { cwd, env });
      expect(apply.status).toBe(1);
      expect(apply.stderr).toMatch(/not authorized to perform: (s3|glue|ec2|wafv2):\w+/);
      rmSync(cwd, { recursive: true, force: true });
    } finally {
      child.kill("SIGTERM");
    }
  }, 60_000);
});
