// The core around the service modules: routing, IAM allow-lists in every protocol, faults,
// counters and the request log, the control API, crash-proofing, and persistence across restarts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateNetworkAclEntryCommand, DescribeNetworkAclsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetDatabasesCommand } from "@aws-sdk/client-glue";
import { GetBucketPolicyCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { ListWebACLsCommand } from "@aws-sdk/client-wafv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ec2Error } from "../src/protocols/ec2.js";
import { type SandboxHandle, startSandbox } from "../src/server.js";
import { SERVICE_MODULES } from "../src/services/index.js";
import { ApiError, type ServiceModule } from "../src/types.js";
import { ACCOUNT, clients, ESTATE, REGION, withSandbox } from "./helpers.js";
import { expectError, glueClient, s3Client, wafClient } from "./sdk-helpers.js";

let sandbox: SandboxHandle;
beforeAll(async () => {
  sandbox = await withSandbox();
});
afterAll(async () => {
  await sandbox.stop();
});

describe("IAM allow-lists", () => {
  const key = "AKIAREADONLY"; // ec2:Describe*, elasticloadbalancing:Describe*

  it("lets an allowed action through", async () => {
    const r = await clients(sandbox, { accessKeyId: key }).ec2.send(new DescribeVpcsCommand({}));
    expect(r.Vpcs).toHaveLength(2);
  });

  it("denies a mutation with UnauthorizedOperation 403 (ec2 protocol) naming the action", async () => {
    const e = await expectError(
      clients(sandbox, { accessKeyId: key }).ec2.send(
        new CreateNetworkAclEntryCommand({
          NetworkAclId: "acl-0c000000000000001",
          RuleNumber: 5,
          Protocol: "-1",
          RuleAction: "deny",
          Egress: false,
          CidrBlock: "10.0.0.0/8",
        }),
      ),
      "UnauthorizedOperation",
      403,
    );
    expect(e.message).toContain("ec2:CreateNetworkAclEntry");
    // Nothing was created.
    const acl = await clients(sandbox).ec2.send(
      new DescribeNetworkAclsCommand({ NetworkAclIds: ["acl-0c000000000000001"] }),
    );
    expect(acl.NetworkAcls?.[0]?.Entries?.some((x) => x.RuleNumber === 5)).toBe(false);
  });

  it("denies in the S3 (AccessDenied 403), Glue and WAF (AccessDeniedException 400) protocols", async () => {
    await expectError(s3Client(sandbox.url, { key }).send(new ListBucketsCommand({})), "AccessDenied", 403);
    await expectError(
      s3Client(sandbox.url, { key }).send(new GetBucketPolicyCommand({ Bucket: "x" })),
      "AccessDenied",
      403,
    );
    await expectError(glueClient(sandbox.url, { key }).send(new GetDatabasesCommand({})), "AccessDeniedException", 400);
    await expectError(
      wafClient(sandbox.url, { key }).send(new ListWebACLsCommand({ Scope: "REGIONAL" })),
      "AccessDeniedException",
      400,
    );
  });

  it("denies in the query protocol with AccessDenied 403, but never GetCallerIdentity", async () => {
    sandbox.control.seed({ accessKeys: { AKIANOTHING: { account: ACCOUNT, allow: [] } } });
    const c = clients(sandbox, { accessKeyId: "AKIANOTHING" });
    await expectError(c.elbv2.send(new DescribeLoadBalancersCommand({})), "AccessDenied", 403);
    await expectError(
      c.sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::111122223333:role/x", RoleSessionName: "s" })),
      "AccessDenied",
      403,
    );
    const who = await c.sts.send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(ACCOUNT);
    const log = sandbox.control.requests().filter((r) => r.accessKeyId === "AKIANOTHING");
    expect(log.map((r) => [r.operation, r.status, r.injected])).toEqual([
      ["DescribeLoadBalancers", 403, "denied"],
      ["AssumeRole", 403, "denied"],
      ["GetCallerIdentity", 200, undefined],
    ]);
  });
});

describe("faults", () => {
  it("throttles with each service's own error code, visible to the SDK", async () => {
    sandbox.control.setFaults({ rules: [{ kind: "throttle" }] });
    try {
      const c = clients(sandbox);
      await expectError(c.ec2.send(new DescribeVpcsCommand({})), "RequestLimitExceeded", 503);
      await expectError(c.elbv2.send(new DescribeLoadBalancersCommand({})), "Throttling", 400);
      await expectError(s3Client(sandbox.url).send(new ListBucketsCommand({})), "SlowDown", 503);
      await expectError(glueClient(sandbox.url).send(new GetDatabasesCommand({})), "ThrottlingException", 400);
      await expectError(
        wafClient(sandbox.url).send(new ListWebACLsCommand({ Scope: "REGIONAL" })),
        "ThrottlingException",
        400,
      );
    } finally {
      sandbox.control.setFaults({});
    }
  });

  it("throttles only the Nth call of an operation; the SDK's retry then succeeds", async () => {
    sandbox.control.setFaults({ rules: [{ kind: "throttle", service: "ec2", operation: "DescribeVpcs", nth: 2 }] });
    sandbox.control.resetCounters();
    try {
      const c = clients(sandbox);
      await c.ec2.send(new DescribeVpcsCommand({}));
      await expectError(c.ec2.send(new DescribeVpcsCommand({})), "RequestLimitExceeded");
      await c.ec2.send(new DescribeVpcsCommand({}));
      const retrying = clients(sandbox, { maxAttempts: 3 });
      sandbox.control.setFaults({ rules: [{ kind: "throttle", service: "ec2", operation: "DescribeVpcs", nth: 1 }] });
      const r = await retrying.ec2.send(new DescribeVpcsCommand({}));
      expect(r.$metadata.attempts).toBe(2);
      expect(sandbox.control.counters()["ec2"]?.["DescribeVpcs"]).toBe(5);
    } finally {
      sandbox.control.setFaults({});
    }
  });

  it("throttles at a rate with a seeded, repeatable RNG", async () => {
    const run = async () => {
      sandbox.control.setFaults({ throttleRate: 0.5, seed: 42 });
      const outcomes: boolean[] = [];
      const c = clients(sandbox);
      for (let i = 0; i < 20; i++) {
        outcomes.push(
          await c.ec2.send(new DescribeVpcsCommand({})).then(
            () => true,
            () => false,
          ),
        );
      }
      return outcomes;
    };
    try {
      const a = await run();
      const b = await run();
      expect(a).toEqual(b);
      expect(a.filter((x) => !x).length).toBeGreaterThan(3);
      expect(a.filter((x) => x).length).toBeGreaterThan(3);
    } finally {
      sandbox.control.setFaults({});
    }
  });

  it("injects 5xx errors in the service's protocol", async () => {
    sandbox.control.setFaults({
      rules: [
        { kind: "error", status: 500, service: "ec2", times: 1 },
        { kind: "error", status: 503, code: "ServiceUnavailable", service: "s3", times: 1 },
      ],
    });
    try {
      await expectError(clients(sandbox).ec2.send(new DescribeVpcsCommand({})), "InternalError", 500);
      await expectError(s3Client(sandbox.url).send(new ListBucketsCommand({})), "ServiceUnavailable", 503);
      await clients(sandbox).ec2.send(new DescribeVpcsCommand({}));
    } finally {
      sandbox.control.setFaults({});
    }
  });

  it("adds latency", async () => {
    sandbox.control.setFaults({ latencyMs: 150 });
    try {
      const t = performance.now();
      await clients(sandbox).ec2.send(new DescribeVpcsCommand({}));
      expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    } finally {
      sandbox.control.setFaults({});
    }
  });

  it("exposes forced lock conflicts to modules through ctx.faults", async () => {
    // A module standing in for wafv2 reports what the hook answers for each call.
    const probe: ServiceModule = {
      ...(SERVICE_MODULES.find((m) => m.name === "sts") as ServiceModule),
      handle(_op, req, ctx) {
        const op = req.form.get("Probe") ?? "";
        return { status: 200, body: String(ctx.faults?.shouldForceLockConflict(op) ?? "absent") };
      },
    };
    const sb = await startSandbox({
      modules: [probe],
      faults: { rules: [{ kind: "lockConflict", operation: "UpdateWebACL", nth: 2 }] },
    });
    try {
      const ask = (op: string) =>
        fetch(`${sb.url}/`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `Action=GetCallerIdentity&Version=2011-06-15&Probe=${op}`,
        }).then((r) => r.text());
      const answers = [];
      for (const op of ["UpdateWebACL", "UpdateIPSet", "UpdateWebACL", "UpdateWebACL"]) answers.push(await ask(op));
      expect(answers).toEqual(["false", "false", "true", "false"]);
    } finally {
      await sb.stop();
    }
  });
});

describe("robustness", () => {
  it("turns an unexpected exception into the service's 500 and keeps serving", async () => {
    const boom: ServiceModule = {
      ...(SERVICE_MODULES.find((m) => m.name === "ec2") as ServiceModule),
      handle() {
        throw new TypeError("boom");
      },
    };
    const sb = await startSandbox({ modules: [boom, ...SERVICE_MODULES.filter((m) => m.name !== "ec2")] });
    try {
      const e = await expectError(clients(sb).ec2.send(new DescribeVpcsCommand({})), "InternalError", 500);
      expect(e.message).not.toContain("boom");
      expect((await clients(sb).sts.send(new GetCallerIdentityCommand({}))).Account).toBe(ACCOUNT);
    } finally {
      await sb.stop();
    }
  });

  it("answers malformed requests with protocol errors, not crashes", async () => {
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${sandbox.url}/`, { method: "POST", body, headers }).then(async (r) => ({
        status: r.status,
        text: await r.text(),
      }));
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const unknownAction = await post("Action=RunInstances&Version=2016-11-15", form);
    expect(unknownAction.status).toBe(400);
    expect(unknownAction.text).toContain("<Response><Errors><Error><Code>InvalidAction</Code>");
    const unknownVersion = await post("Action=X&Version=1999-01-01", form);
    expect(unknownVersion.status).toBe(400);
    const badJson = await post("{not json", {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSGlue.GetDatabases",
    });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.text).__type).toContain("SerializationException");
    const escaped = ec2Error(new ApiError("X", "a <b> & 'c'"), "r").body as string;
    expect(escaped).toContain("<Message>a &lt;b&gt; &amp; &apos;c&apos;</Message>");
  });
});

describe("control API", () => {
  const api = (method: string, path: string, body?: string) =>
    fetch(`${sandbox.url}/_sandbox/${path}`, { method, ...(body !== undefined ? { body } : {}) }).then(async (r) => ({
      status: r.status,
      json: (await r.json()) as Record<string, unknown>,
    }));

  it("counts requests by service and operation and keeps a request log", async () => {
    await api("DELETE", "counters");
    await api("DELETE", "requests");
    const c = clients(sandbox);
    await c.ec2.send(new DescribeVpcsCommand({}));
    await c.ec2.send(new DescribeVpcsCommand({}));
    await c.sts.send(new GetCallerIdentityCommand({}));
    expect((await api("GET", "counters")).json).toEqual({ ec2: { DescribeVpcs: 2 }, sts: { GetCallerIdentity: 1 } });
    const log = (await api("GET", "requests")).json as unknown as {
      operation: string;
      region: string;
      status: number;
    }[];
    expect(log.map((r) => [r.operation, r.region, r.status])).toEqual([
      ["DescribeVpcs", REGION, 200],
      ["DescribeVpcs", REGION, 200],
      ["GetCallerIdentity", REGION, 200],
    ]);
  });

  it("sets faults and configuration, rejecting invalid values with 400", async () => {
    expect((await api("POST", "faults", JSON.stringify({ latencyMs: 5 }))).json).toEqual({ latencyMs: 5 });
    expect((await api("POST", "faults", JSON.stringify({ rules: [{ kind: "explode" }] }))).status).toBe(400);
    expect((await api("DELETE", "faults")).status).toBe(200);
    expect((await api("POST", "config", JSON.stringify({ naclEntryQuota: 40 }))).json["naclEntryQuota"]).toBe(40);
    expect((await api("POST", "config", JSON.stringify({ naclEntryQuota: -1 }))).status).toBe(400);
    expect((await api("POST", "config", JSON.stringify({ colour: "red" }))).status).toBe(400);
    await api("POST", "config", JSON.stringify({ naclEntryQuota: 20 }));
    expect((await api("GET", "nothing-here")).status).toBe(404);
  });

  it("seeds from a YAML body, reports estate errors with line and column, dumps and resets state", async () => {
    const sb = await startSandbox();
    try {
      const call = (method: string, path: string, body?: string) =>
        fetch(`${sb.url}/_sandbox/${path}`, { method, ...(body !== undefined ? { body } : {}) }).then(async (r) => ({
          status: r.status,
          json: (await r.json()) as Record<string, unknown>,
        }));
      const yaml = `accounts:\n  "${ACCOUNT}":\n    regions:\n      ${REGION}:\n        vpcs:\n          - cidr: 10.9.0.0/16\n`;
      expect((await call("POST", "seed", yaml)).status).toBe(200);
      expect((await clients(sb).ec2.send(new DescribeVpcsCommand({}))).Vpcs?.map((v) => v.CidrBlock)).toEqual([
        "10.9.0.0/16",
      ]);
      const bad = await call("POST", "seed", yaml.replace("10.9.0.0/16", "10.9.0.0/33"));
      expect(bad.status).toBe(400);
      expect(bad.json["details"]).toEqual([expect.stringMatching(/^request body:6:\d+: .*10\.9\.0\.0\/33.*IPv4 CIDR/)]);
      const state = (await call("GET", "state")).json as { slices: Record<string, unknown> };
      expect(Object.keys(state.slices)).toContain(`ec2/${ACCOUNT}/${REGION}`);
      await call("POST", "reset");
      expect((await clients(sb).ec2.send(new DescribeVpcsCommand({}))).Vpcs).toEqual([]);
    } finally {
      await sb.stop();
    }
  });
});

describe("persistence", () => {
  it("keeps state across a restart with --state, written atomically, and skips seeding then", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cordon-sbx-"));
    const stateFile = join(dir, "state.json");
    try {
      const first = await startSandbox({ stateFile, seed: ESTATE });
      expect(first.stateLoaded).toBe(false);
      await clients(first).ec2.send(
        new CreateNetworkAclEntryCommand({
          NetworkAclId: "acl-0c000000000000001",
          RuleNumber: 7,
          Protocol: "-1",
          RuleAction: "deny",
          Egress: false,
          CidrBlock: "203.0.113.0/24",
        }),
      );
      const assumed = await clients(first).sts.send(
        new AssumeRoleCommand({ RoleArn: "arn:aws:iam::444455556666:role/r", RoleSessionName: "s1" }),
      );
      await first.stop();
      expect(JSON.parse(readFileSync(stateFile, "utf8")).format).toBe("cordon-sandbox-state/1");

      const second = await startSandbox({ stateFile, seed: ESTATE });
      try {
        expect(second.stateLoaded).toBe(true);
        const acl = await clients(second).ec2.send(
          new DescribeNetworkAclsCommand({ NetworkAclIds: ["acl-0c000000000000001"] }),
        );
        expect(acl.NetworkAcls?.[0]?.Entries?.find((e) => e.RuleNumber === 7)?.CidrBlock).toBe("203.0.113.0/24");
        expect((await clients(second).ec2.send(new DescribeVpcsCommand({}))).Vpcs).toHaveLength(2);
        const who = await clients(second, { accessKeyId: assumed.Credentials?.AccessKeyId as string }).sts.send(
          new GetCallerIdentityCommand({}),
        );
        expect(who.Account).toBe("444455556666");
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes changes without a restart (debounced) and refuses a corrupt state file clearly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cordon-sbx-"));
    const stateFile = join(dir, "state.json");
    try {
      const sb = await startSandbox({ stateFile, seed: ESTATE });
      await new Promise((r) => setTimeout(r, 200));
      expect(JSON.parse(readFileSync(stateFile, "utf8")).slices[`ec2/${ACCOUNT}/${REGION}`]).toBeDefined();
      await sb.stop();
      writeFileSync(stateFile, "{ nope");
      await expect(startSandbox({ stateFile })).rejects.toThrow(/cannot read sandbox state .*state\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
