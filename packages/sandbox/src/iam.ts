// Identity-policy evaluation, as IAM does it for the operations Cordon uses (docs in the package
// README, "IAM"): each request becomes one or more checks (action, resource ARN, condition
// context); a check is allowed when some Allow statement matches it and no Deny statement does
// (an explicit Deny wins); a request is allowed when every one of its checks is. Statements match
// on Action/NotAction and Resource/NotResource with IAM wildcards (`*`, `?`; actions
// case-insensitively) and on the Condition operators of policy-eval.ts (String*, Arn*, with
// IfExists). Keys without a policy keep the allow-list (or allow-all) behaviour.
import { wildcardMatch } from "./identity.js";
import { conditionsMatch } from "./policy-eval.js";
import { athenaResultOf, athenaWorkgroupOf } from "./services/athena.js";
import type { AclRecord, Ec2State, FlowLogRecord } from "./services/ec2.js";
import type { WafState } from "./services/wafv2.js";
import type { SandboxRequest, ServiceContext, ServiceName } from "./types.js";

export interface IamCheck {
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request and resource (e.g. ec2:Vpc, aws:ResourceTag/<key>). */
  readonly context?: Readonly<Record<string, string>>;
}

export type IamDecision = "allow" | "explicit-deny" | "implicit-deny";

const asList = (v: unknown): string[] =>
  typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** One check against an identity policy document (parsed JSON). A malformed document allows nothing. */
export function evaluateIdentity(policy: unknown, check: IamCheck): IamDecision {
  const raw = (policy as { Statement?: unknown } | null)?.Statement;
  const statements = Array.isArray(raw) ? raw : raw !== undefined ? [raw] : [];
  let allowed = false;
  for (const s of statements) {
    if (s === null || typeof s !== "object") continue;
    const st = s as Record<string, unknown>;
    if (!applies(st, check)) continue;
    if (st["Effect"] === "Deny") return "explicit-deny";
    if (st["Effect"] === "Allow") allowed = true;
  }
  return allowed ? "allow" : "implicit-deny";
}

function applies(st: Record<string, unknown>, c: IamCheck): boolean {
  if (st["Action"] !== undefined) {
    if (!asList(st["Action"]).some((a) => wildcardMatch(a, c.action))) return false;
  } else if (st["NotAction"] !== undefined) {
    if (asList(st["NotAction"]).some((a) => wildcardMatch(a, c.action))) return false;
  } else return false;
  if (st["Resource"] !== undefined) {
    if (!asList(st["Resource"]).some((r) => wildcardMatch(r, c.resource, false))) return false;
  } else if (st["NotResource"] !== undefined) {
    if (asList(st["NotResource"]).some((r) => wildcardMatch(r, c.resource, false))) return false;
  } else return false;
  return conditionsMatch(st["Condition"], c.context ?? {});
}

/** The first check of a request that is not allowed, with the decision; null when all are. */
export function firstDenied(
  policy: unknown,
  checks: readonly IamCheck[],
): { readonly check: IamCheck; readonly decision: IamDecision } | null {
  for (const check of checks) {
    const decision = evaluateIdentity(policy, check);
    if (decision !== "allow") return { check, decision };
  }
  return null;
}

// ---- the checks of a request, per service -------------------------------------------------------

interface Where {
  readonly account: string;
  readonly region: string;
}

const tagContext = (tags: Readonly<Record<string, string>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));

const EC2_TYPES: readonly (readonly [string, string])[] = [
  ["vpc-", "vpc"],
  ["subnet-", "subnet"],
  ["acl-", "network-acl"],
  ["fl-", "vpc-flow-log"],
  ["eni-", "network-interface"],
];

function ec2Arn(w: Where, id: string): string {
  const type = EC2_TYPES.find(([p]) => id.startsWith(p))?.[1] ?? "resource";
  return `arn:aws:ec2:${w.region}:${w.account}:${type}/${id}`;
}

/** Form members `Prefix.1`, `Prefix.2`, … (EC2 query lists). */
function members(form: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of form) if (new RegExp(`^${prefix}\\.\\d+$`).test(k)) out.push(v);
  return out;
}

/** What AWS requires of whoever creates a flow log with ecs-* fields. */
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

function ec2Checks(op: string, req: SandboxRequest, ctx: ServiceContext): IamCheck[] {
  const w = { account: req.account, region: req.region };
  const state = ctx.state<Ec2State>("ec2", req.account, req.region);
  const a = `ec2:${op}`;
  const acl = (id: string): IamCheck => {
    const rec: AclRecord | undefined = state.acls[id];
    return {
      action: a,
      resource: ec2Arn(w, id),
      context: {
        ...tagContext(state.tags[id]),
        ...(rec !== undefined ? { "ec2:Vpc": ec2Arn(w, rec.vpcId) } : {}),
      },
    };
  };
  switch (op) {
    case "CreateFlowLogs": {
      const newFlowLog = `arn:aws:ec2:${w.region}:${w.account}:vpc-flow-log/*`;
      const checks: IamCheck[] = members(req.form, "ResourceId").map((id) => ({ action: a, resource: ec2Arn(w, id) }));
      checks.push({ action: a, resource: newFlowLog });
      if ([...req.form.keys()].some((k) => /^TagSpecification\.\d+\.Tag\.\d+\.Key$/.test(k))) {
        checks.push({
          action: "ec2:CreateTags",
          resource: newFlowLog,
          context: { "ec2:CreateAction": "CreateFlowLogs" },
        });
      }
      if ((req.form.get("LogDestinationType") ?? "cloud-watch-logs") === "s3") {
        checks.push(
          { action: "logs:CreateLogDelivery", resource: "*" },
          { action: "logs:DeleteLogDelivery", resource: "*" },
        );
      }
      if ((req.form.get("LogFormat") ?? "").includes("${ecs-")) {
        for (const e of ECS_FLOW_LOG_ACTIONS) checks.push({ action: e, resource: "*" });
      }
      return checks;
    }
    case "DeleteFlowLogs": {
      const ids = members(req.form, "FlowLogId");
      const checks: IamCheck[] = ids.map((id) => ({ action: a, resource: ec2Arn(w, id) }));
      if (ids.some((id) => (state.flowLogs[id] as FlowLogRecord | undefined)?.logDestinationType === "s3")) {
        checks.push({ action: "logs:DeleteLogDelivery", resource: "*" });
      }
      return checks;
    }
    case "CreateTags":
    case "DeleteTags":
      return members(req.form, "ResourceId").map((id) => ({
        action: a,
        resource: ec2Arn(w, id),
        context: tagContext(state.tags[id]),
      }));
    case "CreateNetworkAclEntry":
    case "ReplaceNetworkAclEntry":
    case "DeleteNetworkAclEntry":
      return [acl(req.form.get("NetworkAclId") ?? "")];
    default:
      return [{ action: a, resource: "*" }];
  }
}

function s3Checks(action: string, req: SandboxRequest): IamCheck[] {
  const path = req.path.startsWith("/") ? req.path.slice(1) : req.path;
  const slash = path.indexOf("/");
  const bucket = slash < 0 ? path : path.slice(0, slash);
  const key = slash < 0 ? "" : path.slice(slash + 1);
  if (bucket === "") return [{ action, resource: "*" }];
  const objectLevel = /^s3:(Get|Put|Delete)Object$/.test(action);
  if (objectLevel) return [{ action, resource: `arn:aws:s3:::${bucket}/${key}` }];
  const prefix = req.query.get("prefix");
  return [
    { action, resource: `arn:aws:s3:::${bucket}`, ...(prefix !== null ? { context: { "s3:prefix": prefix } } : {}) },
  ];
}

function glueChecks(op: string, req: SandboxRequest): IamCheck[] {
  const base = `arn:aws:glue:${req.region}:${req.account}`;
  const j = req.json;
  const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const input = (k: string) => (j[k] !== null && typeof j[k] === "object" ? (j[k] as Record<string, unknown>) : {});
  const a = `glue:${op}`;
  const catalog = { action: a, resource: `${base}:catalog` };
  switch (op) {
    case "GetDatabase":
    case "UpdateDatabase":
    case "DeleteDatabase":
      return [catalog, { action: a, resource: `${base}:database/${str(j["Name"]) ?? ""}` }];
    case "CreateDatabase":
      return [catalog, { action: a, resource: `${base}:database/${str(input("DatabaseInput")["Name"]) ?? ""}` }];
    case "GetTable":
    case "DeleteTable":
    case "CreateTable":
    case "UpdateTable": {
      const db = str(j["DatabaseName"]) ?? "";
      const table = str(j["Name"]) ?? str(input("TableInput")["Name"]) ?? "";
      return [
        catalog,
        { action: a, resource: `${base}:database/${db}` },
        { action: a, resource: `${base}:table/${db}/${table}` },
      ];
    }
    default:
      return [{ action: a, resource: "*" }];
  }
}

function wafChecks(op: string, req: SandboxRequest, ctx: ServiceContext): IamCheck[] {
  const base = `arn:aws:wafv2:${req.region}:${req.account}:regional`;
  const j = req.json;
  const str = (k: string): string => (typeof j[k] === "string" ? (j[k] as string) : "");
  const a = `wafv2:${op}`;
  const state = ctx.state<WafState>("wafv2", req.account, req.region);
  const ipSetArns = (): string[] => {
    const found = JSON.stringify(j["Rules"] ?? []).match(/arn:aws:wafv2:[^"]*:regional\/ipset\/[^"]+/g);
    return [...new Set(found ?? [])];
  };
  switch (op) {
    case "ListWebACLs":
      return [{ action: a, resource: `${base}/webacl/*/*` }];
    case "ListIPSets":
      return [{ action: a, resource: `${base}/ipset/*/*` }];
    case "GetWebACL":
      return [{ action: a, resource: str("ARN") || `${base}/webacl/${str("Name")}/${str("Id")}` }];
    case "UpdateWebACL":
    case "DeleteWebACL":
      return [
        { action: a, resource: `${base}/webacl/${str("Name")}/${str("Id")}` },
        ...(op === "UpdateWebACL" ? ipSetArns().map((r) => ({ action: a, resource: r })) : []),
      ];
    case "CreateWebACL":
      return [
        { action: a, resource: `${base}/webacl/${str("Name")}/*` },
        ...ipSetArns().map((r) => ({ action: a, resource: r })),
      ];
    case "GetIPSet":
    case "UpdateIPSet":
    case "DeleteIPSet":
      return [{ action: a, resource: `${base}/ipset/${str("Name")}/${str("Id")}` }];
    case "CreateIPSet":
      return [{ action: a, resource: `${base}/ipset/${str("Name")}/*` }];
    case "AssociateWebACL":
      return [
        { action: a, resource: str("WebACLArn") },
        { action: a, resource: str("ResourceArn") },
        { action: "elasticloadbalancing:SetWebAcl", resource: str("ResourceArn") },
      ];
    case "DisassociateWebACL":
      return [
        { action: a, resource: str("ResourceArn") },
        { action: "elasticloadbalancing:SetWebAcl", resource: str("ResourceArn") },
      ];
    case "GetWebACLForResource": {
      const acl = state.associations[str("ResourceArn")];
      return [
        { action: a, resource: str("ResourceArn") },
        ...(acl !== undefined ? [{ action: "wafv2:GetWebACL", resource: acl }] : []),
      ];
    }
    case "ListResourcesForWebACL":
      return [{ action: a, resource: str("WebACLArn") }];
    case "ListTagsForResource":
    case "TagResource":
    case "UntagResource":
      return [{ action: a, resource: str("ResourceARN") }];
    default:
      return [{ action: a, resource: "*" }];
  }
}

/**
 * Athena's actions are on the workgroup (a query's: the one it ran in); GetQueryResults also reads
 * the result object with the caller's rights. The reads a query makes are checked when it runs
 * (src/services/athena.ts).
 */
function athenaChecks(op: string, req: SandboxRequest, ctx: ServiceContext): IamCheck[] {
  const a = `athena:${op}`;
  if (op === "ListWorkGroups") return [{ action: a, resource: "*" }];
  const wg = athenaWorkgroupOf(req, ctx) ?? "primary";
  const checks: IamCheck[] = [{ action: a, resource: `arn:aws:athena:${req.region}:${req.account}:workgroup/${wg}` }];
  if (op === "GetQueryResults") {
    const out = athenaResultOf(req, ctx);
    if (out !== undefined)
      checks.push({ action: "s3:GetObject", resource: `arn:aws:s3:::${out.slice("s3://".length)}` });
  }
  return checks;
}

/**
 * Every check IAM makes for one request: the operation's action on each resource it names (by the
 * Service Authorization Reference's resource types), and the actions AWS requires besides.
 * `action` is the request's own action (the service module's mapping).
 */
export function requestChecks(
  service: ServiceName,
  operation: string,
  action: string,
  req: SandboxRequest,
  ctx: ServiceContext,
): IamCheck[] {
  switch (service) {
    case "ec2":
      return ec2Checks(operation, req, ctx);
    case "s3":
      return s3Checks(action, req);
    case "glue":
      return glueChecks(operation, req);
    case "wafv2":
      return wafChecks(operation, req, ctx);
    case "sts":
      return operation === "AssumeRole"
        ? [{ action, resource: req.form.get("RoleArn") ?? "" }]
        : [{ action, resource: "*" }];
    case "elbv2":
      return [{ action, resource: "*" }];
    case "athena":
      return athenaChecks(operation, req, ctx);
  }
}
