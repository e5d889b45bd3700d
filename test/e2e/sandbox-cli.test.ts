// `cordon sandbox` as a separate process (the built dist/cordon.js; run `npm run build` first):
// it prints the export lines, serves the real SDK, stops on SIGTERM with exit 0 and keeps its state.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DescribeNetworkAclsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxProcess as Running, startSandboxCli as start, stopSandboxCli as stop } from "./helpers.js";

const CLI = "dist/cordon.js";

function ec2For(env: Record<string, string>): EC2Client {
  return new EC2Client({
    endpoint: env["AWS_ENDPOINT_URL"] as string,
    region: env["AWS_REGION"] as string,
    credentials: {
      accessKeyId: env["AWS_ACCESS_KEY_ID"] as string,
      secretAccessKey: env["AWS_SECRET_ACCESS_KEY"] as string,
    },
    maxAttempts: 1,
  });
}

let dir: string;
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("run `npm run build` before the e2e tests");
  dir = mkdtempSync(join(tmpdir(), "cordon-sandbox-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cordon sandbox", () => {
  it("serves the Cats-Eyes estate, stops on SIGTERM with exit 0 and restarts from its state file", async () => {
    const state = join(dir, "state.json");
    const first = await start(["--seed", "examples/cats-eyes/estate.yaml", "--state", state]);
    expect(first.env["AWS_ENDPOINT_URL"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.env["AWS_REGION"]).toBe("eu-west-1");
    const ec2 = ec2For(first.env);
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:Name", Values: ["production"] }] }));
    const vpcId = vpcs.Vpcs?.[0]?.VpcId as string;
    expect(vpcId).toBe("vpc-0c47e5a1f3d2b0001");
    const acl = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }));
    const aclId = acl.NetworkAcls?.[0]?.NetworkAclId as string;
    await ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: aclId,
        RuleNumber: 10,
        Protocol: "-1",
        RuleAction: "deny",
        Egress: true,
        CidrBlock: "198.51.100.9/32",
      }),
    );
    expect(await stop(first)).toBe(0);
    expect(first.stderr()).toMatch(/SIGTERM: stopping the sandbox and saving/);
    expect(existsSync(state)).toBe(true);

    const second = await start(["--seed", "examples/cats-eyes/estate.yaml", "--state", state]);
    try {
      expect(second.stderr()).toMatch(/state from/);
      const again = await ec2For(second.env).send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] }));
      expect(again.NetworkAcls?.[0]?.Entries?.find((e) => e.Egress && e.RuleNumber === 10)?.CidrBlock).toBe(
        "198.51.100.9/32",
      );
    } finally {
      expect(await stop(second)).toBe(0);
    }
  });

  it("prints every export line a shell needs and stops on Ctrl-C (SIGINT) with exit 0", async () => {
    const r = await start(["--region", "ap-southeast-2"]);
    expect(Object.keys(r.env).sort()).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_DEFAULT_REGION",
      "AWS_ENDPOINT_URL",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
    ]);
    // Older AWS CLIs (v1) read only AWS_DEFAULT_REGION: both name the sandbox's region.
    expect([r.env["AWS_REGION"], r.env["AWS_DEFAULT_REGION"]]).toEqual(["ap-southeast-2", "ap-southeast-2"]);
    expect(await stop(r, "SIGINT")).toBe(0);
    expect(r.stderr()).toMatch(/SIGINT: stopping the sandbox/);
  });

  it("--faults injects rules from a file (throttle the Nth call), shown by the control API; --latency-ms adds to it", async () => {
    const faults = join(dir, "faults.yaml");
    writeFileSync(
      faults,
      "rules:\n  - { kind: throttle, service: ec2, operation: DescribeVpcs, nth: 2 }\n  - { kind: error, service: s3, status: 503 }\n",
    );
    const r = await start(["--seed", "examples/cats-eyes/estate.yaml", "--faults", faults, "--latency-ms", "5"]);
    try {
      const ec2 = ec2For(r.env);
      await ec2.send(new DescribeVpcsCommand({}));
      await expect(ec2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({
        name: "RequestLimitExceeded",
        $metadata: { httpStatusCode: 503 },
      });
      await ec2.send(new DescribeVpcsCommand({}));
      const config = (await (await fetch(`${r.env["AWS_ENDPOINT_URL"]}/_sandbox/faults`)).json()) as {
        latencyMs?: number;
        rules?: unknown[];
      };
      expect(config.latencyMs).toBe(5);
      expect(config.rules).toHaveLength(2);
    } finally {
      expect(await stop(r)).toBe(0);
    }
  });

  it.each([
    {
      reason: "an unknown fault kind",
      value: '{"rules":[{"kind":"explode"}]}',
      message: /--faults: rules\[0\]\.kind must be one of/,
    },
    {
      reason: "a missing file",
      value: "no-such-faults.yaml",
      message: /cannot read faults file no-such-faults\.yaml: ENOENT/,
    },
  ])("rejects --faults with $reason: usage error, exit 1", ({ value, message }) => {
    const r = spawnSync(process.execPath, [CLI, "sandbox", "--port", "0", "--faults", value], {
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("--flow-log-rule picks how a second flow log is refused (default strict), shown by the control API", async () => {
    const config = async (r: Running) =>
      ((await (await fetch(`${r.env["AWS_ENDPOINT_URL"]}/_sandbox/config`)).json()) as { flowLogRule?: string })
        .flowLogRule;
    const strict = await start([]);
    try {
      expect(await config(strict)).toBe("strict");
    } finally {
      expect(await stop(strict)).toBe(0);
    }
    const perConfig = await start(["--flow-log-rule", "per-config"]);
    try {
      expect(await config(perConfig)).toBe("per-config");
    } finally {
      expect(await stop(perConfig)).toBe(0);
    }
    const bad = spawnSync(process.execPath, [CLI, "sandbox", "--port", "0", "--flow-log-rule", "lenient"], {
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--flow-log-rule must be strict or per-config, got "lenient"/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it("a --state in a missing directory is a usage error at start, not a surprise at stop", () => {
    const r = spawnSync(process.execPath, [CLI, "sandbox", "--port", "0", "--state", join(dir, "gone", "s.json")], {
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--state .*s\.json: the directory .*gone does not exist/);
  });

  it("exits 1 when the state cannot be saved at stop", async () => {
    const sub = mkdtempSync(join(dir, "vanishing-"));
    const r = await start(["--seed", "examples/cats-eyes/estate.yaml", "--state", join(sub, "s.json")]);
    rmSync(sub, { recursive: true, force: true });
    // A change after the directory went: there is now something the sandbox cannot save.
    await ec2For(r.env).send(
      new CreateTagsCommand({ Resources: ["vpc-0c47e5a1f3d2b0001"], Tags: [{ Key: "touched", Value: "yes" }] }),
    );
    expect(await stop(r)).toBe(1);
    expect(r.stderr()).toMatch(/could not save state: cannot write sandbox state to .*s\.json/);
  });

  it("rejects a bad estate with file:line:col, exit 1 and no stack trace", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      'accounts:\n  "111122223333":\n    regions:\n      eu-west-1:\n        vpcs:\n          - cidr: 10.0.0.0/40\n',
    );
    const r = spawnSync(process.execPath, [CLI, "sandbox", "--port", "0", "--seed", bad], {
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}:6:19:`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("rejects bad flags with a usage error", () => {
    const r = spawnSync(process.execPath, [CLI, "sandbox", "--port", "0", "--throttle-rate", "2"], {
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--throttle-rate must be a number from 0 to 1/);
  });
});
