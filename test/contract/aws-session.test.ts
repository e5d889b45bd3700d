// The AWS session against the sandbox: a role named by a policy target is assumed with STS
// (once per role for the whole run, whatever the number of services), and the ambient
// credentials serve targets without a role.

import { startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsSession } from "../../src/aws/config.js";

let sandbox: Awaited<ReturnType<typeof startSandbox>>;

beforeAll(async () => {
  process.env["AWS_ACCESS_KEY_ID"] = "AKIASESSIONTEST00001";
  process.env["AWS_SECRET_ACCESS_KEY"] = "session-secret";
  sandbox = await startSandbox({ seed: { defaultAccount: "111122223333" } });
});

afterAll(async () => {
  await sandbox?.stop();
});

describe("AWS session", () => {
  it("assumes the target's role once and acts in the role's account", async () => {
    const session = createAwsSession({ endpoint: sandbox.url, serviceEndpoints: {}, maxAttempts: 2 });
    const target = {
      account: "444455556666",
      region: "eu-west-1",
      roleArn: "arn:aws:iam::444455556666:role/cordon-apply",
      externalId: "cordon-ci",
    };
    sandbox.control.clearRequests();
    const ports = session.ports(target);
    const who = await (await ports.sts()).getCallerIdentity({});
    await (await ports.ec2()).describeVpcs({});
    await (await session.ports({ ...target, region: "us-east-1" }).ec2()).describeVpcs({});
    expect(who.Account).toBe("444455556666");
    expect(who.Arn).toMatch(/^arn:aws:sts::444455556666:assumed-role\/cordon-apply\//);
    const ops = sandbox.control.requests().map((r) => `${r.operation}:${r.account}`);
    expect(ops.filter((o) => o.startsWith("AssumeRole"))).toHaveLength(1);
    expect(ops.filter((o) => o.startsWith("DescribeVpcs"))).toEqual([
      "DescribeVpcs:444455556666",
      "DescribeVpcs:444455556666",
    ]);
  });

  it("uses the ambient credentials for a target without a role", async () => {
    const session = createAwsSession({ endpoint: sandbox.url, serviceEndpoints: {}, maxAttempts: 2 });
    const who = await (await session.ports({ account: "111122223333", region: "eu-west-1" }).sts()).getCallerIdentity(
      {},
    );
    expect(who.Account).toBe("111122223333");
  });
});
