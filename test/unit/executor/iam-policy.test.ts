// The policy generator (src/executor/iam-policy.ts) and its renderers: scoping by the policies'
// names, every target's account and region, the actions AWS requires beyond Cordon's own calls,
// read-only commands, trust policies and the CloudFormation / Terraform forms.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PORT_IAM } from "../../../src/aws/iam-calls.js";
import {
  githubTrustPolicy,
  type IamPolicyDocument,
  identityPolicy,
  policyActions,
} from "../../../src/executor/iam-policy.js";
import { loadValidPolicies } from "../../../src/executor/pipeline.js";
import { renderIam } from "../../../src/render/iam.js";

const tmp = mkdtempSync(join(tmpdir(), "cordon-iam-unit-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function load(...docs: string[]) {
  const dir = join(tmp, `p${++n}`);
  mkdirSync(dir);
  for (const [i, d] of docs.entries()) writeFileSync(join(dir, `p${i}.yaml`), d);
  return loadValidPolicies([dir], "2026-12-01").policies;
}

const policy = (name: string, account: string, region: string, body: string, target = "") => `apiVersion: cordon.dev/v1
kind: Policy
metadata:
  name: ${name}
target:
  account: "${account}"
  region: ${region}
${target}${body}`;

const flowLogs = (bucket: string, fields = "default") => `flowLogs:
  bucket:
    name: ${bucket}
  vpcs:
    all: true
  fields: ${fields}
`;

const resourcesOf = (doc: IamPolicyDocument, action: string): string[] =>
  doc.Statement.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);

const readActions = new Set(
  Object.values(PORT_IAM).flatMap((t) =>
    Object.values(t).flatMap((c) => (c.access === "read" ? c.needs.map((x) => x.action) : [])),
  ),
);

describe("cordon iam: the identity policy", () => {
  it("covers every target's account and region, each bucket by name", () => {
    const ps = load(
      policy("a", "111111111111", "eu-west-1", flowLogs("bucket-a")),
      policy("b", "222222222222", "us-east-2", flowLogs("bucket-b")),
    );
    const doc = identityPolicy("apply", ps);
    expect(resourcesOf(doc, "ec2:CreateFlowLogs").sort()).toEqual([
      "arn:aws:ec2:eu-west-1:111111111111:vpc-flow-log/*",
      "arn:aws:ec2:eu-west-1:111111111111:vpc/*",
      "arn:aws:ec2:us-east-2:222222222222:vpc-flow-log/*",
      "arn:aws:ec2:us-east-2:222222222222:vpc/*",
    ]);
    expect(resourcesOf(doc, "s3:PutBucketPolicy").sort()).toEqual(["arn:aws:s3:::bucket-a", "arn:aws:s3:::bucket-b"]);
    expect(resourcesOf(doc, "s3:PutObject").sort()).toEqual([
      "arn:aws:s3:::bucket-a/cordon/*",
      "arn:aws:s3:::bucket-b/cordon/*",
    ]);
    expect(policyActions(doc)).toEqual(expect.arrayContaining(["logs:CreateLogDelivery", "logs:DeleteLogDelivery"]));
    expect(policyActions(doc)).not.toContain("iam:PassRole");
    expect(policyActions(doc).some((a) => a.startsWith("ecs:"))).toBe(false);
  });

  it("plan and drift only read; drift adds the applied record; apply and watch are the same", () => {
    const ps = load(policy("a", "111111111111", "eu-west-1", flowLogs("bucket-a")));
    const plan = policyActions(identityPolicy("plan", ps));
    const drift = policyActions(identityPolicy("drift", ps));
    for (const a of [...plan, ...drift]) expect(readActions).toContain(a);
    expect(drift.filter((a) => !plan.includes(a))).toEqual(["s3:GetObject"]);
    expect(identityPolicy("watch", ps)).toEqual(identityPolicy("apply", ps));
    expect(plan).not.toContain("ec2:CreateFlowLogs");
  });

  it("asks for ecs:* only when the format has ecs-* fields, and sts:AssumeRole for roleArn targets", () => {
    const ps = load(
      policy(
        "a",
        "111111111111",
        "eu-west-1",
        flowLogs("bucket-a", "[srcaddr, dstaddr, ecs-cluster-name]"),
        '  roleArn: "arn:aws:iam::111111111111:role/cordon-apply"\n',
      ),
    );
    const doc = identityPolicy("apply", ps);
    expect(policyActions(doc)).toEqual(expect.arrayContaining(["ecs:ListClusters", "ecs:DescribeTasks"]));
    expect(policyActions(identityPolicy("plan", ps)).some((a) => a.startsWith("ecs:"))).toBe(false);
    expect(doc.Statement.find((s) => s.Sid === "AssumeTargetRoles")).toEqual({
      Sid: "AssumeTargetRoles",
      Effect: "Allow",
      Action: ["sts:AssumeRole"],
      Resource: ["arn:aws:iam::111111111111:role/cordon-apply"],
    });
  });

  it("scopes NACL entry writes to Cordon's band tag, and to the VPCs a policy names", () => {
    const nacl = (vpcs: string) => `blockedAddresses:
  networkAcls:
    vpcs:
${vpcs}    ruleNumbers: { first: 10, last: 19 }
  entries:
    - cidr: 198.51.100.7
      reason: test
`;
    const byId = identityPolicy(
      "apply",
      load(policy("a", "111111111111", "eu-west-1", nacl("      ids: [vpc-0a1b2c3d]\n"))),
    );
    const st = byId.Statement.find((s) => s.Action.includes("ec2:CreateNetworkAclEntry"));
    expect(st?.Resource).toEqual(["arn:aws:ec2:eu-west-1:111111111111:network-acl/*"]);
    expect(st?.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/cordon:nacl-band": ["10-19"] },
      ArnEquals: { "ec2:Vpc": ["arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-0a1b2c3d"] },
    });
    const byTag = identityPolicy(
      "apply",
      load(policy("a", "111111111111", "eu-west-1", nacl("      tags: { env: prod }\n"))),
    );
    expect(byTag.Statement.find((s) => s.Action.includes("ec2:CreateNetworkAclEntry"))?.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/cordon:nacl-band": ["10-19"] },
    });
  });

  it("names web ACLs, their IP sets and the load balancers; association needs elasticloadbalancing:SetWebAcl", () => {
    const ps = load(
      policy(
        "a",
        "111111111111",
        "eu-west-1",
        `blockedAddresses:
  webAcl: true
  entries:
    - cidr: 198.51.100.7
      reason: test
webAcl:
  name: edge
  loadBalancers:
    names: [alb-1]
`,
      ),
    );
    const doc = identityPolicy("apply", ps);
    expect(resourcesOf(doc, "wafv2:CreateIPSet").sort()).toEqual([
      "arn:aws:wafv2:eu-west-1:111111111111:regional/ipset/edge-blocked-ipv4/*",
      "arn:aws:wafv2:eu-west-1:111111111111:regional/ipset/edge-blocked-ipv6/*",
    ]);
    expect(resourcesOf(doc, "wafv2:UpdateWebACL")).toContain(
      "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/edge/*",
    );
    expect(resourcesOf(doc, "elasticloadbalancing:SetWebAcl")).toEqual([
      "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/alb-1/*",
    ]);
  });
});

describe("cordon iam: trust policies and formats", () => {
  it("trusts GitHub's OIDC provider for the environments, or (read-only) pull requests, the branch and its queue", () => {
    const apply = githubTrustPolicy({
      repo: "acme/net",
      account: "111111111111",
      environments: ["cordon-apply", "cordon-apply-approval"],
    });
    const applyCondition = (apply as { Statement: { Condition: Record<string, Record<string, unknown>> }[] })
      .Statement[0]!.Condition;
    expect(applyCondition["StringEquals"]!["token.actions.githubusercontent.com:sub"]).toEqual([
      "repo:acme/net:environment:cordon-apply",
      "repo:acme/net:environment:cordon-apply-approval",
    ]);
    // No wildcard and no branch subject for a role that writes: no other job on main can assume it.
    expect(applyCondition["StringLike"]).toBeUndefined();
    expect(JSON.stringify(apply)).not.toContain("refs/heads");
    expect(JSON.stringify(apply)).toContain('"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"');
    expect(JSON.stringify(apply)).toContain(
      "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
    );
    const plan = githubTrustPolicy({ repo: "acme/net", account: "111111111111", branch: "trunk" });
    const planCondition = (plan as { Statement: { Condition: Record<string, Record<string, unknown>> }[] })
      .Statement[0]!.Condition;
    expect(planCondition["StringLike"]!["token.actions.githubusercontent.com:sub"]).toEqual([
      "repo:acme/net:pull_request",
      "repo:acme/net:ref:refs/heads/trunk",
      "repo:acme/net:ref:refs/heads/gh-readonly-queue/trunk/*",
    ]);
  });

  it("renders CloudFormation and Terraform holding the same documents", () => {
    const identity = identityPolicy("plan", load(policy("a", "111111111111", "eu-west-1", flowLogs("bucket-a"))));
    const trust = { "111111111111": githubTrustPolicy({ repo: "acme/net", account: "111111111111" }) };
    const cfn = JSON.parse(renderIam({ command: "plan", identity }, "cloudformation"));
    expect(cfn.Resources.CordonPlanPolicy).toEqual({
      Type: "AWS::IAM::ManagedPolicy",
      Properties: { ManagedPolicyName: "cordon-plan", PolicyDocument: identity },
    });
    const role = JSON.parse(renderIam({ command: "plan", identity, trust }, "cloudformation")).Resources.CordonPlanRole;
    expect(role.Properties.AssumeRolePolicyDocument).toEqual(trust["111111111111"]);
    expect(role.Properties.Policies[0].PolicyDocument).toEqual(identity);
    const tf = renderIam({ command: "plan", identity, trust }, "terraform");
    expect(tf).toContain('resource "aws_iam_policy" "cordon_plan"');
    expect(tf).toContain('resource "aws_iam_role" "cordon_plan"');
    const heredoc = /policy = <<-EOT\n([\s\S]*?)\n {2}EOT/.exec(tf);
    expect(JSON.parse(heredoc?.[1] ?? "")).toEqual(identity);
  });
});
