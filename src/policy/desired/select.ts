// Helpers the section builders share: the target and
// ownership tags of a policy, and resolving VPC/subnet selectors against a target's inventory.

import type { Policy, SubnetSelector, VpcSelector } from "../../model/policy.js";
import type { TargetRef } from "../../model/resource.js";
import { type Inventory, type NetworkAclInfo, OWNERSHIP, type Tags } from "../../model/specs.js";

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

/**
 * A resource's Name tag as a display label: control characters become spaces, runs of spaces one,
 * at most 128 characters. Undefined when there is no (non-blank) Name tag.
 */
export function nameLabel(tags: Tags | undefined): string | undefined {
  const raw = tags?.["Name"];
  if (raw === undefined) return undefined;
  const clean = raw
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (clean === "") return undefined;
  return clean.length > 128 ? `${clean.slice(0, 127)}…` : clean;
}

type InventoryVpc = Inventory["vpcs"][number];
type InventorySubnet = Inventory["subnets"][number];

/** An inventory's VPCs and subnets by id, built once per inventory (labels are asked once per resource). */
const indexes = new WeakMap<
  Inventory,
  { readonly vpcs: ReadonlyMap<string, InventoryVpc>; readonly subnets: ReadonlyMap<string, InventorySubnet> }
>();
function indexOf(inv: Inventory) {
  let index = indexes.get(inv);
  if (index === undefined) {
    index = { vpcs: new Map(inv.vpcs.map((v) => [v.id, v])), subnets: new Map(inv.subnets.map((x) => [x.id, x])) };
    indexes.set(inv, index);
  }
  return index;
}

/** A VPC of the inventory by id. */
export const vpcById = (inv: Inventory, id: string): InventoryVpc | undefined => indexOf(inv).vpcs.get(id);

/**
 * The label shown beside a VPC's or subnet's id (docs/plan-output.md, "VPC labels"): a VPC's Name
 * tag ("production"); a subnet's Name tag, with its VPC's ("production-app, VPC production").
 */
export function resourceLabel(inv: Inventory, id: string): string | undefined {
  const vpc = vpcById(inv, id);
  if (vpc !== undefined) return nameLabel(vpc.tags);
  const subnet = indexOf(inv).subnets.get(id);
  if (subnet === undefined) return undefined;
  const own = nameLabel(subnet.tags);
  const parent = nameLabel(vpcById(inv, subnet.vpcId)?.tags);
  return (
    [own, parent === undefined ? undefined : `VPC ${parent}`].filter((x) => x !== undefined).join(", ") || undefined
  );
}

/** The label of a network ACL: its own Name tag, and its VPC's ("edge-acl, VPC production"). */
export function aclLabel(inv: Inventory, acl: NetworkAclInfo): string | undefined {
  const own = nameLabel(acl.tags);
  const parent = nameLabel(vpcById(inv, acl.vpcId)?.tags);
  return (
    [own, parent === undefined ? undefined : `VPC ${parent}`].filter((x) => x !== undefined).join(", ") || undefined
  );
}

/** `{ label }` when there is one, else nothing (spread into a desired resource). */
export const labelled = (label: string | undefined): { label?: string } => (label === undefined ? {} : { label });

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
