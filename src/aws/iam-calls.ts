// What IAM allows each AWS call of the ports (src/aws/ports.ts): the action(s) AWS checks, on which
// resource types, and whether the call only reads. Declared once, beside the ports and typed
// against them, so a port method without a declaration does not compile. `cordon iam` builds its
// policies from these declarations and from the call sets the kind descriptors, the inventory and
// the executor declare (docs/iam.md); the adapters name the action in access-denied errors.
// Actions, resource types and the extra actions AWS requires are those of the Service
// Authorization Reference, as recorded in docs/aws-behaviour.md, "IAM".
import type { AthenaPort, Ec2Port, ElbPort, GluePort, S3Port, StsPort, TargetPorts, WafPort } from "./ports.js";

export type Access = "read" | "write";

/**
 * A resource type as the generator scopes it (docs/iam.md, "What is scoped how"):
 * - "*": the action has no resource-level permissions;
 * - s3:bucket / s3:records: the policies' buckets, Cordon's records (cordon/*) in the state bucket;
 *   for `cordon query` and `cordon investigate`, the buckets of the policies' Athena tables, listed
 *   only under the tables' locations (an s3:prefix condition);
 * - s3:logs: the flow-log objects under the tables' locations (s3://BUCKET[/PREFIX]/AWSLogs/);
 * - s3:results-bucket / s3:results: the bucket of the Athena output location, and the objects
 *   under it;
 * - athena:workgroup: the workgroup the queries run in;
 * - ec2:vpc / ec2:vpc-flow-log / ec2:network-acl: every one of the target (ids are chosen by
 *   selectors at plan time); ec2:network-acl-band adds the condition that the ACL carries the
 *   band tag of a policy (and is in one of its VPCs when the policy names VPC ids);
 * - wafv2:webacl / wafv2:ipset: by the policies' names; wafv2:any-webacl, wafv2:any-ipset: every one;
 * - elasticloadbalancing:alb: the selected load balancers by name (every ALB when selected by tag);
 *   elasticloadbalancing:any-alb: every ALB of the target;
 * - glue:catalog / glue:database / glue:table: the target's catalog and the policies' names.
 */
export type IamResource =
  | "*"
  | "s3:bucket"
  | "s3:records"
  | "s3:logs"
  | "s3:results-bucket"
  | "s3:results"
  | "athena:workgroup"
  | "ec2:vpc"
  | "ec2:vpc-flow-log"
  | "ec2:network-acl"
  | "ec2:network-acl-band"
  | "wafv2:webacl"
  | "wafv2:any-webacl"
  | "wafv2:ipset"
  | "wafv2:any-ipset"
  | "elasticloadbalancing:alb"
  | "elasticloadbalancing:any-alb"
  | "glue:catalog"
  | "glue:database"
  | "glue:table";

/** Policy facts that add actions: a flow-log format with ecs-* fields. */
export type IamFact = "ecsFields";

export interface IamNeed {
  readonly action: string;
  readonly resources: readonly IamResource[];
  /** Only when the policies have this fact. */
  readonly when?: IamFact;
  /** Whether this action reads or writes, when not as the call does (what a service does for the caller). */
  readonly access?: Access;
}

export interface CallIam {
  /** The AWS operation, as the adapter names it. */
  readonly operation: string;
  readonly access: Access;
  /** Every action AWS checks for the call: its own first, then the ones AWS requires besides. */
  readonly needs: readonly IamNeed[];
}

const need = (action: string, ...resources: IamResource[]): IamNeed => ({ action, resources });
/** An action that reads, required by a call that writes. */
const reads = (action: string, ...resources: IamResource[]): IamNeed => ({ action, resources, access: "read" });
const read = (operation: string, ...needs: IamNeed[]): CallIam => ({ operation, access: "read", needs });
const write = (operation: string, ...needs: IamNeed[]): CallIam => ({ operation, access: "write", needs });

/** The ecs:* actions AWS requires of whoever creates a flow log with ecs-* fields. */
const ECS_FLOW_LOG_ACTIONS = [
  "ecs:ListClusters",
  "ecs:ListContainerInstances",
  "ecs:ListServices",
  "ecs:ListTaskDefinitions",
  "ecs:ListTasks",
  "ecs:DescribeClusters",
  "ecs:DescribeContainerInstances",
  "ecs:DescribeServices",
  "ecs:DescribeTaskDefinition",
  "ecs:DescribeTasks",
];

export const EC2_IAM: { readonly [M in keyof Ec2Port]: CallIam } = {
  describeVpcs: read("DescribeVpcs", need("ec2:DescribeVpcs", "*")),
  describeSubnets: read("DescribeSubnets", need("ec2:DescribeSubnets", "*")),
  describeFlowLogs: read("DescribeFlowLogs", need("ec2:DescribeFlowLogs", "*")),
  createFlowLogs: write(
    "CreateFlowLogs",
    need("ec2:CreateFlowLogs", "ec2:vpc", "ec2:vpc-flow-log"),
    // Tags given at creation (TagSpecifications) are authorised as ec2:CreateTags on the new flow log.
    need("ec2:CreateTags", "ec2:vpc-flow-log"),
    // An S3 destination: the log delivery is created (and on failure cleaned up) with the caller's rights.
    need("logs:CreateLogDelivery", "*"),
    need("logs:DeleteLogDelivery", "*"),
    ...ECS_FLOW_LOG_ACTIONS.map((action): IamNeed => ({ action, resources: ["*"], when: "ecsFields" })),
  ),
  deleteFlowLogs: write(
    "DeleteFlowLogs",
    need("ec2:DeleteFlowLogs", "ec2:vpc-flow-log"),
    need("logs:DeleteLogDelivery", "*"),
  ),
  createTags: write("CreateTags", need("ec2:CreateTags", "ec2:vpc-flow-log", "ec2:network-acl")),
  deleteTags: write("DeleteTags", need("ec2:DeleteTags", "ec2:vpc-flow-log", "ec2:network-acl")),
  describeNetworkAcls: read("DescribeNetworkAcls", need("ec2:DescribeNetworkAcls", "*")),
  createNetworkAclEntry: write("CreateNetworkAclEntry", need("ec2:CreateNetworkAclEntry", "ec2:network-acl-band")),
  replaceNetworkAclEntry: write("ReplaceNetworkAclEntry", need("ec2:ReplaceNetworkAclEntry", "ec2:network-acl-band")),
  deleteNetworkAclEntry: write("DeleteNetworkAclEntry", need("ec2:DeleteNetworkAclEntry", "ec2:network-acl-band")),
};

export const S3_IAM: { readonly [M in keyof S3Port]: CallIam } = {
  headBucket: read("HeadBucket", need("s3:ListBucket", "s3:bucket")),
  createBucket: write("CreateBucket", need("s3:CreateBucket", "s3:bucket")),
  getBucketPolicy: read("GetBucketPolicy", need("s3:GetBucketPolicy", "s3:bucket")),
  putBucketPolicy: write("PutBucketPolicy", need("s3:PutBucketPolicy", "s3:bucket")),
  deleteBucketPolicy: write("DeleteBucketPolicy", need("s3:DeleteBucketPolicy", "s3:bucket")),
  getBucketTagging: read("GetBucketTagging", need("s3:GetBucketTagging", "s3:bucket")),
  putBucketTagging: write("PutBucketTagging", need("s3:PutBucketTagging", "s3:bucket")),
  deleteBucketTagging: write("DeleteBucketTagging", need("s3:PutBucketTagging", "s3:bucket")),
  getPublicAccessBlock: read("GetPublicAccessBlock", need("s3:GetBucketPublicAccessBlock", "s3:bucket")),
  putPublicAccessBlock: write("PutPublicAccessBlock", need("s3:PutBucketPublicAccessBlock", "s3:bucket")),
  getBucketEncryption: read("GetBucketEncryption", need("s3:GetEncryptionConfiguration", "s3:bucket")),
  putBucketEncryption: write("PutBucketEncryption", need("s3:PutEncryptionConfiguration", "s3:bucket")),
  getBucketLifecycleConfiguration: read(
    "GetBucketLifecycleConfiguration",
    need("s3:GetLifecycleConfiguration", "s3:bucket"),
  ),
  putBucketLifecycleConfiguration: write(
    "PutBucketLifecycleConfiguration",
    need("s3:PutLifecycleConfiguration", "s3:bucket"),
  ),
  deleteBucketLifecycle: write("DeleteBucketLifecycle", need("s3:PutLifecycleConfiguration", "s3:bucket")),
  getObjectText: read("GetObject", need("s3:GetObject", "s3:records")),
  getObjectBytes: read("GetObject", need("s3:GetObject", "s3:logs")),
  putObject: write("PutObject", need("s3:PutObject", "s3:records")),
  deleteObject: write("DeleteObject", need("s3:DeleteObject", "s3:records")),
  listObjectsV2: read("ListObjectsV2", need("s3:ListBucket", "s3:bucket")),
};

export const GLUE_IAM: { readonly [M in keyof GluePort]: CallIam } = {
  getDatabase: read("GetDatabase", need("glue:GetDatabase", "glue:catalog", "glue:database")),
  createDatabase: write("CreateDatabase", need("glue:CreateDatabase", "glue:catalog", "glue:database")),
  updateDatabase: write("UpdateDatabase", need("glue:UpdateDatabase", "glue:catalog", "glue:database")),
  deleteDatabase: write("DeleteDatabase", need("glue:DeleteDatabase", "glue:catalog", "glue:database")),
  getTable: read("GetTable", need("glue:GetTable", "glue:catalog", "glue:database", "glue:table")),
  createTable: write("CreateTable", need("glue:CreateTable", "glue:catalog", "glue:database", "glue:table")),
  updateTable: write("UpdateTable", need("glue:UpdateTable", "glue:catalog", "glue:database", "glue:table")),
  deleteTable: write("DeleteTable", need("glue:DeleteTable", "glue:catalog", "glue:database", "glue:table")),
};

export const STS_IAM: { readonly [M in keyof StsPort]: CallIam } = {
  // GetCallerIdentity needs no permission (and works under an explicit deny).
  getCallerIdentity: read("GetCallerIdentity"),
};

export const WAF_IAM: { readonly [M in keyof WafPort]: CallIam } = {
  listWebACLs: read("ListWebACLs", need("wafv2:ListWebACLs", "wafv2:any-webacl")),
  getWebACL: read("GetWebACL", need("wafv2:GetWebACL", "wafv2:webacl")),
  createWebACL: write("CreateWebACL", need("wafv2:CreateWebACL", "wafv2:webacl", "wafv2:ipset")),
  updateWebACL: write("UpdateWebACL", need("wafv2:UpdateWebACL", "wafv2:webacl", "wafv2:ipset")),
  deleteWebACL: write("DeleteWebACL", need("wafv2:DeleteWebACL", "wafv2:webacl")),
  listIPSets: read("ListIPSets", need("wafv2:ListIPSets", "wafv2:any-ipset")),
  getIPSet: read("GetIPSet", need("wafv2:GetIPSet", "wafv2:ipset")),
  createIPSet: write("CreateIPSet", need("wafv2:CreateIPSet", "wafv2:ipset")),
  updateIPSet: write("UpdateIPSet", need("wafv2:UpdateIPSet", "wafv2:ipset")),
  deleteIPSet: write("DeleteIPSet", need("wafv2:DeleteIPSet", "wafv2:ipset")),
  associateWebACL: write(
    "AssociateWebACL",
    need("wafv2:AssociateWebACL", "wafv2:webacl", "elasticloadbalancing:alb"),
    need("elasticloadbalancing:SetWebAcl", "elasticloadbalancing:alb"),
  ),
  disassociateWebACL: write(
    "DisassociateWebACL",
    need("wafv2:DisassociateWebACL", "elasticloadbalancing:alb"),
    need("elasticloadbalancing:SetWebAcl", "elasticloadbalancing:alb"),
  ),
  // AWS also checks wafv2:GetWebACL on the web ACL it returns, which may be anyone's.
  getWebACLForResource: read(
    "GetWebACLForResource",
    need("wafv2:GetWebACLForResource", "elasticloadbalancing:any-alb"),
    need("wafv2:GetWebACL", "wafv2:any-webacl"),
  ),
  listResourcesForWebACL: read("ListResourcesForWebACL", need("wafv2:ListResourcesForWebACL", "wafv2:webacl")),
  listTagsForResource: read("ListTagsForResource", need("wafv2:ListTagsForResource", "wafv2:webacl", "wafv2:ipset")),
  tagResource: write("TagResource", need("wafv2:TagResource", "wafv2:webacl", "wafv2:ipset")),
  untagResource: write("UntagResource", need("wafv2:UntagResource", "wafv2:webacl", "wafv2:ipset")),
};

export const ELB_IAM: { readonly [M in keyof ElbPort]: CallIam } = {
  describeLoadBalancers: read("DescribeLoadBalancers", need("elasticloadbalancing:DescribeLoadBalancers", "*")),
  describeTags: read("DescribeTags", need("elasticloadbalancing:DescribeTags", "*")),
};

// Athena's actions are on the workgroup (arn:aws:athena:<region>:<account>:workgroup/<name>). A
// query reads the Glue database and table and the table's S3 objects, and writes its result, with
// the caller's own rights: AWS checks those actions of the caller when the query runs, so they are
// needs of StartQueryExecution; GetQueryResults reads the result object (docs/athena-engine.md, "IAM").
export const ATHENA_IAM: { readonly [M in keyof AthenaPort]: CallIam } = {
  startQueryExecution: write(
    "StartQueryExecution",
    need("athena:StartQueryExecution", "athena:workgroup"),
    reads("glue:GetDatabase", "glue:catalog", "glue:database"),
    reads("glue:GetTable", "glue:catalog", "glue:database", "glue:table"),
    reads("s3:ListBucket", "s3:bucket"),
    reads("s3:GetObject", "s3:logs"),
    reads("s3:GetBucketLocation", "s3:results-bucket"),
    reads("s3:ListBucket", "s3:results-bucket"),
    need("s3:PutObject", "s3:results"),
  ),
  getQueryExecution: read("GetQueryExecution", need("athena:GetQueryExecution", "athena:workgroup")),
  getQueryResults: read(
    "GetQueryResults",
    need("athena:GetQueryResults", "athena:workgroup"),
    need("s3:GetObject", "s3:results"),
  ),
  stopQueryExecution: write("StopQueryExecution", need("athena:StopQueryExecution", "athena:workgroup")),
  getWorkGroup: read("GetWorkGroup", need("athena:GetWorkGroup", "athena:workgroup")),
};

/** Every port's declarations, by the TargetPorts service name. */
export const PORT_IAM = {
  ec2: EC2_IAM,
  s3: S3_IAM,
  glue: GLUE_IAM,
  sts: STS_IAM,
  wafv2: WAF_IAM,
  elbv2: ELB_IAM,
  athena: ATHENA_IAM,
} as const satisfies { readonly [S in keyof TargetPorts]: Record<string, CallIam> };

type MethodOf<S extends keyof typeof PORT_IAM> = keyof (typeof PORT_IAM)[S] & string;

/** One port method, "service.method" (e.g. "ec2.createFlowLogs"): what a call set lists. */
export type PortCall = { [S in keyof typeof PORT_IAM]: `${S}.${MethodOf<S>}` }[keyof typeof PORT_IAM];

/** The declaration of one port method. */
export function callIam(call: PortCall): CallIam {
  const dot = call.indexOf(".");
  const service = call.slice(0, dot) as keyof typeof PORT_IAM;
  const method = call.slice(dot + 1);
  return (PORT_IAM[service] as Record<string, CallIam>)[method] as CallIam;
}

const byOperation = new Map<string, CallIam[]>();
for (const table of Object.values(PORT_IAM)) {
  for (const c of Object.values(table) as CallIam[])
    byOperation.set(c.operation, [...(byOperation.get(c.operation) ?? []), c]);
}

/** The IAM action prefix of each SDK client (an operation name such as TagResource is in several). */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  athena: "athena",
  ec2: "ec2",
  elbv2: "elasticloadbalancing",
  glue: "glue",
  s3: "s3",
  sts: "sts",
  wafv2: "wafv2",
};

/**
 * The IAM action AWS checks first for an operation of `service` (the SDK client's name); the
 * adapters name it in access-denied errors. Undefined for an operation no port declares.
 */
export function iamActionOf(operation: string, service?: string): string | undefined {
  const calls = byOperation.get(operation) ?? [];
  const prefix = service !== undefined ? IAM_PREFIX[service] : undefined;
  const call = prefix === undefined ? calls[0] : calls.find((c) => c.needs[0]?.action.startsWith(`${prefix}:`));
  return call?.needs[0]?.action;
}
