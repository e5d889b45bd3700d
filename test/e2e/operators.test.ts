// What operators see, through the built CLI against an in-process sandbox seeded with the Cat's
// Eyes estate (docs/operations.md):
// - a denied HeadBucket (HTTP 403, no body) names the missing permission s3:ListBucket;
// - an entry past its `expires` date is removed by `drift --correct` (or, alone, by the scheduled
//   `drift --correct-expired`) and by `watch`, saying why, and only when nothing else in the
//   policies changed (a fixed clock: --today);
// - watch's /metrics carry account/region/policy labels, a drift counter, API calls by service,
//   operation and outcome, and the build info;
// - after a bad commit watch keeps correcting with the last good one, says so, and /readyz answers
//   "degraded" until a good commit arrives;
// - the credentials of a --git URL never reach the log or /readyz, also when git quotes the URL;
// - the default --listen port is not 9464;
// - a symbolic link out of a policy tree is refused, naming the link, and no error quotes a file
//   that is not a policy (a Kubernetes Secret beside the policies, /etc/passwd through a link).
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DeleteFlowLogsCommand,
  DescribeFlowLogsCommand,
  DescribeNetworkAclsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNT,
  CLI,
  cordonRunner,
  makeTmp,
  REGION,
  ROOT,
  requireCli,
  sample,
  sandboxCliEnv,
  sandboxClientConfig,
  TODAY,
  until,
} from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const KEY = "AKIAOPERATORS0000001";
const VPC = "vpc-0c47e5a1f3d2b0001";
const POLICY = "cats-eyes-production";
const EXPIRED_DAY = "2027-01-02";
const EXPIRING = "198.51.100.0/24";
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const tmp = makeTmp("cordon-operators-");
const repo = join(tmp, "repo");
const policyFile = join(repo, "policies", "production.yaml");
let sandbox: SandboxHandle;
let ec2: EC2Client;
const o = { tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 };
const cordon = cordonRunner(o);

const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd: repo,
    env: { PATH: process.env["PATH"], HOME: tmp, GIT_CONFIG_NOSYSTEM: "1" },
  })
    .toString()
    .trim();

const edit = (from: string, to: string) => {
  const text = readFileSync(policyFile, "utf8");
  if (!text.includes(from)) throw new Error(`not in the policy: ${from}`);
  writeFileSync(policyFile, text.replace(from, to));
};
const ANCHOR = "      ticket: INC-2041\n";
const EXPIRING_ENTRY = `    - cidr: ${EXPIRING}\n      reason: Scanner.\n      ticket: INC-42\n      expires: 2026-12-31\n`;

/** The outbound deny entries of the production VPC's ACLs, as CIDRs. */
async function denied(): Promise<string[]> {
  const r = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [VPC] }] }));
  return (r.NetworkAcls ?? [])
    .flatMap((a) => a.Entries ?? [])
    .filter((e) => e.Egress === true && e.RuleAction === "deny" && (e.RuleNumber ?? 0) < 100)
    .map((e) => e.CidrBlock ?? "")
    .sort();
}

const flowLogs = async () =>
  (
    (await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: [VPC] }] }))).FlowLogs ?? []
  ).filter((f) => (f.Tags ?? []).some((t) => t.Key === "cordon:managed-by"));

/** `cordon watch …` as a child process, its JSON log lines collected. */
function watch(args: readonly string[], env: NodeJS.ProcessEnv = sandboxCliEnv(o)) {
  const child = spawn(process.execPath, [CLI, "watch", ...args], { env, cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
  const logs: Record<string, unknown>[] = [];
  let text = "";
  let buffered = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    text += chunk;
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const l of lines) {
      try {
        logs.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // text format
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, logs, text: () => text, exited };
}

beforeAll(async () => {
  requireCli();
  sandbox = await startSandbox({ seed: join(ROOT, "examples/cats-eyes/estate.yaml") });
  ec2 = new EC2Client(sandboxClientConfig(sandbox.url, KEY));
  mkdirSync(repo, { recursive: true });
  cpSync(join(ROOT, "examples/cats-eyes/policies"), join(repo, "policies"), { recursive: true });
  edit(ANCHOR, `${ANCHOR}${EXPIRING_ENTRY}`);
  git("init", "--quiet", "--initial-branch", "main");
  git("add", ".");
  git("commit", "--quiet", "-m", "policies with an entry that expires on 2026-12-31");
});

afterAll(async () => {
  ec2?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("error messages", () => {
  it("a denied HeadBucket (HTTP 403 with an empty body) is AccessDenied naming s3:ListBucket", async () => {
    sandbox.control.setFaults({
      rules: [{ kind: "error", service: "s3", operation: "HeadBucket", status: 403, code: "AccessDenied" }],
    });
    try {
      const r = await cordon(["plan", "repo/policies", "--today", TODAY]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        "HeadBucket on s3://cats-eyes-flow-logs-111122223333 failed: AccessDenied: access denied (HTTP 403 with an empty body): the credentials lack the permission s3:ListBucket on s3://cats-eyes-flow-logs-111122223333",
      );
      expect(r.stderr).not.toMatch(/Unknown|\n\s+at /);
    } finally {
      sandbox.control.setFaults({});
    }
  });
});

describe("policy trees", () => {
  it("refuses symbolic links out of the tree, naming them, and quotes nothing of files that are not policies", async () => {
    const tree = join(tmp, "tree");
    const outside = join(tmp, "outside");
    mkdirSync(join(tree, "team"), { recursive: true });
    mkdirSync(outside, { recursive: true });
    cpSync(join(ROOT, "examples/cats-eyes/policies/production.yaml"), join(tree, "production.yaml"));
    writeFileSync(
      join(tree, "team", "db-secret.yaml"),
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-SECRET-VALUE\n",
    );
    writeFileSync(
      join(outside, "other.yaml"),
      "apiVersion: cordon.dev/v1\nkind: Policy\nmetadata:\n  name: SECRET-NAME\n",
    );
    symlinkSync("/etc/passwd", join(tree, "passwd.yaml"));
    symlinkSync(join(outside, "other.yaml"), join(tree, "team", "other.yaml"));
    symlinkSync(outside, join(tree, "linked-dir"));
    // A link inside the tree is fine.
    symlinkSync(join(tree, "production.yaml"), join(tree, "team", "same.yaml"));

    for (const command of ["validate", "plan"]) {
      const r = await cordon([command, "tree", "--today", TODAY]);
      const text = r.stdout + r.stderr;
      expect(r.status).toBe(1);
      for (const link of ["tree/passwd.yaml", "tree/team/other.yaml", "tree/linked-dir"]) {
        expect(text).toMatch(
          new RegExp(
            `${link.replace(/\./g, "\\.")}\\s+This is a symbolic link to a path outside the policy directory; it is not read\\. \\[load\\.symlink-outside\\]`,
          ),
        );
      }
      expect(text).toContain(
        "tree/team/db-secret.yaml:1:1  This document is not a Cordon policy (it has no kind: Policy and no cordon.dev apiVersion); its content is not shown. [schema.not-a-policy]",
      );
      for (const secret of ["hunter2", "SECRET", "root:", "Secret", "stringData", "/bin/"])
        expect(text).not.toContain(secret);
      expect(text).not.toMatch(/\n\s+at /);
    }
  });
});

describe("expiry enforced by drift --correct", () => {
  it("removes an entry past its date, saying why, and only when nothing else in the policies changed", async () => {
    expect((await cordon(["apply", "repo/policies", "--auto-approve", "--today", TODAY])).status).toBe(0);
    expect(await denied()).toContain(EXPIRING);
    expect((await cordon(["drift", "repo/policies", "--today", TODAY])).status).toBe(0);

    // Expired, and a new entry added but not applied: a pending change that needs a review.
    edit(ANCHOR, `${ANCHOR}    - cidr: 192.0.2.0/24\n      reason: New scanner.\n`);
    const mixed = await cordon(["drift", "repo/policies", "--correct", "--today", EXPIRED_DAY]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(/left alone: \S+ec2\.naclEntries\/\S+ \(pending policy change/);
    expect(await denied()).toContain(EXPIRING);
    edit(`${ANCHOR}    - cidr: 192.0.2.0/24\n      reason: New scanner.\n`, ANCHOR);

    // Only the expiry: reported as such, and corrected.
    const report = await cordon(["drift", "repo/policies", "--today", EXPIRED_DAY]);
    expect(report.status).toBe(2);
    expect(report.stdout).toMatch(/^expired +\S+ec2\.naclEntries\//m);
    expect(report.stdout).toContain(`${EXPIRING} expired on 2026-12-31 (INC-42)`);
    const json = JSON.parse(
      (await cordon(["drift", "repo/policies", "-f", "json", "--today", EXPIRED_DAY])).stdout,
    ) as {
      resources: { expired?: string[] }[];
    };
    expect(json.resources.map((i) => i.expired)).toContainEqual([`${EXPIRING} expired on 2026-12-31 (INC-42)`]);

    // Drift besides the expiry (the flow log deleted by hand): the scheduled --correct-expired
    // enforces the reviewed date only and leaves the drift to --correct.
    const [logged] = await flowLogs();
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [logged!.FlowLogId!] }));
    const onlyExpired = await cordon(["drift", "repo/policies", "--correct-expired", "--today", EXPIRED_DAY]);
    expect(onlyExpired.status).toBe(2);
    expect(onlyExpired.stderr).toMatch(
      new RegExp(
        `Removing what expired: \\S+ec2\\.naclEntries/\\S+: ${EXPIRING.replace(/\./g, "\\.")} expired on 2026-12-31 \\(INC-42\\)`,
      ),
    );
    expect(onlyExpired.stderr).toMatch(
      /left alone: \S+ec2\.flowLog\/\S+ \(drifted: cordon drift --correct undoes it\)/,
    );
    expect(await denied()).not.toContain(EXPIRING);
    expect(await denied()).toContain("203.0.113.66/32");
    expect(await flowLogs()).toHaveLength(0);

    const fixed = await cordon(["drift", "repo/policies", "--correct", "--today", EXPIRED_DAY]);
    expect(fixed.status).toBe(0);
    expect(await flowLogs()).toHaveLength(1);
    expect((await cordon(["drift", "repo/policies", "--today", EXPIRED_DAY])).status).toBe(0);
  }, 120_000);
});

describe("cordon watch", () => {
  it("removes an expired entry, labels its metrics, and after a bad commit corrects with the last good one (/readyz degraded)", async () => {
    // The expired entry back in place, as applied before it expired.
    expect((await cordon(["apply", "repo/policies", "--auto-approve", "--today", TODAY])).status).toBe(0);
    expect(await denied()).toContain(EXPIRING);
    const good = git("rev-parse", "HEAD");
    const w = watch([
      "policies",
      "--git",
      `file://${repo}`,
      "--interval",
      "1s",
      "--listen",
      "127.0.0.1:0",
      "--log-format",
      "json",
      "--today",
      EXPIRED_DAY,
    ]);
    try {
      const url = await until(
        "the listen address",
        async () => w.logs.find((l) => l["msg"] === "watch started")?.["listen"] as string | undefined,
      );
      const get = async (path: string) => {
        const r = await fetch(`${url}${path}`);
        return { status: r.status, text: await r.text() };
      };

      // Expiry: removed, and the log says why.
      await until("the expired entry removed", async () => ((await denied()).includes(EXPIRING) ? undefined : true));
      const expired = w.logs.find((l) => l["msg"] === "expired");
      expect(String(expired?.["reason"])).toContain(`${EXPIRING} expired on 2026-12-31 (INC-42)`);
      expect(String(expired?.["address"])).toMatch(/ec2\.naclEntries\//);
      await until("the 'corrected' log line", async () =>
        w.logs.some((l) => l["msg"] === "corrected" && String(l["address"]).includes("ec2.naclEntries"))
          ? true
          : undefined,
      );

      // Metrics: build info, API calls by service/operation/outcome, gauges by account/region/policy/kind.
      const m = (await get("/metrics")).text;
      expect(sample(m, "cordon_build_info", { version: VERSION, node: process.version })).toBe(1);
      expect(
        sample(m, "cordon_aws_api_calls_total", {
          account: ACCOUNT,
          region: REGION,
          service: "ec2",
          operation: "DescribeFlowLogs",
          outcome: "success",
        }),
      ).toBeGreaterThan(0);
      const flowLogSeries = { account: ACCOUNT, region: REGION, policy: POLICY, kind: "ec2.flowLog" };
      expect(sample(m, "cordon_drifted_resources", flowLogSeries)).toBe(0);
      expect(sample(m, "cordon_pending_resources", flowLogSeries)).toBe(0);

      // Drift: the gauge and the counter, then corrected.
      const [fl] = await flowLogs();
      await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [fl!.FlowLogId!] }));
      await until("the drift counter", async () =>
        (sample((await get("/metrics")).text, "cordon_drift_detected_total", flowLogSeries) ?? 0) >= 1
          ? true
          : undefined,
      );
      await until("the flow log back", async () => ((await flowLogs()).length === 1 ? true : undefined));

      // A failed call is counted with its error code as the outcome.
      sandbox.control.setFaults({
        rules: [{ kind: "error", service: "s3", operation: "HeadBucket", status: 403, code: "AccessDenied", times: 1 }],
      });
      await until("the denied HeadBucket in /metrics", async () =>
        sample((await get("/metrics")).text, "cordon_aws_api_calls_total", {
          account: ACCOUNT,
          region: REGION,
          service: "s3",
          operation: "HeadBucket",
          outcome: "AccessDenied",
        }) === 1
          ? true
          : undefined,
      );
      // The error counter names the target too.
      expect(
        sample((await get("/metrics")).text, "cordon_errors_total", {
          account: ACCOUNT,
          region: REGION,
          type: "aws:AccessDenied",
        }),
      ).toBe(1);
      sandbox.control.setFaults({});
      await until("ready again", async () => ((await get("/readyz")).status === 200 ? true : undefined));

      // A bad commit: drift is still corrected, with the last good commit; the log and /readyz say so.
      edit("trafficType: ALL", "trafficType: SOMETIMES");
      git("commit", "--quiet", "-am", "a typo");
      const bad = git("rev-parse", "HEAD");
      const says = `commit ${bad} is bad; correcting with the last good commit ${good}`;
      await until("the bad-commit log line", async () => (w.logs.some((l) => l["msg"] === says) ? true : undefined));
      const line = w.logs.find((l) => l["msg"] === says)!;
      expect([line["level"], line["badCommit"], line["goodCommit"]]).toEqual(["error", bad, good]);
      expect(String(line["error"])).toMatch(/production\.yaml:\d+:\d+ .*trafficType/);
      const ready = await get("/readyz");
      expect(ready.status).toBe(503);
      expect(ready.text).toMatch(new RegExp(`^degraded: commit ${bad} is bad \\(.*production\\.yaml:\\d+:\\d+`));
      expect(ready.text).toContain(`correcting with the last good commit ${good}`);
      expect(sample((await get("/metrics")).text, "cordon_degraded")).toBe(1);
      const [again] = await flowLogs();
      await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [again!.FlowLogId!] }));
      await until("the flow log back under the bad commit", async () =>
        (await flowLogs()).length === 1 ? true : undefined,
      );
      // The counter moves when that reconcile ends (after its audit record): wait for it.
      await until("a degraded reconcile counted", async () =>
        (sample((await get("/metrics")).text, "cordon_reconciles_total", { result: "degraded" }) ?? 0) > 0
          ? true
          : undefined,
      );

      // A good commit again: ready.
      edit("trafficType: SOMETIMES", "trafficType: ALL");
      git("commit", "--quiet", "-am", "fix the typo");
      await until("ready after the fix", async () => ((await get("/readyz")).status === 200 ? true : undefined));
      expect(sample((await get("/metrics")).text, "cordon_degraded")).toBe(0);

      w.child.kill("SIGTERM");
      expect(await w.exited).toBe(0);
    } finally {
      if (w.child.exitCode === null) w.child.kill("SIGKILL");
    }
  }, 120_000);

  it("never logs the credentials of a --git URL, also when git quotes the URL in its error", async () => {
    // A git that fails as an HTTPS remote refusing the token would, quoting the URL it was given.
    const bin = join(tmp, "fake-git");
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "git"),
      '#!/bin/sh\nfor a in "$@"; do case "$a" in *://*) url="$a";; esac; done\necho "fatal: unable to access \'$url\': The requested URL returned error: 403" >&2\nexit 128\n',
    );
    chmodSync(join(bin, "git"), 0o755);
    const token = "ghp_S3cr3tT0kenValue0000";
    const w = watch(
      [
        "--git",
        `https://cordon-bot:${token}@git.example.com/acme/policies.git`,
        "--interval",
        "1h",
        "--listen",
        "127.0.0.1:0",
      ],
      { ...sandboxCliEnv(o), PATH: `${bin}:${process.env["PATH"]}` },
    );
    try {
      await until("the failed reconcile", async () => (w.text().includes("reconcile failed") ? true : undefined));
      const url = /listen=(\S+)/.exec(w.text())?.[1];
      const ready = await fetch(`${url}/readyz`);
      const body = await ready.text();
      expect(ready.status).toBe(503);
      expect(w.text()).toContain("https://***@git.example.com/acme/policies.git");
      for (const text of [w.text(), body]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain("cordon-bot:");
      }
      w.child.kill("SIGTERM");
      expect(await w.exited).toBe(0);
    } finally {
      if (w.child.exitCode === null) w.child.kill("SIGKILL");
    }
  }, 60_000);

  it("does not listen on 9464 (OpenTelemetry's Prometheus exporter port) by default", async () => {
    const help = await cordon(["watch", "--help"]);
    expect(help.stdout).toContain('(default: "127.0.0.1:8947")');
    expect(help.stdout).not.toContain("9464");
  });
});
