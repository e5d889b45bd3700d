// ELBv2 and STS through the real SDK v3 clients (query protocol).
import { DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  paginateDescribeLoadBalancers,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxHandle } from "../src/server.js";
import { lookupLoadBalancer } from "../src/services/elbv2.js";
import { ACCOUNT, clients, ESTATE, REGION, withSandbox } from "./helpers.js";
import { expectError } from "./sdk-helpers.js";

const OTHER = "444455556666";
let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await withSandbox({
    seed: {
      ...ESTATE,
      accessKeys: {
        ...ESTATE.accessKeys,
        [`arn:aws:iam::${OTHER}:role/auditor`]: { account: OTHER, allow: ["ec2:DescribeVpcs"] },
      },
      accounts: {
        ...ESTATE.accounts,
        [OTHER]: {
          regions: {
            [REGION]: {
              vpcs: [{ cidr: "172.16.0.0/16", tags: { Name: "other" }, subnets: [{ cidr: "172.16.1.0/24" }] }],
              loadBalancers: Array.from({ length: 5 }, (_, i) => ({
                name: `lb-${i}`,
                vpc: "other",
                type: "network" as const,
              })),
            },
          },
        },
      },
    },
  });
});
afterAll(async () => {
  await sandbox.stop();
});

describe("ELBv2", () => {
  it("describes the estate's ALB with AWS's shape", async () => {
    const { elbv2 } = clients(sandbox);
    const r = await elbv2.send(new DescribeLoadBalancersCommand({ Names: ["cats-eyes-alb"] }));
    const lb = r.LoadBalancers?.[0];
    expect(lb).toMatchObject({
      LoadBalancerName: "cats-eyes-alb",
      Type: "application",
      Scheme: "internet-facing",
      VpcId: "vpc-0a000000000000001",
      State: { Code: "active" },
      IpAddressType: "ipv4",
    });
    expect(lb?.LoadBalancerArn).toMatch(
      new RegExp(`^arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/cats-eyes-alb/[0-9a-f]{16}$`),
    );
    expect(lb?.AvailabilityZones?.map((z) => z.ZoneName)).toEqual(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    expect(lb?.CreatedTime).toBeInstanceOf(Date);
    const byArn = await elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb?.LoadBalancerArn as string] }),
    );
    expect(byArn.LoadBalancers?.[0]?.LoadBalancerName).toBe("cats-eyes-alb");
    const tags = await elbv2.send(new DescribeTagsCommand({ ResourceArns: [lb?.LoadBalancerArn as string] }));
    expect(tags.TagDescriptions).toEqual([
      { ResourceArn: lb?.LoadBalancerArn, Tags: [{ Key: "env", Value: "production" }] },
    ]);
  });

  it("answers LoadBalancerNotFound (SDK LoadBalancerNotFoundException) for a missing name or ARN", async () => {
    const { elbv2 } = clients(sandbox);
    await expectError(
      elbv2.send(new DescribeLoadBalancersCommand({ Names: ["nope"] })),
      "LoadBalancerNotFoundException",
      400,
    );
    await expectError(
      elbv2.send(
        new DescribeTagsCommand({
          ResourceArns: [`arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/x/0123456789abcdef`],
        }),
      ),
      "LoadBalancerNotFoundException",
    );
    await expectError(
      elbv2.send(new DescribeLoadBalancersCommand({ Names: ["a"], LoadBalancerArns: ["b"] })),
      "ValidationError",
    );
  });

  it("paginates with PageSize and Marker, per account", async () => {
    const { elbv2 } = clients(sandbox, { accessKeyId: OTHER });
    const names: string[] = [];
    const pages: number[] = [];
    // The SDK's ELBv2 paginator has no page-size key: pass PageSize in the input.
    for await (const page of paginateDescribeLoadBalancers({ client: elbv2 }, { PageSize: 2 })) {
      pages.push(page.LoadBalancers?.length ?? 0);
      for (const lb of page.LoadBalancers ?? []) names.push(lb.LoadBalancerName as string);
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(names).toEqual(["lb-0", "lb-1", "lb-2", "lb-3", "lb-4"]);
    await expectError(elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 401 })), "ValidationError");
  });

  it("exports lookupLoadBalancer for the wafv2 module", async () => {
    const { elbv2 } = clients(sandbox);
    const arn = (await elbv2.send(new DescribeLoadBalancersCommand({ Names: ["cats-eyes-alb"] }))).LoadBalancers?.[0]
      ?.LoadBalancerArn as string;
    const ctx = { state: (s: "elbv2", a: string, r: string) => sandbox.store.state(s, a, r) } as Parameters<
      typeof lookupLoadBalancer
    >[0];
    expect(lookupLoadBalancer(ctx, arn)).toEqual({
      account: ACCOUNT,
      region: REGION,
      arn,
      name: "cats-eyes-alb",
      type: "application",
      vpcId: "vpc-0a000000000000001",
    });
    expect(lookupLoadBalancer(ctx, arn.replace("cats-eyes-alb", "other"))).toBeNull();
  });
});

describe("STS", () => {
  const cases = [
    {
      reason: "a 12-digit key acts as that account",
      key: OTHER,
      account: OTHER,
      arn: `arn:aws:iam::${OTHER}:user/${OTHER}`,
    },
    {
      reason: "an estate key maps to its account",
      key: "AKIAREADONLY",
      account: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/AKIAREADONLY`,
    },
    {
      reason: "any other key acts for the default account",
      key: "AKIAWHOEVER",
      account: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/AKIAWHOEVER`,
    },
  ];
  for (const c of cases) {
    it(`GetCallerIdentity: ${c.reason}`, async () => {
      const r = await clients(sandbox, { accessKeyId: c.key }).sts.send(new GetCallerIdentityCommand({}));
      expect({ Account: r.Account, Arn: r.Arn }).toEqual({ Account: c.account, Arn: c.arn });
    });
  }

  it("AssumeRole issues session credentials that act for the role's account with the role's allow-list", async () => {
    const r = await clients(sandbox).sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER}:role/auditor`, RoleSessionName: "cordon-plan" }),
    );
    const creds = r.Credentials;
    expect(creds?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(r.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${OTHER}:assumed-role/auditor/cordon-plan`);
    const session = clients(sandbox, {
      accessKeyId: creds?.AccessKeyId as string,
      sessionToken: creds?.SessionToken as string,
    });
    const who = await session.sts.send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({ Account: OTHER, Arn: `arn:aws:sts::${OTHER}:assumed-role/auditor/cordon-plan` });
    const vpcs = await session.ec2.send(new DescribeVpcsCommand({}));
    expect(vpcs.Vpcs?.map((v) => v.CidrBlock)).toEqual(["172.16.0.0/16"]);
    await expectError(session.elbv2.send(new DescribeLoadBalancersCommand({})), "AccessDenied", 403);
  });

  it("AssumeRole validates its input", async () => {
    const { sts } = clients(sandbox);
    await expectError(
      sts.send(new AssumeRoleCommand({ RoleArn: "not-an-arn", RoleSessionName: "s1" })),
      "ValidationError",
      400,
    );
    await expectError(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${OTHER}:role/auditor`,
          RoleSessionName: "s1",
          DurationSeconds: 60,
        }),
      ),
      "ValidationError",
    );
  });
});
