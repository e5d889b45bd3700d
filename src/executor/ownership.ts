// Ownership scoping of the owned resources no desired resource declares (what the handlers'
// discover found): which of them the plan may delete, and which it must leave alone because the
// policy that owns them was not loaded in this run. Pure: the tags were read by the handlers.
//
// A discovered resource names its owner with two tags (on the resource itself, or for a load
// balancer's association on its web ACL): cordon:policy (the policy's metadata.name) and
// cordon:set (the policy set's name from cordon.yaml; absent on what older versions made or on
// policies of no set). The rule:
//   1. its policy is loaded (same name; and its set tag, when it has one, is the loaded set) →
//      planned as before: deleted, or kept / only reported by that policy's mode when it targets
//      the same account and region;
//   2. else, when the whole set is loaded (every policy file under the directory of cordon.yaml)
//      and its set tag is the loaded set → deleted, reason "policy X was removed";
//   3. else (a partial load, another set, no set, no cordon:policy tag) → left alone: never planned
//      for change or deletion, only listed in one plan note.
import type { Discovered } from "../handlers/contract.js";
import { descriptorOf } from "../handlers/registry.js";
import type { PlanNote } from "../model/plan.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { Address } from "../model/resource.js";
import { OWNERSHIP } from "../model/specs.js";
import type { OwnedResource } from "../planner/plan.js";

/** What the run loaded: the policies, and the set they belong to (null: none). */
export interface LoadedScope {
  readonly policies: readonly LoadedPolicy[];
  readonly set: { readonly name: string; readonly complete: boolean } | null;
}

export interface ScopedOwned {
  /** To plan (deletion, or what the declaring policy's mode allows). */
  readonly owned: readonly OwnedResource[];
  /** Owned by policies not loaded: never planned. Sorted by address. */
  readonly leftAlone: readonly Discovered[];
  /** The plan note listing `leftAlone` (null when empty). */
  readonly note: PlanNote | null;
}

const policyOf = (d: Discovered): string | undefined => d.observation.meta.tags?.[OWNERSHIP.policyTagKey];
const setOf = (d: Discovered): string | undefined => d.observation.meta.tags?.[OWNERSHIP.setTagKey];

/** Splits discovered resources into those the plan may act on and those it must leave alone. */
export function scopeOwned(discovered: readonly Discovered[], scope: LoadedScope): ScopedOwned {
  const owned: OwnedResource[] = [];
  const leftAlone: Discovered[] = [];
  for (const d of discovered) {
    const policy = policyOf(d);
    const set = setOf(d);
    const declaring =
      policy === undefined
        ? []
        : scope.policies.filter((p) => p.policy.metadata.name === policy && (set === undefined || p.set === set));
    if (declaring.length > 0) {
      owned.push(withDeclaringMode(d, declaring));
    } else if (policy !== undefined && scope.set?.complete === true && set === scope.set.name) {
      owned.push({ ...d, removedPolicy: policy });
    } else {
      leftAlone.push(d);
    }
  }
  leftAlone.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return { owned, leftAlone, note: leftAloneNote(leftAlone, scope) };
}

/**
 * An owned resource keeps the management mode of the policy that created it when that policy
 * targets the resource's account and region: a resource left behind by a "no-delete" or
 * "observe" section (its kind's descriptor names the section: flowLogs for flow logs,
 * blockedAddresses for NACL bands and IP sets, webAcl for the web ACL and its associations) is then
 * kept or only reported, not deleted.
 */
function withDeclaringMode(d: Discovered, declaring: readonly LoadedPolicy[]): OwnedResource {
  const same = declaring.find(
    (p) => p.policy.target.account === d.target.account && p.policy.target.region === d.target.region,
  );
  if (same === undefined) return d;
  const section = descriptorOf(d.kind)?.section;
  const mode = section === undefined ? undefined : same.policy[section]?.mode;
  return mode === undefined ? d : { ...d, mode };
}

/** How a left-alone resource's owner is named in the note. */
function ownerLabel(d: Discovered, scope: LoadedScope): string {
  const policy = policyOf(d);
  const set = setOf(d);
  if (policy === undefined) return "no cordon:policy tag";
  const where =
    set === undefined
      ? scope.set === null
        ? ""
        : ", no policy set"
      : scope.set === null || set !== scope.set.name
        ? `, policy set ${set}`
        : "";
  return `policy ${policy}${where}`;
}

function leftAloneNote(leftAlone: readonly Discovered[], scope: LoadedScope): PlanNote | null {
  if (leftAlone.length === 0) return null;
  const byOwner = new Map<string, Address[]>();
  for (const d of leftAlone) {
    const label = ownerLabel(d, scope);
    byOwner.set(label, [...(byOwner.get(label) ?? []), d.address]);
  }
  const n = leftAlone.length;
  const m = byOwner.size;
  const groups = [...byOwner.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, addresses]) => `${label}: ${addresses.join(", ")}`);
  return {
    severity: "info",
    message: `${n} resource${n === 1 ? "" : "s"} of ${m} polic${m === 1 ? "y" : "ies"} not loaded: left alone (${groups.join("; ")})`,
    addresses: leftAlone.map((d) => d.address),
  };
}
