// Helpers the section builders share: the target and
// ownership tags of a policy, and resolving VPC/subnet selectors against a target's inventory.

import type { Policy, SubnetSelector, VpcSelector } from "../../model/policy.js";
import type { TargetRef } from "../../model/resource.js";
import { OWNERSHIP, type Tags } from "../../model/specs.js";

/** Every key must match (AND); "*" matches any value of a present key. */
export const tagsMatch = (selector: Readonly<Record<string, string>>, tags: Tags): boolean =>
  Object.entries(selector).every(([k, v]) => tags[k] !== undefined && (v === "*" || tags[k] === v));

export const targetOf = (p: Policy): TargetRef => ({
  account: p.target.account,
  region: p.target.region,
  ...(p.target.roleArn === undefined ? {} : { roleArn: p.target.roleArn }),
  ...(p.target.externalId === undefined ? {} : { externalId: p.target.externalId }),
});

/** The tags marking a resource as Cordon's, made for this policy of this policy set (undefined: none). */
export const ownershipTags = (p: Policy, set: string | undefined): Tags => ({
  [OWNERSHIP.tagKey]: OWNERSHIP.tagValue,
  [OWNERSHIP.policyTagKey]: p.metadata.name,
  ...(set === undefined ? {} : { [OWNERSHIP.setTagKey]: set }),
});

interface Tagged {
  readonly id: string;
  readonly tags: Tags;
}

/**
 * The VPC ids a selector's `ids` or `tags` picks, in inventory/selector order: each listed id the
 * inventory lacks is passed to `unknown` (with its index) and left out. Undefined when the selector
 * has neither ids nor tags: the caller decides what that means.
 */
export function selectVpcIds(
  selector: VpcSelector,
  vpcs: readonly Tagged[],
  unknown: (id: string, index: number) => void,
): string[] | undefined {
  if (selector.ids !== undefined) {
    const known = new Set(vpcs.map((v) => v.id));
    const ids: string[] = [];
    selector.ids.forEach((id, i) => {
      if (known.has(id)) ids.push(id);
      else unknown(id, i);
    });
    return ids;
  }
  const tags = selector.tags;
  if (tags !== undefined) return vpcs.filter((v) => tagsMatch(tags, v.tags)).map((v) => v.id);
  return undefined;
}

/**
 * The subnet ids a selector picks inside the selected VPCs: its `ids` (each unknown one passed to
 * `unknown`, each outside `vpcIds` to `outside`, both left out), else those of the selected VPCs
 * matching its tags (no tags: all of them).
 */
export function selectSubnetIds(
  selector: SubnetSelector,
  subnets: readonly (Tagged & { readonly vpcId: string })[],
  vpcIds: ReadonlySet<string>,
  report: {
    readonly unknown: (id: string, index: number) => void;
    readonly outside: (id: string, vpcId: string, index: number) => void;
  },
): string[] {
  if (selector.ids !== undefined) {
    const byId = new Map(subnets.map((s) => [s.id, s]));
    const ids: string[] = [];
    selector.ids.forEach((id, i) => {
      const found = byId.get(id);
      if (found === undefined) report.unknown(id, i);
      else if (!vpcIds.has(found.vpcId)) report.outside(id, found.vpcId, i);
      else ids.push(id);
    });
    return ids;
  }
  const tags = selector.tags ?? {};
  return subnets.filter((s) => vpcIds.has(s.vpcId) && tagsMatch(tags, s.tags)).map((s) => s.id);
}
