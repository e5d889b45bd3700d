// The AWS session against the sandbox: a role named by a policy target is assumed with STS
// (once per role for the whole run, whatever the number of services), and the ambient
// credentials serve targets without a role. Every client, of every target and service, and the
// AssumeRole client, sends through one keep-alive agent: sequential calls share one connection.

import { createServer, connect as netConnect, type Socket } from "node:net";
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

  it("sends every client's requests through one keep-alive agent: one connection for sequential calls", async () => {
    // A TCP relay in front of the sandbox counts the connections the clients open.
    let connections = 0;
    const open = new Set<Socket>();
    const upstream = new URL(sandbox.url);
    const relay = createServer((socket) => {
      connections++;
      open.add(socket);
      const to = netConnect(Number(upstream.port), upstream.hostname);
      socket.pipe(to).pipe(socket);
      socket.on("error", () => to.destroy());
      to.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    try {
      const address = relay.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      const session = createAwsSession({ endpoint: `http://127.0.0.1:${port}`, serviceEndpoints: {}, maxAttempts: 2 });
      const ambient = { account: "111122223333", region: "eu-west-1" };
      const role = {
        account: "444455556666",
        region: "us-east-1",
        roleArn: "arn:aws:iam::444455556666:role/cordon-plan",
      };
      // Nine clients (two regions of one account and a role's target; three services each) and the
      // role's AssumeRole client: one connection.
      for (const t of [ambient, { ...ambient, region: "eu-central-1" }, role]) {
        const ports = session.ports(t);
        expect((await (await ports.sts()).getCallerIdentity({})).Account).toBe(t.account);
        await (await ports.ec2()).describeVpcs({});
        await (await ports.wafv2()).listWebACLs({ Scope: "REGIONAL" });
      }
      expect(sandbox.control.requests().some((r) => r.operation === "AssumeRole")).toBe(true);
      expect(connections).toBe(1);
    } finally {
      // The kept-alive connection would hold the relay open: closed here.
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    }
  });
});
