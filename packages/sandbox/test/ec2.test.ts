// EC2 through the real SDK v3 client: describes with filters and pagination, NACL entry semantics,
// flow logs (with delivery checked against a real S3 bucket policy in the sandbox), tags.
import {
  CreateFlowLogsCommand,
  CreateNetworkAclEntryCommand,
  CreateTagsCommand,
  DeleteFlowLogsCommand,
  DeleteNetworkAclEntryCommand,
  DeleteTagsCommand,
  DescribeFlowLogsCommand,
  DescribeNetworkAclsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  paginateDescribeNetworkAcls,
  paginateDescribeVpcs,
  ReplaceNetworkAclEntryCommand,
} from "@aws-sdk/client-ec2";
import { CreateBucketCommand, PutBucketPolicyCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxHandle } from "../src/server.js";
import { ACCOUNT, clients, REGION, withSandbox } from "./helpers.js";
import { expectError, s3Client } from "./sdk-helpers.js";

const PROD = "vpc-0a000000000000001";
const STAGING = "vpc-0a000000000000002";
const DATA_ACL = "acl-0c000000000000001";

let sandbox: SandboxHandle;
let ec2: EC2Client;
let s3: S3Client;

beforeAll(async () => {
  sandbox = await withSandbox();
  ec2 = clients(sandbox).ec2;
  s3 = s3Client(sandbox.url, { key: "AKIASANDBOXTEST00001" });
});
afterAll(async () => {
  await sandbox.stop();
});

async function defaultAcl(vpcId: string) {
  const r = await ec2.send(
    new DescribeNetworkAclsCommand({
      Filters: [
        { Name: "vpc-id", Values: [vpcId] },
        { Name: "default", Values: ["true"] },
      ],
    }),
  );
  expect(r.NetworkAcls).toHaveLength(1);
  return r.NetworkAcls?.[0] as NonNullable<NonNullable<typeof r.NetworkAcls>[number]>;
}

describe("DescribeVpcs and DescribeSubnets", () => {
  const cases = [
    { reason: "no filter lists every VPC", filters: [], ids: [PROD, STAGING] },
    { reason: "tag:env selects by tag value", filters: [{ Name: "tag:env", Values: ["staging"] }], ids: [STAGING] },
    { reason: "tag values accept wildcards", filters: [{ Name: "tag:Name", Values: ["prod*"] }], ids: [PROD] },
    {
      reason: "tag-key matches any VPC having the key",
      filters: [{ Name: "tag-key", Values: ["env"] }],
      ids: [PROD, STAGING],
    },
    { reason: "vpc-id uses the index", filters: [{ Name: "vpc-id", Values: [STAGING] }], ids: [STAGING] },
    { reason: "cidr filter", filters: [{ Name: "cidr", Values: ["10.20.0.0/16"] }], ids: [PROD] },
    {
      reason: "filters combine with AND",
      filters: [
        { Name: "tag:env", Values: ["production"] },
        { Name: "is-default", Values: ["true"] },
      ],
      ids: [],
    },
  ];
  for (const c of cases) {
    it(c.reason, async () => {
      const r = await ec2.send(new DescribeVpcsCommand({ Filters: c.filters }));
      expect((r.Vpcs ?? []).map((v) => v.VpcId).sort()).toEqual(c.ids);
    });
  }

  it("returns AWS's VPC shape, including the IPv6 association", async () => {
    const r = await ec2.send(new DescribeVpcsCommand({ VpcIds: [STAGING] }));
    const v = r.Vpcs?.[0];
    expect(v).toMatchObject({
      VpcId: STAGING,
      CidrBlock: "10.30.0.0/16",
      OwnerId: ACCOUNT,
      State: "available",
      IsDefault: false,
      Ipv6CidrBlockAssociationSet: [
        { Ipv6CidrBlock: "2001:db8:1234::/56", Ipv6CidrBlockState: { State: "associated" } },
      ],
    });
    expect(v?.Tags).toEqual(expect.arrayContaining([{ Key: "env", Value: "staging" }]));
  });

  it("names a missing VPC id with InvalidVpcID.NotFound", async () => {
    const e = await expectError(
      ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-0fffffffffffffff0"] })),
      "InvalidVpcID.NotFound",
      400,
    );
    expect(e.message).toContain("vpc-0fffffffffffffff0");
  });

  it("rejects an unknown filter name", async () => {
    await expectError(
      ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "colour", Values: ["x"] }] })),
      "InvalidParameterValue",
    );
  });

  it("lists subnets of a VPC with their tier tags", async () => {
    const r = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [PROD] }] }));
    expect(r.Subnets?.map((s) => s.Tags?.find((t) => t.Key === "tier")?.Value)).toEqual(["public", "app", "data"]);
    expect(r.Subnets?.[0]).toMatchObject({ VpcId: PROD, State: "available", AvailabilityZone: "eu-west-1a" });
    expect(r.Subnets?.[0]?.SubnetArn).toBe(`arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/subnet-0b000000000000001`);
    await expectError(
      ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-0ffffffffffffffff"] })),
      "InvalidSubnetID.NotFound",
    );
  });
});

describe("DescribeNetworkAcls", () => {
  it("gives the default ACL AWS's entries: 100 allow and 32767 deny per direction, egress first", async () => {
    const acl = await defaultAcl(PROD);
    expect(acl.Entries?.map((e) => [e.Egress, e.RuleNumber, e.RuleAction, e.CidrBlock, e.Protocol])).toEqual([
      [true, 100, "allow", "0.0.0.0/0", "-1"],
      [true, 32767, "deny", "0.0.0.0/0", "-1"],
      [false, 100, "allow", "0.0.0.0/0", "-1"],
      [false, 32767, "deny", "0.0.0.0/0", "-1"],
    ]);
    expect(acl.Associations?.map((a) => a.SubnetId)).toEqual(["subnet-0b000000000000001", "subnet-0b000000000000002"]);
  });

  it("adds the IPv6 entries 101 and 32768 when the VPC has IPv6", async () => {
    const acl = await defaultAcl(STAGING);
    expect(
      acl.Entries?.filter((e) => e.Egress === false).map((e) => [e.RuleNumber, e.CidrBlock ?? e.Ipv6CidrBlock]),
    ).toEqual([
      [100, "0.0.0.0/0"],
      [101, "::/0"],
      [32767, "0.0.0.0/0"],
      [32768, "::/0"],
    ]);
  });

  it("gives a custom ACL only the catch-all deny and finds it by its subnet association", async () => {
    const r = await ec2.send(
      new DescribeNetworkAclsCommand({
        Filters: [{ Name: "association.subnet-id", Values: ["subnet-0b000000000000003"] }],
      }),
    );
    expect(r.NetworkAcls?.map((a) => a.NetworkAclId)).toEqual([DATA_ACL]);
    expect(r.NetworkAcls?.[0]?.IsDefault).toBe(false);
    expect(r.NetworkAcls?.[0]?.Entries?.map((e) => e.RuleNumber)).toEqual([32767, 32767]);
  });

  it("filters by tag and by network-acl-id, and reports a missing id", async () => {
    const byTag = await ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: "tag:Name", Values: ["data-acl"] }] }),
    );
    expect(byTag.NetworkAcls?.map((a) => a.NetworkAclId)).toEqual([DATA_ACL]);
    const byId = await ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: "network-acl-id", Values: [DATA_ACL] }] }),
    );
    expect(byId.NetworkAcls).toHaveLength(1);
    await expectError(
      ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: ["acl-0fffffffffffffff1"] })),
      "InvalidNetworkAclID.NotFound",
    );
  });

  it("paginates with MaxResults and NextToken (SDK paginator sees every ACL exactly once)", async () => {
    const first = await ec2.send(new DescribeNetworkAclsCommand({ MaxResults: 5 }));
    expect(first.NetworkAcls).toHaveLength(3);
    expect(first.NextToken).toBeUndefined();
    // 3 ACLs in this estate: page size 5 is the minimum, so check the token path with VPCs' min too.
    const ids: string[] = [];
    for await (const page of paginateDescribeNetworkAcls({ client: ec2, pageSize: 5 }, {})) {
      for (const a of page.NetworkAcls ?? []) ids.push(a.NetworkAclId as string);
    }
    expect(new Set(ids).size).toBe(3);
    await expectError(ec2.send(new DescribeNetworkAclsCommand({ MaxResults: 4 })), "InvalidParameterValue");
    await expectError(ec2.send(new DescribeNetworkAclsCommand({ NextToken: "garbage!" })), "InvalidPaginationToken");
    await expectError(
      ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [DATA_ACL], MaxResults: 5 })),
      "InvalidParameterCombination",
    );
  });
});

describe("pagination over many resources", () => {
  it("pages 12 VPCs by 5 with NextToken and the SDK paginator", async () => {
    const sb = await withSandbox({
      seed: {
        accounts: {
          [ACCOUNT]: {
            regions: { [REGION]: { vpcs: Array.from({ length: 12 }, (_, i) => ({ cidr: `10.${i}.0.0/16` })) } },
          },
        },
      },
    });
    try {
      const c = clients(sb).ec2;
      const p1 = await c.send(new DescribeVpcsCommand({ MaxResults: 5 }));
      expect(p1.Vpcs).toHaveLength(5);
      expect(p1.NextToken).toBeTruthy();
      const sizes: number[] = [];
      const cidrs: string[] = [];
      for await (const page of paginateDescribeVpcs({ client: c, pageSize: 5 }, {})) {
        sizes.push(page.Vpcs?.length ?? 0);
        for (const v of page.Vpcs ?? []) cidrs.push(v.CidrBlock as string);
      }
      expect(sizes).toEqual([5, 5, 2]);
      expect(new Set(cidrs).size).toBe(12);
      const acls = await c.send(new DescribeNetworkAclsCommand({ MaxResults: 10 }));
      expect(acls.NetworkAcls).toHaveLength(10);
      const rest = await c.send(new DescribeNetworkAclsCommand({ MaxResults: 10, NextToken: acls.NextToken }));
      expect(rest.NetworkAcls).toHaveLength(2);
      expect(rest.NextToken).toBeUndefined();
    } finally {
      await sb.stop();
    }
  });
});

describe("network ACL entries", () => {
  const entry = (n: number, cidr: string, extra: Record<string, unknown> = {}) => ({
    NetworkAclId: DATA_ACL,
    RuleNumber: n,
    Protocol: "-1",
    RuleAction: "deny" as const,
    Egress: false,
    CidrBlock: cidr,
    ...extra,
  });

  it("stores a non-canonical CIDR canonically and keeps entries sorted", async () => {
    await ec2.send(new CreateNetworkAclEntryCommand(entry(20, "100.68.0.18/18")));
    await ec2.send(new CreateNetworkAclEntryCommand(entry(10, "203.0.113.7/24")));
    await ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: DATA_ACL,
        RuleNumber: 11,
        Protocol: "6",
        RuleAction: "deny",
        Egress: false,
        Ipv6CidrBlock: "2001:DB8:0:0::1/32",
        PortRange: { From: 443, To: 443 },
      }),
    );
    const r = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [DATA_ACL] }));
    const ingress = r.NetworkAcls?.[0]?.Entries?.filter((e) => !e.Egress);
    expect(ingress?.map((e) => [e.RuleNumber, e.CidrBlock ?? e.Ipv6CidrBlock])).toEqual([
      [10, "203.0.113.0/24"],
      [11, "2001:db8::/32"],
      [20, "100.68.0.0/18"],
      [32767, "0.0.0.0/0"],
    ]);
    expect(ingress?.[1]).toMatchObject({ Protocol: "6", PortRange: { From: 443, To: 443 } });
  });

  const errors = [
    { reason: "same number and direction", input: entry(10, "198.51.100.0/24"), code: "NetworkAclEntryAlreadyExists" },
    { reason: "rule number 0", input: entry(0, "198.51.100.0/24"), code: "InvalidParameterValue" },
    { reason: "rule number 32767 is reserved", input: entry(32767, "198.51.100.0/24"), code: "InvalidParameterValue" },
    { reason: "a CIDR that is not one", input: entry(30, "300.1.1.1/24"), code: "InvalidParameterValue" },
    { reason: "a prefix beyond /32", input: entry(30, "10.0.0.0/33"), code: "InvalidParameterValue" },
    { reason: "TCP without a port range", input: entry(30, "10.0.0.0/8", { Protocol: "6" }), code: "MissingParameter" },
    {
      reason: "a protocol that is not a number",
      input: entry(30, "10.0.0.0/8", { Protocol: "gre!" }),
      code: "InvalidParameterValue",
    },
    {
      reason: "both CIDR kinds at once",
      input: entry(30, "10.0.0.0/8", { Ipv6CidrBlock: "2001:db8::/32" }),
      code: "InvalidParameterCombination",
    },
    {
      reason: "an unknown ACL",
      input: { ...entry(30, "10.0.0.0/8"), NetworkAclId: "acl-0fffffffffffffff2" },
      code: "InvalidNetworkAclID.NotFound",
    },
  ];
  for (const c of errors) {
    it(`rejects ${c.reason} with ${c.code}`, async () => {
      await expectError(ec2.send(new CreateNetworkAclEntryCommand(c.input)), c.code, 400);
    });
  }

  it("allows the same number in the other direction", async () => {
    await ec2.send(new CreateNetworkAclEntryCommand(entry(10, "198.51.100.0/24", { Egress: true })));
  });

  it("replaces an entry in place and answers InvalidNetworkAclEntry.NotFound for a missing one", async () => {
    await ec2.send(new ReplaceNetworkAclEntryCommand(entry(20, "192.0.2.0/24", { RuleAction: "allow" })));
    const r = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [DATA_ACL] }));
    expect(r.NetworkAcls?.[0]?.Entries?.find((e) => !e.Egress && e.RuleNumber === 20)).toMatchObject({
      CidrBlock: "192.0.2.0/24",
      RuleAction: "allow",
    });
    await expectError(
      ec2.send(new ReplaceNetworkAclEntryCommand(entry(21, "192.0.2.0/24"))),
      "InvalidNetworkAclEntry.NotFound",
    );
  });

  it("deletes an entry once; the second delete is InvalidNetworkAclEntry.NotFound", async () => {
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: DATA_ACL, RuleNumber: 20, Egress: false }));
    await expectError(
      ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: DATA_ACL, RuleNumber: 20, Egress: false })),
      "InvalidNetworkAclEntry.NotFound",
    );
    await expectError(
      ec2.send(
        new DeleteNetworkAclEntryCommand({ NetworkAclId: "acl-0fffffffffffffff3", RuleNumber: 20, Egress: false }),
      ),
      "InvalidNetworkAclID.NotFound",
    );
  });

  it("enforces the per-direction, per-family quota from the configuration", async () => {
    sandbox.control.setConfig({ naclEntryQuota: 4 });
    try {
      const acl = await defaultAcl(PROD);
      const id = acl.NetworkAclId as string;
      // Ingress IPv4 holds rule 100 already: three more fit, the fourth does not.
      for (const n of [1, 2, 3]) {
        await ec2.send(new CreateNetworkAclEntryCommand({ ...entry(n, `198.51.100.${n}/32`), NetworkAclId: id }));
      }
      await expectError(
        ec2.send(new CreateNetworkAclEntryCommand({ ...entry(4, "198.51.100.4/32"), NetworkAclId: id })),
        "NetworkAclEntryLimitExceeded",
      );
      // Egress and IPv6 are counted separately.
      await ec2.send(
        new CreateNetworkAclEntryCommand({ ...entry(4, "198.51.100.4/32", { Egress: true }), NetworkAclId: id }),
      );
      await ec2.send(
        new CreateNetworkAclEntryCommand({
          ...entry(5, "", { CidrBlock: undefined, Ipv6CidrBlock: "2001:db8::/48" }),
          NetworkAclId: id,
        }),
      );
    } finally {
      sandbox.control.setConfig({ naclEntryQuota: 20 });
    }
  });
});

describe("flow logs", () => {
  const BUCKET = "cats-eyes-flow-logs";
  const destination = `arn:aws:s3:::${BUCKET}/flow/`;
  const deliveryPolicy = (resource: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AWSLogDeliveryWrite",
          Effect: "Allow",
          Principal: { Service: "delivery.logs.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: resource,
          Condition: {
            StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": ACCOUNT },
            ArnLike: { "aws:SourceArn": `arn:aws:logs:${REGION}:${ACCOUNT}:*` },
          },
        },
      ],
    });
  const create = (extra: Record<string, unknown> = {}) =>
    ec2.send(
      new CreateFlowLogsCommand({
        ResourceIds: [PROD],
        ResourceType: "VPC",
        TrafficType: "REJECT",
        LogDestinationType: "s3",
        LogDestination: destination,
        ...extra,
      }),
    );

  it("takes at most 1,000 resource ids per CreateFlowLogs call and 1,000 flow log ids per DeleteFlowLogs, as AWS", async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `vpc-${String(i).padStart(17, "0")}`);
    await expect(create({ ResourceIds: ids(1001) })).rejects.toMatchObject({ name: "InvalidParameterValue" });
    const r = await create({ ResourceIds: ids(1000) });
    expect(r.$metadata.httpStatusCode).toBe(200);
    await expect(
      ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: ids(1001).map((v) => v.replace("vpc-", "fl-")) })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
  });

  it("reports an unknown bucket in Unsuccessful with HTTP 200", async () => {
    const r = await create();
    expect(r.$metadata.httpStatusCode).toBe(200);
    expect(r.FlowLogIds).toEqual([]);
    expect(r.Unsuccessful).toEqual([
      { ResourceId: PROD, Error: { Code: "400", Message: `LogDestination: ${BUCKET} does not exist` } },
    ]);
  });

  let flowLogId = "";
  it("creates a flow log whose delivery FAILS while the bucket policy does not allow log delivery", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const r = await create({
      TagSpecifications: [{ ResourceType: "vpc-flow-log", Tags: [{ Key: "managed-by", Value: "cordon" }] }],
      MaxAggregationInterval: 60,
    });
    expect(r.Unsuccessful).toEqual([]);
    flowLogId = r.FlowLogIds?.[0] as string;
    expect(flowLogId).toMatch(/^fl-[0-9a-f]{17}$/);
    const d = await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [flowLogId] }));
    expect(d.FlowLogs?.[0]).toMatchObject({
      FlowLogId: flowLogId,
      FlowLogStatus: "ACTIVE",
      ResourceId: PROD,
      TrafficType: "REJECT",
      LogDestinationType: "s3",
      LogDestination: destination,
      MaxAggregationInterval: 60,
      DeliverLogsStatus: "FAILED",
      DeliverLogsErrorMessage: "Access error",
      DestinationOptions: { FileFormat: "plain-text", HiveCompatiblePartitions: false, PerHourPartition: false },
      Tags: [{ Key: "managed-by", Value: "cordon" }],
    });
    expect(d.FlowLogs?.[0]?.LogFormat).toMatch(/^\$\{version\} \$\{account-id\} .* \$\{log-status\}$/);
    expect(d.FlowLogs?.[0]?.CreationTime).toBeInstanceOf(Date);
  });

  const policies = [
    {
      reason: "a grant on another prefix",
      resource: `arn:aws:s3:::${BUCKET}/other/AWSLogs/${ACCOUNT}/*`,
      status: "FAILED",
    },
    {
      reason: "a grant for another account",
      resource: `arn:aws:s3:::${BUCKET}/flow/AWSLogs/444455556666/*`,
      status: "FAILED",
    },
    {
      reason: "the documented grant under the subfolder",
      resource: `arn:aws:s3:::${BUCKET}/flow/AWSLogs/${ACCOUNT}/*`,
      status: "SUCCESS",
    },
  ];
  for (const p of policies) {
    it(`delivery is ${p.status} with ${p.reason}`, async () => {
      await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: deliveryPolicy(p.resource) }));
      const d = await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [flowLogId] }));
      expect(d.FlowLogs?.[0]?.DeliverLogsStatus).toBe(p.status);
      const filtered = await ec2.send(
        new DescribeFlowLogsCommand({ Filter: [{ Name: "deliver-log-status", Values: [p.status] }] }),
      );
      expect(filtered.FlowLogs?.map((f) => f.FlowLogId)).toContain(flowLogId);
    });
  }

  it("checks the Hive-compatible prefix for Hive partitions", async () => {
    // A second flow log to the same destination beside the first: only under the per-config rule.
    sandbox.control.setConfig({ flowLogRule: "per-config" });
    const r = await create({
      TrafficType: "ALL",
      DestinationOptions: { FileFormat: "parquet", HiveCompatiblePartitions: true, PerHourPartition: true },
    });
    const id = r.FlowLogIds?.[0] as string;
    const status = async () =>
      (await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }))).FlowLogs?.[0]?.DeliverLogsStatus;
    expect(await status()).toBe("FAILED"); // the policy grants AWSLogs/<account>/*, not aws-account-id=<account>
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: deliveryPolicy(`arn:aws:s3:::${BUCKET}/flow/AWSLogs/aws-account-id=${ACCOUNT}/*`),
      }),
    );
    expect(await status()).toBe("SUCCESS");
    const d = await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }));
    expect(d.FlowLogs?.[0]?.DestinationOptions).toEqual({
      FileFormat: "parquet",
      HiveCompatiblePartitions: true,
      PerHourPartition: true,
    });
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [id] }));
    sandbox.control.setConfig({ flowLogRule: "strict" });
  });

  const refusal = {
    Code: "FlowLogAlreadyExists",
    Message: "Error. There is an existing Flow Log with the same configuration and log destination.",
  };

  it("strict rule (default): refuses any second flow log to the same destination, in Unsuccessful", async () => {
    expect(sandbox.control.config().flowLogRule).toBe("strict");
    const same = await create({ MaxAggregationInterval: 60 });
    expect(same.FlowLogIds).toEqual([]);
    expect(same.Unsuccessful).toEqual([{ ResourceId: PROD, Error: refusal }]);
    // Other settings, same resource and destination: refused all the same.
    const other = await create({ TrafficType: "ALL", MaxAggregationInterval: 600 });
    expect(other.FlowLogIds).toEqual([]);
    expect(other.Unsuccessful).toEqual([{ ResourceId: PROD, Error: refusal }]);
    // Another destination: allowed beside the first.
    const elsewhere = await create({ TrafficType: "ALL", LogDestination: `arn:aws:s3:::${BUCKET}/other/` });
    expect(elsewhere.FlowLogIds).toHaveLength(1);
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: elsewhere.FlowLogIds }));
  });

  it("per-config rule: refuses only a second flow log with every setting equal", async () => {
    sandbox.control.setConfig({ flowLogRule: "per-config" });
    try {
      const r = await create({ MaxAggregationInterval: 60 });
      expect(r.FlowLogIds).toEqual([]);
      expect(r.Unsuccessful).toEqual([{ ResourceId: PROD, Error: refusal }]);
      // A different traffic type is a different configuration: allowed beside the first.
      const other = await create({ TrafficType: "ALL", MaxAggregationInterval: 60 });
      expect(other.FlowLogIds).toHaveLength(1);
      await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: other.FlowLogIds }));
    } finally {
      sandbox.control.setConfig({ flowLogRule: "strict" });
    }
  });

  it("rejects an unknown flow-log rule in the configuration", () => {
    expect(() => sandbox.control.setConfig({ flowLogRule: "lenient" as "strict" })).toThrow(
      "config: flowLogRule must be one of strict, per-config",
    );
  });

  it("returns the same answer for a repeated ClientToken", async () => {
    const dest = { LogDestination: `arn:aws:s3:::${BUCKET}/tokens/` };
    const a = await create({ TrafficType: "ACCEPT", ClientToken: "token-1", ...dest });
    const b = await create({ TrafficType: "ACCEPT", ClientToken: "token-1", ...dest });
    expect(a.FlowLogIds).toHaveLength(1);
    expect(b.FlowLogIds).toEqual(a.FlowLogIds);
    expect(b.ClientToken).toBe("token-1");
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: a.FlowLogIds }));
  });

  const invalid = [
    {
      reason: "CloudWatch Logs destinations",
      input: { LogDestinationType: "cloud-watch-logs", LogDestination: undefined, LogGroupName: "g" },
      code: "InvalidParameterValue",
    },
    {
      reason: "the reserved AWSLogs subfolder",
      input: { LogDestination: `arn:aws:s3:::${BUCKET}/AWSLogs/` },
      code: "InvalidParameterValue",
    },
    {
      reason: "an aggregation interval other than 60/600",
      input: { MaxAggregationInterval: 120 },
      code: "InvalidParameterValue",
    },
    {
      reason: "an unknown log format field",
      input: { LogFormat: ["version", "nonsense"].map((f) => "$" + `{${f}}`).join(" ") },
      code: "InvalidParameterValue",
    },
    { reason: "a missing traffic type", input: { TrafficType: undefined }, code: "MissingParameter" },
  ];
  for (const c of invalid) {
    it(`rejects ${c.reason} (${c.code})`, async () => {
      await expectError(create(c.input), c.code, 400);
    });
  }

  it("reports an unknown VPC per resource and keeps creating the others", async () => {
    const r = await create({ ResourceIds: ["vpc-0fffffffffffffff4", STAGING], TrafficType: "ALL" });
    expect(r.FlowLogIds).toHaveLength(1);
    expect(r.Unsuccessful?.[0]).toMatchObject({
      ResourceId: "vpc-0fffffffffffffff4",
      Error: { Code: "InvalidVpcID.NotFound" },
    });
    const byResource = await ec2.send(
      new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: [STAGING] }] }),
    );
    expect(byResource.FlowLogs?.map((f) => f.FlowLogId)).toEqual(r.FlowLogIds);
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: r.FlowLogIds }));
  });

  it("deletes flow logs; an unknown id comes back in Unsuccessful as InvalidFlowLogId.NotFound", async () => {
    const r = await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [flowLogId, "fl-0fffffffffffffff5"] }));
    expect(r.Unsuccessful).toEqual([
      {
        ResourceId: "fl-0fffffffffffffff5",
        Error: { Code: "InvalidFlowLogId.NotFound", Message: "Flow log ID 'fl-0fffffffffffffff5' does not exist" },
      },
    ]);
    const d = await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [flowLogId] }));
    expect(d.FlowLogs).toEqual([]);
  });

  it("paginates DescribeFlowLogs", async () => {
    const subnets = ["subnet-0b000000000000001", "subnet-0b000000000000002", "subnet-0b000000000000003"];
    const r = await ec2.send(
      new CreateFlowLogsCommand({
        ResourceIds: subnets,
        ResourceType: "Subnet",
        TrafficType: "ALL",
        LogDestinationType: "s3",
        LogDestination: `arn:aws:s3:::${BUCKET}`,
      }),
    );
    expect(r.FlowLogIds).toHaveLength(3);
    const p1 = await ec2.send(
      new DescribeFlowLogsCommand({ MaxResults: 2, Filter: [{ Name: "resource-id", Values: subnets }] }),
    );
    expect(p1.FlowLogs).toHaveLength(2);
    const p2 = await ec2.send(
      new DescribeFlowLogsCommand({
        MaxResults: 2,
        NextToken: p1.NextToken,
        Filter: [{ Name: "resource-id", Values: subnets }],
      }),
    );
    expect(p2.FlowLogs).toHaveLength(1);
    expect(p2.NextToken).toBeUndefined();
  });

  it("a bucket of another account: CreateFlowLogs is refused until its policy admits the source account and region", async () => {
    const ARCHIVE = "999988887777"; // a 12-digit key id is that account's caller
    const archiveS3 = s3Client(sandbox.url, { key: ARCHIVE });
    const central = "central-archive-flow-logs";
    await archiveS3.send(new CreateBucketCommand({ Bucket: central }));
    const createCentral = () => create({ ResourceIds: [STAGING], LogDestination: `arn:aws:s3:::${central}/org/` });
    const grant = (account: string, region: string) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AWSLogDeliveryWrite",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `arn:aws:s3:::${central}/org/AWSLogs/${account}/*`,
            Condition: {
              StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": [account] },
              ArnLike: { "aws:SourceArn": [`arn:aws:logs:${region}:${account}:*`] },
            },
          },
        ],
      });
    const denied = {
      ResourceId: STAGING,
      Error: {
        Code: "400",
        Message: `Access Denied for LogDestination: ${central}. Please check LogDestination permission.`,
      },
    };
    // No policy; then one for another source account; then one for this account in another region.
    expect((await createCentral()).Unsuccessful).toEqual([denied]);
    await archiveS3.send(new PutBucketPolicyCommand({ Bucket: central, Policy: grant("222233334444", REGION) }));
    expect((await createCentral()).Unsuccessful).toEqual([denied]);
    await archiveS3.send(new PutBucketPolicyCommand({ Bucket: central, Policy: grant(ACCOUNT, "us-east-1") }));
    expect((await createCentral()).Unsuccessful).toEqual([denied]);
    await archiveS3.send(new PutBucketPolicyCommand({ Bucket: central, Policy: grant(ACCOUNT, REGION) }));
    const ok = await createCentral();
    expect(ok.Unsuccessful).toEqual([]);
    const id = ok.FlowLogIds?.[0] as string;
    const d = await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }));
    expect(d.FlowLogs?.[0]?.DeliverLogsStatus).toBe("SUCCESS");
    // The grant dropped afterwards: the flow log stays, its delivery fails.
    await archiveS3.send(new PutBucketPolicyCommand({ Bucket: central, Policy: grant("222233334444", REGION) }));
    const after = await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }));
    expect(after.FlowLogs?.[0]).toMatchObject({ DeliverLogsStatus: "FAILED", DeliverLogsErrorMessage: "Access error" });
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [id] }));
  });
});

describe("tags", () => {
  it("adds, overwrites and deletes tags on any modelled resource", async () => {
    await ec2.send(
      new CreateTagsCommand({ Resources: [DATA_ACL, PROD], Tags: [{ Key: "cordon:managed", Value: "10-19" }] }),
    );
    await ec2.send(
      new CreateTagsCommand({
        Resources: [DATA_ACL],
        Tags: [
          { Key: "cordon:managed", Value: "10-29" },
          { Key: "empty", Value: "" },
        ],
      }),
    );
    let acl = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [DATA_ACL] }));
    expect(acl.NetworkAcls?.[0]?.Tags).toEqual([
      { Key: "Name", Value: "data-acl" },
      { Key: "cordon:managed", Value: "10-29" },
      { Key: "empty", Value: "" },
    ]);
    // A value that does not match leaves the tag; a key alone deletes it.
    await ec2.send(
      new DeleteTagsCommand({
        Resources: [DATA_ACL],
        Tags: [{ Key: "cordon:managed", Value: "other" }, { Key: "empty" }],
      }),
    );
    acl = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [DATA_ACL] }));
    expect(acl.NetworkAcls?.[0]?.Tags?.map((t) => t.Key)).toEqual(["Name", "cordon:managed"]);
    const vpcs = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "tag:cordon:managed", Values: ["10-19"] }] }),
    );
    expect(vpcs.Vpcs?.map((v) => v.VpcId)).toEqual([PROD]);
  });

  it("names the missing resource", async () => {
    await expectError(
      ec2.send(new CreateTagsCommand({ Resources: ["subnet-0fffffffffffffff6"], Tags: [{ Key: "a", Value: "b" }] })),
      "InvalidSubnetID.NotFound",
    );
    await expectError(
      ec2.send(new CreateTagsCommand({ Resources: ["fl-0fffffffffffffff7"], Tags: [{ Key: "a", Value: "b" }] })),
      "InvalidFlowLogId.NotFound",
    );
    await expectError(
      ec2.send(new CreateTagsCommand({ Resources: [PROD], Tags: [{ Key: "aws:x", Value: "b" }] })),
      "InvalidParameterValue",
    );
  });

  it("answers DryRun with DryRunOperation", async () => {
    await expectError(ec2.send(new DescribeVpcsCommand({ DryRun: true })), "DryRunOperation", 412);
  });
});
