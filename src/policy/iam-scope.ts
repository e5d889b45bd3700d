// What `cordon iam` scopes its policy to, per target (account + region), read from the policies
// alone (no AWS call): the names of what the kinds touch (docs/iam.md, "What is scoped how"). Pure.
import type { IamFact, PortCall } from "../aws/iam-calls.js";
import { bandTagValue } from "../domain/nacl.js";
import { ipSetName } from "../domain/waf.js";
import { type LoadedPolicy, POLICY_DEFAULTS, type Policy } from "../model/policy.js";
import type { QueryTable } from "../model/query.js";
import type { TargetRef } from "../model/resource.js";

export interface IamScope {
  readonly target: TargetRef;
  /** Flow-log buckets (created or not) of the target's policies. */
  readonly buckets: readonly string[];
  readonly webAcls: readonly string[];
  readonly ipSets: readonly string[];
  /** Load balancers selected by name; null when a policy selects them by tag (any ALB then). */
  readonly loadBalancerNames: readonly string[] | null;
  readonly glue: readonly { readonly database: string; readonly table: string }[];
  /** The NACL bands ("first-last") Cordon claims with the cordon:nacl-band tag. */
  readonly naclBands: readonly string[];
  /** The VPCs whose ACLs get entries, when every blocking policy names VPC ids; null otherwise. */
  readonly naclVpcIds: readonly string[] | null;
  readonly facts: ReadonlySet<IamFact>;
}

/**
 * What `cordon query` and `cordon investigate` reach, as the query layer decides it (src/query/iam.ts):
 * the chosen engine's port calls, the tables the commands read, and for Athena the workgroup and the
 * output location.
 */
export interface QueryIamScope {
  readonly calls: readonly PortCall[];
  readonly tables: readonly QueryTable[];
  /** Athena: the workgroup the queries run in. */
  readonly workgroup?: string;
  /** Athena: where the results are written (s3://BUCKET/PREFIX/). */
  readonly outputLocation?: string;
}

const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** One scope per target of the policies, sorted by account then region. */
export function iamScopes(policies: readonly LoadedPolicy[]): IamScope[] {
  const byTarget = new Map<string, Policy[]>();
  for (const { policy } of policies) {
    const key = `${policy.target.account}/${policy.target.region}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), policy]);
  }
  return [...byTarget.keys()].sort().map((key) => {
    const ps = byTarget.get(key) as Policy[];
    const first = ps[0] as Policy;
    const withRole = ps.find((p) => p.target.roleArn !== undefined)?.target;
    const target: TargetRef = {
      account: first.target.account,
      region: first.target.region,
      ...(withRole?.roleArn !== undefined ? { roleArn: withRole.roleArn } : {}),
      ...(withRole?.externalId !== undefined ? { externalId: withRole.externalId } : {}),
    };
    const nacl = ps.filter((p) => p.blockedAddresses?.networkAcls !== undefined);
    const byName = ps.filter((p) => p.webAcl?.loadBalancers !== undefined);
    const facts = new Set<IamFact>();
    if (ps.some((p) => Array.isArray(p.flowLogs?.fields) && p.flowLogs.fields.some((f) => f.startsWith("ecs-")))) {
      facts.add("ecsFields");
    }
    return {
      target,
      buckets: sortedUnique(ps.flatMap((p) => (p.flowLogs !== undefined ? [p.flowLogs.bucket.name] : []))),
      webAcls: sortedUnique(ps.flatMap((p) => (p.webAcl !== undefined ? [p.webAcl.name] : []))),
      ipSets: sortedUnique(
        ps.flatMap((p) =>
          p.blockedAddresses?.webAcl === true && p.webAcl !== undefined
            ? [ipSetName(p.webAcl.name, "IPV4"), ipSetName(p.webAcl.name, "IPV6")]
            : [],
        ),
      ),
      loadBalancerNames: byName.every((p) => p.webAcl?.loadBalancers?.names !== undefined)
        ? sortedUnique(byName.flatMap((p) => p.webAcl?.loadBalancers?.names ?? []))
        : null,
      glue: ps
        .flatMap((p) => (p.athena !== undefined ? [{ database: p.athena.database, table: p.athena.table }] : []))
        .sort((a, b) => `${a.database}.${a.table}`.localeCompare(`${b.database}.${b.table}`)),
      naclBands: sortedUnique(
        nacl.map((p) => bandTagValue(p.blockedAddresses?.networkAcls?.ruleNumbers ?? POLICY_DEFAULTS.ruleNumbers)),
      ),
      naclVpcIds:
        nacl.length > 0 && nacl.every((p) => p.blockedAddresses?.networkAcls?.vpcs.ids !== undefined)
          ? sortedUnique(nacl.flatMap((p) => p.blockedAddresses?.networkAcls?.vpcs.ids ?? []))
          : null,
      facts,
    };
  });
}
