// Desired state of a policy's webAcl section: one wafv2.webAcl holding Cordon's rules (the
// blockedAddresses IP sets, the blockedCountries geo rule), depending on the IP sets, and one
// wafv2.association per selected Application Load Balancer, depending on the web ACL. Pure and
// synchronous: the inventories (load balancers) were read before.

import {
  cordonRules,
  type IpSetAddresses,
  ipSetName,
  visibilityFor,
  webAclCapacity,
  webAclNameOf,
} from "../../domain/waf.js";
import type { PlanNote } from "../../model/plan.js";
import { type LoadedPolicy, POLICY_DEFAULTS } from "../../model/policy.js";
import { type Address, makeAddress, type TargetRef } from "../../model/resource.js";
import type { AssociationSpec, BlockingInventory, LoadBalancerInfo, WebAclSpec } from "../../model/specs.js";
import { countryOrigins } from "./blocked-countries.js";
import { type Builder, originOf } from "./builder.js";
import { ownershipTags, tagsMatch } from "./select.js";

/** The address of the policy's web ACL in `target`. */
export const webAclAddressOf = (target: TargetRef, name: string): Address => makeAddress(target, "wafv2.webAcl", name);

/**
 * Declares the web ACL with its rules over `ipSets` (from buildIpSets) and `countries` (from
 * activeCountries), then its load-balancer associations.
 */
export function buildWebAcl(
  b: Builder,
  l: LoadedPolicy,
  target: TargetRef,
  inventory: BlockingInventory,
  ipSets: IpSetAddresses | null,
  countries: readonly string[],
): void {
  const p = l.policy;
  const wa = p.webAcl;
  if (wa === undefined) return;
  const where = `${l.source.file}#${l.source.document}`;
  const wafMode = wa.mode ?? POLICY_DEFAULTS.mode;
  const ownership = wa.ownership ?? POLICY_DEFAULTS.ownership;
  const prefix = wa.rulePrefix ?? POLICY_DEFAULTS.rulePrefix;
  const webAclAddress = webAclAddressOf(target, wa.name);

  const rules = cordonRules({ prefix, ipSets, countries: [...countries] });
  const webAcl: WebAclSpec =
    ownership === "owned"
      ? {
          name: wa.name,
          scope: "REGIONAL",
          ownership,
          rulePrefix: prefix,
          defaultAction: { Allow: {} },
          visibilityConfig: visibilityFor(wa.name),
          rules,
          tags: ownershipTags(p, l.set),
        }
      : {
          name: wa.name,
          scope: "REGIONAL",
          ownership,
          rulePrefix: prefix,
          defaultAction: null,
          visibilityConfig: null,
          rules,
          tags: null,
        };
  const capacity = webAclCapacity(webAcl, null);
  for (const m of capacity.errors) b.diag(l, "error", "blocking.waf-capacity", "/webAcl", m);
  for (const m of capacity.warnings) b.note({ severity: "warning", address: webAclAddress, message: m });
  // Both families' IP sets, declared or not: a set being created is created before the rule that
  // references it, and a set no longer declared is deleted only after the update that removed its
  // rule (WAF refuses to delete a referenced IP set), and not at all when that update failed.
  const dependsOn = (["IPV4", "IPV6"] as const).map((v) => makeAddress(target, "wafv2.ipSet", ipSetName(wa.name, v)));
  const added = b.add(
    l,
    "/webAcl",
    {
      address: webAclAddress,
      kind: "wafv2.webAcl",
      name: wa.name,
      target,
      spec: webAcl,
      mode: wafMode,
      origin: originOf(l, "webAcl"),
      dependsOn,
      declared: countryOrigins(l, countries),
      ...(wa.adopt === true ? { adopt: true } : {}),
      inPlace: {
        pointer: "/webAcl/name",
        choices:
          "choose another webAcl.name, set webAcl.ownership: shared to manage only Cordon's rules inside it, or set webAcl.adopt: true to take it over (the plan then shows every rule and setting that would change)",
      },
    },
    `web ACL ${wa.name}`,
  );
  if (!added) return;

  const takeOver = wa.takeOverLoadBalancers ?? POLICY_DEFAULTS.takeOverLoadBalancers;
  const notes: PlanNote[] = [];
  const selected = selectLoadBalancers(
    wa.loadBalancers,
    inventory,
    (pointer, message) => b.diag(l, "error", "blocking.load-balancer", `/webAcl/loadBalancers${pointer}`, message),
    notes,
    where,
  );
  for (const n of notes) b.note(n);
  for (const lb of selected) {
    if (lb.type !== "application") {
      b.note({
        severity: "warning",
        message: `${lb.name} is a ${lb.type} load balancer; WAF protects only Application Load Balancers, so it is left alone`,
      });
      continue;
    }
    const address = makeAddress(target, "wafv2.association", lb.name);
    const current = lb.webAclArn === null ? null : webAclNameOf(lb.webAclArn);
    if (lb.webAclArn !== null && current !== wa.name) {
      const other = current ?? lb.webAclArn;
      if (!takeOver) {
        b.note({
          severity: "warning",
          address,
          message: `load balancer ${lb.name} is protected by web ACL ${other}, which is not Cordon's: left alone (set webAcl.takeOverLoadBalancers to replace it)`,
        });
        continue;
      }
      b.noteFor(
        address,
        `takes ${lb.name} over from web ACL ${other} (takeOverLoadBalancers): that ACL's rules stop applying to it`,
      );
    }
    const spec: AssociationSpec = {
      loadBalancerName: lb.name,
      loadBalancerArn: lb.arn,
      webAclName: wa.name,
      webAclAddress,
    };
    b.add(
      l,
      "/webAcl/loadBalancers",
      {
        address,
        kind: "wafv2.association",
        name: lb.name,
        target,
        spec,
        mode: wafMode,
        origin: originOf(l, "webAcl"),
        dependsOn: [webAclAddress],
      },
      `the web ACL association of load balancer ${lb.name}`,
    );
  }
}

/** Load balancers matching any of the selector's ARNs, names or tags (a union), sorted by name. */
export function selectLoadBalancers(
  selector:
    | {
        readonly arns?: readonly string[];
        readonly names?: readonly string[];
        readonly tags?: Readonly<Record<string, string>>;
      }
    | undefined,
  inv: BlockingInventory,
  report: (pointer: string, message: string) => void,
  notes: PlanNote[],
  where: string,
): LoadBalancerInfo[] {
  if (selector === undefined) return [];
  const chosen = new Map<string, LoadBalancerInfo>();
  selector.arns?.forEach((arn, i) => {
    const lb = inv.loadBalancers.find((x) => x.arn === arn);
    if (lb === undefined) report(`/arns/${i}`, `no load balancer ${arn} in the target`);
    else chosen.set(lb.arn, lb);
  });
  selector.names?.forEach((name, i) => {
    const lb = inv.loadBalancers.find((x) => x.name === name);
    if (lb === undefined) report(`/names/${i}`, `no load balancer named ${name} in the target`);
    else chosen.set(lb.arn, lb);
  });
  if (selector.tags !== undefined) {
    const tags = selector.tags;
    const matched = inv.loadBalancers.filter((x) => tagsMatch(tags, x.tags));
    if (matched.length === 0)
      notes.push({ severity: "warning", message: `${where}: webAcl.loadBalancers.tags matches no load balancer` });
    for (const lb of matched) chosen.set(lb.arn, lb);
  }
  return [...chosen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
