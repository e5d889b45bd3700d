// `cordon iam`: the identity policy for exactly the calls a command makes for the given policies
// (docs/iam.md). Pure: no AWS call. The calls come from where they are made — the kind descriptors
// (observe, discover, write), the inventory, the identity check and the record store; for the
// query commands, the engine's own declaration (given by the caller: the query layer decides the
// engine) — and each call's actions and resource types from src/aws/iam-calls.ts; the names come
// from the policies (src/policy/iam-scope.ts).

import { callIam, type IamResource, type PortCall } from "../aws/iam-calls.js";
import { INVENTORY_CALLS } from "../aws/inventory.js";
import { type RoleTemplates, resolveRole, roleUseOf } from "../domain/roles.js";
import { splitS3Uri } from "../domain/s3-uri.js";
import { DISCOVERABLE_KINDS, descriptorOf, KINDS } from "../handlers/registry.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { QueryTable } from "../model/query.js";
import { type IamScope, iamScopes, type QueryIamScope } from "../policy/iam-scope.js";
import { blockingNeeds } from "./blocking.js";
import { RECORD_CALLS } from "./objects.js";
import { IDENTITY_CALLS } from "./pipeline.js";
import { stateLocation } from "./state-location.js";

/** The read-only commands that query the flow logs (their calls depend on the engine). */
export const QUERY_COMMANDS = ["query", "investigate"] as const;
export const IAM_COMMANDS = ["plan", "apply", "drift", "watch", ...QUERY_COMMANDS] as const;
export type IamCommand = (typeof IAM_COMMANDS)[number];
export type QueryCommand = (typeof QUERY_COMMANDS)[number];

export const isQueryCommand = (command: string): command is QueryCommand =>
  (QUERY_COMMANDS as readonly string[]).includes(command);

export interface IamStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

export interface IamPolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly IamStatement[];
}

/** Whether a command changes AWS (apply; watch corrects drift) or only reads (plan; drift without --correct). */
export const mutates = (command: IamCommand): boolean => command === "apply" || command === "watch";

/** The port calls `command` makes for one target's policies (a query command: its engine's). */
export function commandCalls(
  command: IamCommand,
  scope: IamScope,
  policies: readonly LoadedPolicy[],
  hasRecords: boolean,
  query?: QueryIamScope,
): PortCall[] {
  if (isQueryCommand(command)) return [...(query?.calls ?? [])];
  const calls = new Set<PortCall>([...IDENTITY_CALLS, ...INVENTORY_CALLS.network]);
  const needs = blockingNeeds(policies, `${scope.target.account}/${scope.target.region}`);
  if (needs?.networkAcls === true) for (const c of INVENTORY_CALLS.networkAcls) calls.add(c);
  if (needs?.loadBalancers === true) for (const c of INVENTORY_CALLS.loadBalancers) calls.add(c);
  for (const kind of DISCOVERABLE_KINDS) for (const c of descriptorOf(kind)?.iam.discover ?? []) calls.add(c);
  const own = policies.filter(
    (p) => p.policy.target.account === scope.target.account && p.policy.target.region === scope.target.region,
  );
  for (const { iam } of KINDS.filter((d) => own.some((p) => d.iam.declaredBy(p.policy)))) {
    for (const c of iam?.observe ?? []) calls.add(c);
    if (mutates(command)) for (const c of iam?.write ?? []) calls.add(c);
  }
  if (hasRecords && command !== "plan") {
    for (const c of mutates(command) ? RECORD_CALLS.write : RECORD_CALLS.read) calls.add(c);
  }
  return [...calls];
}

interface Need {
  readonly access: "read" | "write";
  readonly action: string;
  readonly resources: readonly IamResource[];
}

const LABELS: Readonly<Record<IamResource, string>> = {
  "*": "Any",
  "s3:bucket": "Buckets",
  "s3:records": "CordonRecords",
  "s3:logs": "FlowLogObjects",
  "s3:results-bucket": "ResultBuckets",
  "s3:results": "QueryResults",
  "athena:workgroup": "Workgroups",
  "ec2:vpc": "Vpcs",
  "ec2:vpc-flow-log": "FlowLogs",
  "ec2:network-acl": "NetworkAcls",
  "ec2:network-acl-band": "NetworkAclBand",
  "wafv2:webacl": "WebAcls",
  "wafv2:any-webacl": "AnyWebAcl",
  "wafv2:ipset": "IpSets",
  "wafv2:any-ipset": "AnyIpSet",
  "elasticloadbalancing:alb": "LoadBalancers",
  "elasticloadbalancing:any-alb": "AnyLoadBalancer",
  "glue:catalog": "Catalog",
  "glue:database": "Databases",
  "glue:table": "Tables",
};

/** What a target's ARNs are made of besides its scope: the records' bucket, and for a query command what it reads. */
interface ArnContext {
  readonly recordsBuckets: readonly string[];
  /** A query command: the tables of this target, the workgroup and the output location. */
  readonly query?: { readonly tables: readonly QueryTable[]; readonly workgroup?: string; readonly output?: string };
}

/** The ARNs of one resource type in one target; [] when the policies name none. */
function arns(r: IamResource, s: IamScope, ctx: ArnContext): string[] {
  const { recordsBuckets, query } = ctx;
  const { account, region } = s.target;
  const ec2 = `arn:aws:ec2:${region}:${account}`;
  const waf = `arn:aws:wafv2:${region}:${account}:regional`;
  const elb = `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app`;
  const glue = `arn:aws:glue:${region}:${account}`;
  const locations = (query?.tables ?? []).map((t) => splitS3Uri(t.spec.location));
  const output = query?.output !== undefined ? splitS3Uri(query.output) : undefined;
  switch (r) {
    case "*":
      return ["*"];
    case "s3:bucket":
      // A query command lists only the buckets of the tables it reads.
      if (query !== undefined) return [...new Set(locations.map((l) => `arn:aws:s3:::${l.bucket}`))];
      return [...new Set([...s.buckets, ...recordsBuckets])].map((b) => `arn:aws:s3:::${b}`);
    case "s3:records":
      return recordsBuckets.map((b) => `arn:aws:s3:::${b}/cordon/*`);
    case "s3:logs":
      return [...new Set(locations.map((l) => `arn:aws:s3:::${l.bucket}/${l.key}*`))];
    case "s3:results-bucket":
      return output === undefined ? [] : [`arn:aws:s3:::${output.bucket}`];
    case "s3:results":
      return output === undefined ? [] : [`arn:aws:s3:::${output.bucket}/${output.key}*`];
    case "athena:workgroup":
      return query?.workgroup === undefined ? [] : [`arn:aws:athena:${region}:${account}:workgroup/${query.workgroup}`];
    case "ec2:vpc":
      return [`${ec2}:vpc/*`];
    case "ec2:vpc-flow-log":
      return [`${ec2}:vpc-flow-log/*`];
    case "ec2:network-acl":
    case "ec2:network-acl-band":
      return [`${ec2}:network-acl/*`];
    case "wafv2:webacl":
      return s.webAcls.map((n) => `${waf}/webacl/${n}/*`);
    case "wafv2:any-webacl":
      return [`${waf}/webacl/*/*`];
    case "wafv2:ipset":
      return s.ipSets.map((n) => `${waf}/ipset/${n}/*`);
    case "wafv2:any-ipset":
      return [`${waf}/ipset/*/*`];
    case "elasticloadbalancing:alb":
      return s.loadBalancerNames === null ? [`${elb}/*`] : s.loadBalancerNames.map((n) => `${elb}/${n}/*`);
    case "elasticloadbalancing:any-alb":
      return [`${elb}/*`];
    case "glue:catalog":
      return [`${glue}:catalog`];
    case "glue:database":
      return [...new Set(s.glue.map((g) => g.database))].map((d) => `${glue}:database/${d}`);
    case "glue:table":
      return s.glue.map((g) => `${glue}:table/${g.database}/${g.table}`);
  }
}

/**
 * The condition a resource type carries: the NACL band (entries are written only in Cordon's
 * claimed bands); for a query command, listing a table's bucket only under the tables' locations.
 */
function conditionOf(
  r: IamResource,
  scopes: readonly IamScope[],
  query: QueryIamScope | undefined,
): IamStatement["Condition"] | undefined {
  if (r === "s3:bucket" && query !== undefined) {
    const prefixes = [...new Set(query.tables.map((t) => `${splitS3Uri(t.spec.location).key}*`))].sort();
    return { StringLike: { "s3:prefix": prefixes } };
  }
  if (r !== "ec2:network-acl-band") return undefined;
  const bands = [...new Set(scopes.flatMap((s) => s.naclBands))].sort();
  const condition: Record<string, Record<string, string[]>> = {
    StringEquals: { "aws:ResourceTag/cordon:nacl-band": bands },
  };
  if (scopes.every((s) => s.naclVpcIds !== null)) {
    condition["ArnEquals"] = {
      "ec2:Vpc": scopes.flatMap((s) =>
        (s.naclVpcIds ?? []).map((id) => `arn:aws:ec2:${s.target.region}:${s.target.account}:vpc/${id}`),
      ),
    };
  }
  return condition;
}

export interface IamPolicyOptions {
  /** The bucket of Cordon's records when not the flow-log bucket (--lock-bucket). */
  readonly lockBucket?: string;
  /** The policy set's role templates (cordon.yaml roles:): the role `command` assumes in each target. */
  readonly roles?: RoleTemplates;
  /** For query and investigate (required): the engine, its calls, the tables, the workgroup and output (src/query/iam.ts). */
  readonly query?: QueryIamScope;
}

/** The identity policy for `command` over `policies` (every target's account and region). */
export function identityPolicy(
  command: IamCommand,
  policies: readonly LoadedPolicy[],
  options: IamPolicyOptions = {},
): IamPolicyDocument {
  const query = isQueryCommand(command) ? options.query : undefined;
  if (isQueryCommand(command) && query === undefined) throw new Error(`identityPolicy(${command}) needs options.query`);
  // A query command reads the tables of the targets that declare one.
  const scopes = iamScopes(policies).filter(
    (s) =>
      query === undefined || query.tables.some((t) => t.account === s.target.account && t.region === s.target.region),
  );
  // statement key → actions and resources
  const groups = new Map<
    string,
    { access: Need["access"]; types: readonly IamResource[]; actions: Set<string>; resources: Set<string> }
  >();
  const relevant: IamScope[] = [];
  for (const scope of scopes) {
    const records = query === undefined ? stateLocation(scope.target, policies, null, options.lockBucket) : null;
    const ctx: ArnContext = {
      recordsBuckets: records === null ? [] : [records.bucket],
      ...(query !== undefined
        ? {
            query: {
              tables: query.tables.filter(
                (t) => t.account === scope.target.account && t.region === scope.target.region,
              ),
              ...(query.workgroup !== undefined ? { workgroup: query.workgroup } : {}),
              ...(query.outputLocation !== undefined ? { output: query.outputLocation } : {}),
            },
          }
        : {}),
    };
    let used = false;
    for (const call of commandCalls(command, scope, policies, records !== null, query)) {
      const declared = callIam(call);
      for (const n of declared.needs) {
        if (n.when !== undefined && !scope.facts.has(n.when)) continue;
        const present = n.resources.filter((r) => arns(r, scope, ctx).length > 0);
        const resources = present.flatMap((r) => arns(r, scope, ctx));
        if (resources.length === 0) continue;
        const types = present.includes("*") ? (["*"] as const) : present;
        const access = n.access ?? declared.access;
        const key = `${access}|${types.join(",")}`;
        const g = groups.get(key) ?? { access, types, actions: new Set(), resources: new Set() };
        groups.set(key, g);
        g.actions.add(n.action);
        for (const r of resources) g.resources.add(r);
        if (n.resources.includes("ec2:network-acl-band")) used = true;
      }
    }
    if (used) relevant.push(scope);
  }
  // An action both read and written on the same resources appears once, in the read statement.
  const statements: IamStatement[] = [];
  const sids = new Map<string, number>();
  for (const g of [...groups.values()].sort((a, b) =>
    a.access !== b.access ? (a.access === "read" ? -1 : 1) : a.types.join(",").localeCompare(b.types.join(",")),
  )) {
    const base = `${g.access === "read" ? "Read" : "Write"}${g.types.map((t) => LABELS[t]).join("")}`;
    const n = (sids.get(base) ?? 0) + 1;
    sids.set(base, n);
    const condition = g.types.map((t) => conditionOf(t, relevant, query)).find((c) => c !== undefined);
    statements.push({
      Sid: n === 1 ? base : `${base}${n}`,
      Effect: "Allow",
      Action: [...g.actions].sort(),
      Resource: [...g.resources].sort(),
      ...(condition !== undefined ? { Condition: condition } : {}),
    });
  }
  // The role the command assumes in each target (docs/roles.md): plan, drift, query and investigate
  // the plan role, apply and watch the apply role; a policy's own roleArn serves both.
  const use = roleUseOf(command);
  const roles = [
    ...new Set(
      scopes.flatMap((s) => {
        const role = resolveRole(s.target, use, options.roles);
        return role !== undefined ? [role.roleArn] : [];
      }),
    ),
  ].sort();
  if (roles.length > 0) {
    statements.push({ Sid: "AssumeTargetRoles", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: roles });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Every action of a policy document, sorted. */
export const policyActions = (doc: IamPolicyDocument): string[] =>
  [...new Set(doc.Statement.flatMap((s) => s.Action))].sort();

export interface GithubTrustOptions {
  readonly repo: string;
  /**
   * The GitHub environments whose jobs may assume the role (a role that writes). Absent or empty: a
   * read-only role, assumed by pull-request jobs, jobs on `branch` and its merge queue.
   */
  readonly environments?: readonly string[];
  /** The branch of the read-only role's scheduled and push jobs; default main. */
  readonly branch?: string;
  readonly account: string;
}

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/**
 * The role's trust policy for GitHub Actions OIDC: the account's GitHub identity provider, audience
 * sts.amazonaws.com, and the subjects of the jobs that may assume it: the repository's protected
 * environments for a role that writes; for a read-only role, pull requests, the branch (schedule,
 * push, dispatch) and its merge queue (docs/iam.md, "Trust").
 */
export function githubTrustPolicy(o: GithubTrustOptions): Record<string, unknown> {
  const envs = o.environments ?? [];
  const branch = o.branch ?? "main";
  // A job with an `environment:` presents the environment in its subject, never the branch.
  const subjects =
    envs.length > 0
      ? envs.map((e) => `repo:${o.repo}:environment:${e}`)
      : [
          `repo:${o.repo}:pull_request`,
          `repo:${o.repo}:ref:refs/heads/${branch}`,
          `repo:${o.repo}:ref:refs/heads/gh-readonly-queue/${branch}/*`,
        ];
  const sub = `${GITHUB_OIDC_HOST}:sub`;
  const aud = { [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com" };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GitHubActions",
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${o.account}:oidc-provider/${GITHUB_OIDC_HOST}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition:
          envs.length > 0
            ? { StringEquals: { ...aud, [sub]: subjects } }
            : { StringEquals: aud, StringLike: { [sub]: subjects } },
      },
    ],
  };
}
