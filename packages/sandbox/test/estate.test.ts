// Estate files: every problem reported at file:line:col, and the Cats-Eyes estate seeds as the story needs.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeNetworkAclsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { describe, expect, it } from "vitest";
import { EstateError, loadEstateFile, parseEstateText } from "../src/estate.js";
import { startSandbox } from "../src/server.js";
import { clients } from "./helpers.js";

const head = `accounts:\n  "111122223333":\n    regions:\n      eu-west-1:\n`;

function problems(text: string): readonly string[] {
  try {
    parseEstateText(text, "estate.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(EstateError);
    return (e as EstateError).details;
  }
  throw new Error("expected the estate to be rejected");
}

describe("estate errors", () => {
  const cases = [
    { reason: "YAML syntax", text: "accounts: [\n", expect: /^estate\.yaml:1:\d+: Flow sequence/ },
    {
      reason: "an unknown top-level field",
      text: "acounts: {}\n",
      expect: /^estate\.yaml:1:1: unknown field "acounts"/,
    },
    {
      reason: "an account id that is not 12 digits",
      text: 'accounts:\n  "12345":\n    regions: {}\n',
      expect: /^estate\.yaml:3:5: "12345" is not a 12-digit account id/,
    },
    {
      reason: "a bad region name",
      text: 'accounts:\n  "111122223333":\n    regions:\n      mars-1: {}\n',
      expect: /^estate\.yaml:4:15: "mars-1" is not an AWS region name/,
    },
    {
      reason: "a VPC without cidr",
      text: `${head}        vpcs:\n          - tags: { Name: x }\n`,
      expect: /^estate\.yaml:6:13: missing required field "cidr"/,
    },
    {
      reason: "a bad VPC CIDR",
      text: `${head}        vpcs:\n          - cidr: 10.0.0.0/8\n`,
      expect: /^estate\.yaml:6:19: "10\.0\.0\.0\/8" is not an IPv4 CIDR between \/16 and \/28/,
    },
    {
      reason: "a subnet outside its VPC",
      text: `${head}        vpcs:\n          - cidr: 10.0.0.0/16\n            subnets:\n              - cidr: 10.1.0.0/24\n`,
      expect: /^estate\.yaml:8:23: subnet CIDR 10\.1\.0\.0\/24 is not inside the VPC CIDR 10\.0\.0\.0\/16/,
    },
    {
      reason: "an ACL entry with a reserved rule number",
      text: `${head}        vpcs:\n          - cidr: 10.0.0.0/16\n            defaultNetworkAclEntries:\n              - { ruleNumber: 32767, egress: false, action: deny, cidr: 0.0.0.0/0 }\n`,
      expect: /^estate\.yaml:8:31: ruleNumber must be an integer from 1 to 32766/,
    },
    {
      reason: "a load balancer in a VPC that does not exist",
      text: `${head}        vpcs:\n          - cidr: 10.0.0.0/16\n        loadBalancers:\n          - { name: alb, vpc: nowhere }\n`,
      expect: /^estate\.yaml:8:31: no VPC "nowhere" in this region/,
    },
    {
      reason: "a subnet pointing at an unknown ACL",
      text: `${head}        vpcs:\n          - cidr: 10.0.0.0/16\n            subnets:\n              - { cidr: 10.0.1.0/24, networkAcl: ghost }\n`,
      expect: /^estate\.yaml:8:50: no network ACL "ghost"/,
    },
    {
      reason: "an allow-list entry that is not an action pattern",
      text: 'accessKeys:\n  AKIAX:\n    account: "111122223333"\n    allow: ["describe everything"]\n',
      expect: /^estate\.yaml:4:13: "describe everything" is not an IAM action pattern/,
    },
  ];
  for (const c of cases) {
    it(`reports ${c.reason} at its position`, () => {
      expect(problems(c.text)[0]).toMatch(c.expect);
    });
  }

  it("collects every problem, not only the first", () => {
    const text = `${head}        vpcs:\n          - cidr: nope\n          - cidr: 10.0.0.0/16\n            colour: red\n`;
    expect(problems(text)).toHaveLength(2);
  });

  it("names a missing file", () => {
    expect(() => loadEstateFile("/nonexistent/estate.yaml")).toThrow(
      /cannot read estate file \/nonexistent\/estate\.yaml: ENOENT/,
    );
  });

  it("rejects seeding an id that already exists in the sandbox", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cordon-estate-"));
    try {
      const file = join(dir, "e.yaml");
      writeFileSync(file, `${head}        vpcs:\n          - { id: vpc-0123456789abcdef0, cidr: 10.0.0.0/16 }\n`);
      const sb = await startSandbox({ seed: file });
      try {
        expect(() => sb.control.seed(loadEstateFile(file))).toThrow(EstateError);
      } finally {
        await sb.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the Cats-Eyes estate", () => {
  it("seeds the production VPC, its tiers, its default ACL, the ALB, and a staging VPC", async () => {
    const sb = await startSandbox({ seed: "examples/cats-eyes/estate.yaml" });
    try {
      const { ec2, elbv2 } = clients(sb);
      const prod = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:env", Values: ["production"] }] }));
      expect(prod.Vpcs?.map((v) => [v.CidrBlock, v.Tags?.find((t) => t.Key === "Name")?.Value])).toEqual([
        ["10.20.0.0/16", "production"],
      ]);
      const vpcId = prod.Vpcs?.[0]?.VpcId as string;
      const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }));
      expect(subnets.Subnets?.map((s) => s.Tags?.find((t) => t.Key === "tier")?.Value)).toEqual([
        "public",
        "app",
        "data",
      ]);
      const acls = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }));
      expect(acls.NetworkAcls).toHaveLength(1);
      expect(acls.NetworkAcls?.[0]?.IsDefault).toBe(true);
      expect(acls.NetworkAcls?.[0]?.Associations).toHaveLength(3);
      const staging = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:env", Values: ["staging"] }] }));
      expect(staging.Vpcs).toHaveLength(1);
      const lbs = await elbv2.send(new DescribeLoadBalancersCommand({}));
      expect(lbs.LoadBalancers?.map((l) => [l.LoadBalancerName, l.Type, l.VpcId])).toEqual([
        ["cats-eyes-alb", "application", vpcId],
      ]);
    } finally {
      await sb.stop();
    }
  });
});
