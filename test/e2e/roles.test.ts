// Roles and identity, end to end (docs/roles.md): the built CLI against an in-process sandbox.
//   - cordon.yaml `roles:` templates: plan and drift work through the plan role, apply and
//     drift --correct through the apply role (the sandbox's request log names each call's caller);
//     a policy's own target.roleArn overrides both;
//   - the role session is named cordon-<command>-<run>-<actor>, sanitised and at most 64 characters;
//   - the audit record names the caller ARN STS reported (the assumed role's), not user@host;
//   - the sandbox enforces the roles' trust: a key of an untrusted account, a wrong or missing
//     external id get AccessDenied, and Cordon's error names the role and the target;
//   - `cordon iam --for plan|apply` allows sts:AssumeRole on that command's role only;
//   - a malformed template is a validation error at cordon.yaml:line:column.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { type RequestLogEntry, type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ACCOUNT,
  CLI,
  cordonRunner,
  isMutating,
  makeTmp,
  oneRegionEstate,
  REGION,
  requireCli,
  sandboxCliEnv,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

/** The CI's own account, whose key assumes the roles in the target account. */
const TOOLS = "999988887777";
const TOOLS_KEY = "AKIATOOLS00000000001";
/** A key of an account the roles do not trust. */
const OTHER_KEY = "AKIAOTHER00000000001";
const OTHER = "444455556666";
const BUCKET = "flow-logs-roles-111122223333";
const VPC = "vpc-00000000000a0e001";
const PLAN_ROLE = `arn:aws:iam::${ACCOUNT}:role/cordon-plan`;
const APPLY_ROLE = `arn:aws:iam::${ACCOUNT}:role/cordon-apply`;
const OWN_ROLE = `arn:aws:iam::${ACCOUNT}:role/team-net`;
const EXTERNAL_ID = "cordon-ext-1";
const CI = { GITHUB_RUN_ID: "4242", GITHUB_RUN_ATTEMPT: "2", GITHUB_ACTOR: "octocat" };
const STACK_FRAME = /\n\s+at [^\n]+:\d+:\d+/;

const tmp = makeTmp("cordon-roles-");
let sandbox: SandboxHandle;
let s3: S3Client;
const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: TOOLS_KEY, maxAttempts: 2 });

const sessionArn = (role: string, session: string) =>
  `arn:aws:sts::${ACCOUNT}:assumed-role/${role.split("/").at(-1)}/${session}`;

function writeSet(roles: string | null): void {
  writeFileSync(
    join(tmp, "policies/cordon.yaml"),
    [
      "apiVersion: cordon.dev/v1",
      "kind: PolicySet",
      "metadata: { name: roles-e2e }",
      ...(roles === null ? [] : [roles]),
      "",
    ].join("\n"),
  );
}

function writePolicy(roleArn?: string): void {
  writeFileSync(
    join(tmp, "policies/flow.yaml"),
    [
      "apiVersion: cordon.dev/v1",
      "kind: Policy",
      "metadata: { name: roles-flow }",
      `target: { account: "${ACCOUNT}", region: ${REGION}${roleArn !== undefined ? `, roleArn: "${roleArn}"` : ""} }`,
      "flowLogs:",
      `  bucket: { name: ${BUCKET}, create: false, prefix: flow }`,
      "  vpcs: { all: true }",
      "",
    ].join("\n"),
  );
}

const TEMPLATES = (externalId: string | null = EXTERNAL_ID) =>
  [
    "roles:",
    '  plan: "arn:aws:iam::{account}:role/cordon-plan"',
    '  apply: "arn:aws:iam::{account}:role/cordon-apply"',
    ...(externalId === null ? [] : [`  externalId: ${externalId}`]),
  ].join("\n");

beforeAll(async () => {
  requireCli();
  mkdirSync(join(tmp, "policies"), { recursive: true });
  sandbox = await startSandbox({ port: 0 });
  s3 = new S3Client({ ...sandboxClientConfig(sandbox.url, ACCOUNT), forcePathStyle: true });
});

afterAll(async () => {
  s3.destroy();
  await sandbox.stop();
  rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.control.reset();
  sandbox.control.seed(oneRegionEstate({ vpcs: [{ id: VPC, cidr: "10.70.0.0/16" }], buckets: [{ name: BUCKET }] }));
  const trusted = { principals: [TOOLS], externalId: EXTERNAL_ID };
  sandbox.control.seed({
    accessKeys: {
      [TOOLS_KEY]: { account: TOOLS },
      [OTHER_KEY]: { account: OTHER },
      [PLAN_ROLE]: { account: ACCOUNT, trust: trusted },
      [APPLY_ROLE]: { account: ACCOUNT, trust: trusted },
      [OWN_ROLE]: { account: ACCOUNT, trust: { principals: [TOOLS] } },
    },
  });
  writeSet(TEMPLATES());
  writePolicy();
  sandbox.control.clearRequests();
});

/** The calls the CLI made to the target's services (not STS), by caller ARN. */
const serviceCalls = (): RequestLogEntry[] => sandbox.control.requests().filter((q) => q.service !== "sts");
const assumed = (): RequestLogEntry[] =>
  sandbox.control.requests().filter((q) => q.service === "sts" && q.operation === "AssumeRole");

describe("plan and apply roles from the policy set", () => {
  it("plan works through the plan role only, as session cordon-plan-<run>-<actor>", async () => {
    const r = await cordon(["plan", "policies", "--today", TODAY], CI);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const calls = serviceCalls();
    expect(calls.length).toBeGreaterThan(0);
    const callers = [...new Set(calls.map((q) => q.callerArn))];
    expect(callers).toEqual([sessionArn(PLAN_ROLE, "cordon-plan-4242.2-octocat")]);
    // AssumeRole was made with the CI's own key, the identity check by the session.
    expect(assumed().map((q) => q.callerArn)).toEqual([`arn:aws:iam::${TOOLS}:user/${TOOLS_KEY}`]);
  });

  it("drift works through the plan role, as session cordon-drift-…", async () => {
    const r = await cordon(["drift", "policies", "--today", TODAY], CI);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect([...new Set(serviceCalls().map((q) => q.callerArn))]).toEqual([
      sessionArn(PLAN_ROLE, "cordon-drift-4242.2-octocat"),
    ]);
  });

  it("apply makes every call through the apply role, and the audit record names that caller ARN", async () => {
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY], CI);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.status).toBe(0);
    const caller = sessionArn(APPLY_ROLE, "cordon-apply-4242.2-octocat");
    const calls = serviceCalls();
    expect(calls.some((q) => q.service === "ec2" && q.operation === "CreateFlowLogs")).toBe(true);
    expect([...new Set(calls.map((q) => q.callerArn))]).toEqual([caller]);
    expect(calls.filter(isMutating).every((q) => q.callerArn === caller)).toBe(true);
    // The audit line and record name the assumed role's ARN, not user@host.
    expect(r.stdout).toContain(`by ${caller}, plan`);
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "cordon/audit/" }))).Contents ?? [])
      .map((o) => o.Key ?? "")
      .filter((k) => k !== "");
    expect(keys).toHaveLength(1);
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: keys[0] }))
    ).Body?.transformToString();
    const record = JSON.parse(body ?? "{}") as { who: string; callers: string[]; actor: string; ciRunId: string };
    expect(record.who).toBe(caller);
    expect(record.callers).toEqual([caller]);
    expect(record.actor).toMatch(/^octocat@/);
    expect(record.ciRunId).toBe("4242");
    // The identity check's answer is reused: one GetCallerIdentity for the one target.
    expect(sandbox.control.requests().filter((q) => q.operation === "GetCallerIdentity")).toHaveLength(1);
  });

  it("drift --correct works through the apply role", async () => {
    await cordon(["apply", "policies", "--auto-approve", "--today", TODAY], CI);
    sandbox.control.clearRequests();
    const r = await cordon(["drift", "policies", "--correct", "--today", TODAY], CI);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect([...new Set(serviceCalls().map((q) => q.callerArn))]).toEqual([
      sessionArn(APPLY_ROLE, "cordon-drift-correct-4242.2-octocat"),
    ]);
  });

  it("watch works through the apply role, as session cordon-watch-…", async () => {
    const child = spawn(
      process.execPath,
      [CLI, "watch", "policies", "--apply-pending", "--interval", "1s", "--listen", "127.0.0.1:0", "--today", TODAY],
      {
        env: { ...sandboxCliEnv({ tmp, endpoint: () => sandbox.url, accessKeyId: TOOLS_KEY }), ...CI },
        cwd: tmp,
        stdio: "ignore",
      },
    );
    try {
      const end = Date.now() + 30_000;
      while (Date.now() < end && !serviceCalls().some((q) => q.operation === "CreateFlowLogs")) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    const calls = serviceCalls();
    expect(calls.some((q) => q.operation === "CreateFlowLogs")).toBe(true);
    expect([...new Set(calls.map((q) => q.callerArn))]).toEqual([
      sessionArn(APPLY_ROLE, "cordon-watch-4242.2-octocat"),
    ]);
  });

  it("a policy's own target.roleArn overrides both templates", async () => {
    writePolicy(OWN_ROLE);
    const plan = await cordon(["plan", "policies", "--today", TODAY], CI);
    expect(plan.status).toBe(0);
    expect([...new Set(serviceCalls().map((q) => q.callerArn))]).toEqual([
      sessionArn(OWN_ROLE, "cordon-plan-4242.2-octocat"),
    ]);
    sandbox.control.clearRequests();
    const apply = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY], CI);
    expect(apply.status).toBe(0);
    expect([...new Set(serviceCalls().map((q) => q.callerArn))]).toEqual([
      sessionArn(OWN_ROLE, "cordon-apply-4242.2-octocat"),
    ]);
  });

  it("without roles and roleArn, the ambient credentials are used (no AssumeRole)", async () => {
    writeSet(null);
    sandbox.control.seed({ accessKeys: { [TOOLS_KEY]: { account: ACCOUNT } } });
    const r = await cordon(["plan", "policies", "--today", TODAY], CI);
    expect(r.status).toBe(0);
    expect(assumed()).toEqual([]);
    expect([...new Set(serviceCalls().map((q) => q.callerArn))]).toEqual([`arn:aws:iam::${ACCOUNT}:user/${TOOLS_KEY}`]);
  });
});

describe("role session names", () => {
  it("carry CORDON_RUN_ID and the OS user without GitHub, sanitised to [\\w+=,.@-] and cut to 64 characters", async () => {
    const actor = `ops team/ü${"x".repeat(80)}`;
    const r = await cordon(["plan", "policies", "--today", TODAY], { CORDON_RUN_ID: "nightly:7", USER: actor });
    expect(r.status).toBe(0);
    const name = (serviceCalls()[0]?.callerArn ?? "").split("/").at(-1) ?? "";
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(name).toHaveLength(64);
    expect(name.startsWith("cordon-plan-nightly-7-ops-team--xxx")).toBe(true);
  });

  it("carry a random run id when there is no CI run id: two runs are told apart", async () => {
    const env = { USER: "alice" };
    await cordon(["plan", "policies", "--today", TODAY], env);
    await cordon(["plan", "policies", "--today", TODAY], env);
    const names = [...new Set(serviceCalls().map((q) => q.callerArn.split("/").at(-1) ?? ""))];
    expect(names).toHaveLength(2);
    for (const n of names) expect(n).toMatch(/^cordon-plan-[0-9a-f]{8}-alice$/);
  });
});

describe("the sandbox enforces the roles' trust and external ids", () => {
  it("a key of an untrusted account is refused: AccessDenied naming the role and the target, no change", async () => {
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY], {
      ...CI,
      AWS_ACCESS_KEY_ID: OTHER_KEY,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).toContain(`AssumeRole on role ${APPLY_ROLE} for target ${ACCOUNT}/${REGION} failed: AccessDenied`);
    expect(r.stderr).toContain(`arn:aws:iam::${OTHER}:user/${OTHER_KEY} is not authorized to perform: sts:AssumeRole`);
    expect(serviceCalls().filter(isMutating)).toEqual([]);
    expect(assumed().every((q) => q.status === 403)).toBe(true);
  });

  it("a wrong external id is refused, naming the role and the target", async () => {
    writeSet(TEMPLATES("not-the-one"));
    const r = await cordon(["plan", "policies", "--today", TODAY], CI);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBe(0);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr).toContain(`AssumeRole on role ${PLAN_ROLE} for target ${ACCOUNT}/${REGION} failed: AccessDenied`);
    expect(r.stderr).toContain("external id");
    expect(serviceCalls()).toEqual([]);
  });

  it("a missing external id is refused", async () => {
    writeSet(TEMPLATES(null));
    const r = await cordon(["plan", "policies", "--today", TODAY], CI);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`AssumeRole on role ${PLAN_ROLE} for target ${ACCOUNT}/${REGION} failed: AccessDenied`);
    expect(serviceCalls()).toEqual([]);
  });
});

describe("cordon iam and validation", () => {
  const assumeResources = (stdout: string, sid = "AssumeTargetRoles"): string[] =>
    (JSON.parse(stdout) as { Statement: { Sid: string; Resource: string[] }[] }).Statement.find((s) => s.Sid === sid)
      ?.Resource ?? [];

  it("iam --for plan and drift allow sts:AssumeRole on the plan role only; --for apply and watch on the apply role", async () => {
    for (const [command, role] of [
      ["plan", PLAN_ROLE],
      ["drift", PLAN_ROLE],
      ["apply", APPLY_ROLE],
      ["watch", APPLY_ROLE],
    ] as const) {
      const r = await cordon(["iam", "policies", "--for", command]);
      expect(r.status, r.stderr).toBe(0);
      expect(assumeResources(r.stdout), command).toEqual([role]);
    }
  });

  it("a template with an unknown placeholder or no role ARN shape is an error at cordon.yaml:line:column", async () => {
    writeSet(["roles:", '  plan: "arn:aws:iam::{acct}:role/cordon-plan"', '  apply: "cordon-apply"'].join("\n"));
    const r = await cordon(["validate", "policies"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/policies\/cordon\.yaml:5:\d+.*roles\/plan|policies\/cordon\.yaml:5:\d+/);
    expect(r.stderr + r.stdout).toMatch(/cordon\.yaml:6:\d+/);
    expect(r.stderr + r.stdout).toContain("{account} and {region}");
    const plan = await cordon(["plan", "policies", "--today", TODAY]);
    expect(plan.status).not.toBe(0);
    expect(sandbox.control.requests()).toEqual([]);
  });
});
