// The sandbox's IAM: identity policies evaluated per request as IAM does (action, resource ARN,
// condition keys, wildcards, explicit Deny), and access-denied errors in each service's shape.
import { CreateNetworkAclEntryCommand, CreateTagsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { GetDatabaseCommand } from "@aws-sdk/client-glue";
import { CreateBucketCommand, GetObjectCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import { ListWebACLsCommand } from "@aws-sdk/client-wafv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateIdentity } from "../src/iam.js";
import type { SandboxHandle } from "../src/server.js";
import { clients, ESTATE, withSandbox } from "./helpers.js";
import { expectError, glueClient, s3Client, wafClient } from "./sdk-helpers.js";

const KEY = "AKIAIAMTEST000000001";
const ACL = "acl-0c000000000000001";

describe("evaluateIdentity", () => {
  const check = { action: "ec2:DescribeVpcs", resource: "*" };
  it("allows on a matching Allow, wildcards in actions (case-insensitive) and resources", () => {
    expect(evaluateIdentity({ Statement: [{ Effect: "Allow", Action: "EC2:describe*", Resource: "*" }] }, check)).toBe(
      "allow",
    );
    const s3 = { action: "s3:GetObject", resource: "arn:aws:s3:::b/cordon/locks/x.json" };
    expect(
      evaluateIdentity({ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/cordon/*" }] }, s3),
    ).toBe("allow");
    expect(
      evaluateIdentity({ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::c/*" }] }, s3),
    ).toBe("implicit-deny");
  });
  it("an explicit Deny wins over any Allow; NotAction matches everything else", () => {
    const doc = {
      Statement: [
        { Effect: "Allow", Action: "*", Resource: "*" },
        { Effect: "Deny", NotAction: "ec2:Describe*", Resource: "*" },
      ],
    };
    expect(evaluateIdentity(doc, check)).toBe("allow");
    expect(evaluateIdentity(doc, { action: "ec2:CreateTags", resource: "*" })).toBe("explicit-deny");
  });
  it("conditions on resource tags and ARNs", () => {
    const doc = {
      Statement: [
        {
          Effect: "Allow",
          Action: "ec2:CreateNetworkAclEntry",
          Resource: "*",
          Condition: {
            StringEquals: { "aws:ResourceTag/cordon:nacl-band": "1-99" },
            ArnEquals: { "ec2:Vpc": "arn:aws:ec2:eu-west-1:1:vpc/vpc-1" },
          },
        },
      ],
    };
    const c = { action: "ec2:CreateNetworkAclEntry", resource: "arn:aws:ec2:eu-west-1:1:network-acl/acl-1" };
    const ok = { "aws:ResourceTag/cordon:nacl-band": "1-99", "ec2:Vpc": "arn:aws:ec2:eu-west-1:1:vpc/vpc-1" };
    expect(evaluateIdentity(doc, { ...c, context: ok })).toBe("allow");
    expect(evaluateIdentity(doc, { ...c, context: { ...ok, "ec2:Vpc": "arn:aws:ec2:eu-west-1:1:vpc/vpc-2" } })).toBe(
      "implicit-deny",
    );
    expect(evaluateIdentity(doc, { ...c, context: { "ec2:Vpc": ok["ec2:Vpc"] } })).toBe("implicit-deny");
  });
});

describe("requests under an identity policy", () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await withSandbox({
      seed: ESTATE,
      iamPolicies: {
        [KEY]: {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["ec2:DescribeVpcs"], Resource: "*" },
            {
              Effect: "Allow",
              Action: "ec2:CreateNetworkAclEntry",
              Resource: "arn:aws:ec2:eu-west-1:*:network-acl/*",
              Condition: { StringEquals: { "aws:ResourceTag/cordon:nacl-band": "1-99" } },
            },
            { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::allowed-*" },
            { Effect: "Deny", Action: "s3:GetObject", Resource: "*" },
          ],
        },
      },
    });
    await s3Client(sandbox.url).send(
      new CreateBucketCommand({
        Bucket: "other-bucket",
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it("EC2: UnauthorizedOperation naming the action and the resource; a tag condition decides", async () => {
    const { ec2 } = clients(sandbox, { accessKeyId: KEY });
    await ec2.send(new DescribeVpcsCommand({}));
    const entry = new CreateNetworkAclEntryCommand({
      NetworkAclId: ACL,
      RuleNumber: 5,
      Egress: true,
      Protocol: "-1",
      RuleAction: "deny",
      CidrBlock: "203.0.113.9/32",
    });
    const e = await expectError(ec2.send(entry), "UnauthorizedOperation", 403);
    expect(e.message).toContain(
      `ec2:CreateNetworkAclEntry on resource: arn:aws:ec2:eu-west-1:111122223333:network-acl/${ACL}`,
    );
    await clients(sandbox).ec2.send(
      new CreateTagsCommand({ Resources: [ACL], Tags: [{ Key: "cordon:nacl-band", Value: "1-99" }] }),
    );
    await ec2.send(entry);
    expect(sandbox.control.requests().at(-1)?.iamActions).toEqual(["ec2:CreateNetworkAclEntry"]);
  });

  it("S3: AccessDenied by resource; HEAD is a bare 403; an explicit Deny wins", async () => {
    const s3 = s3Client(sandbox.url, { key: KEY });
    const e = await expectError(s3.send(new CreateBucketCommand({ Bucket: "other-bucket-2" })), "AccessDenied", 403);
    expect(e.message).toContain("s3:CreateBucket on resource: arn:aws:s3:::other-bucket-2");
    // No body: the SDK has only the status (this SDK version names the error "Unknown").
    const head = await expectError(s3.send(new HeadBucketCommand({ Bucket: "other-bucket" })), "Unknown", 403);
    expect(head.message).not.toContain("s3:");
    const denied = await expectError(
      s3.send(new GetObjectCommand({ Bucket: "allowed-x", Key: "k" })),
      "AccessDenied",
      403,
    );
    expect(denied.message).toContain("with an explicit deny");
  });

  it("WAFv2 and Glue: AccessDeniedException naming the action", async () => {
    const waf = await expectError(
      wafClient(sandbox.url, { key: KEY }).send(new ListWebACLsCommand({ Scope: "REGIONAL" })),
      "AccessDeniedException",
    );
    expect(waf.message).toContain("wafv2:ListWebACLs");
    const glue = await expectError(
      glueClient(sandbox.url, { key: KEY }).send(new GetDatabaseCommand({ Name: "db" })),
      "AccessDeniedException",
    );
    expect(glue.message).toContain("glue:GetDatabase on resource: arn:aws:glue:eu-west-1:111122223333:catalog");
  });

  it("a key without a policy may still do everything; the control API sets and removes policies", async () => {
    await clients(sandbox).ec2.send(new DescribeVpcsCommand({}));
    sandbox.control.setIamPolicy("AKIAOTHER00000000001", { Statement: [] });
    await expectError(
      clients(sandbox, { accessKeyId: "AKIAOTHER00000000001" }).ec2.send(new DescribeVpcsCommand({})),
      "UnauthorizedOperation",
    );
    sandbox.control.setIamPolicy("AKIAOTHER00000000001", null);
    await clients(sandbox, { accessKeyId: "AKIAOTHER00000000001" }).ec2.send(new DescribeVpcsCommand({}));
  });
});
