// The blocking kinds in the plan pipeline (called from pipeline.ts): which targets need the
// blocking inventory (network ACLs, load balancers), and the mode of the section that declares a
// blocking kind. (Their reviewer notes travel with the plan: the desired state's change notes and
// DiffResult.notes, both added to the change by the planner.)
import type { BlockingNeeds } from "../aws/inventory.js";
import type { LoadedPolicy, ManagementMode, Policy } from "../model/policy.js";
import type { Kind } from "../model/resource.js";

/**
 * The mode of the section of `policy` that declares resources of a blocking `kind` (NACL bands and
 * IP sets: blockedAddresses; the web ACL and its associations: webAcl); undefined when the policy
 * has no such section any more, or for another kind. A blocking resource left behind keeps the
 * mode of the policy that made it (named by its cordon:policy tag): kept in no-delete mode, only
 * reported in observe mode.
 */
export function blockingSectionMode(kind: Kind, policy: Policy): ManagementMode | undefined {
  switch (kind) {
    case "ec2.naclEntries":
    case "wafv2.ipSet":
      return policy.blockedAddresses?.mode;
    case "wafv2.webAcl":
    case "wafv2.association":
      return policy.webAcl?.mode;
    default:
      return undefined;
  }
}

/** What the policies of one target (account/region key) need read beyond VPCs and subnets; null = nothing. */
export function blockingNeeds(policies: readonly LoadedPolicy[], key: string): BlockingNeeds | null {
  let networkAcls = false;
  let loadBalancers = false;
  let any = false;
  for (const { policy: p } of policies) {
    if (`${p.target.account}/${p.target.region}` !== key) continue;
    if (p.blockedAddresses === undefined && p.webAcl === undefined && p.blockedCountries === undefined) continue;
    any = true;
    if (p.blockedAddresses?.networkAcls !== undefined) networkAcls = true;
    if (p.webAcl?.loadBalancers !== undefined) loadBalancers = true;
  }
  return any ? { networkAcls, loadBalancers } : null;
}
