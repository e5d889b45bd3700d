// The blocking kinds (descriptor.blocksTraffic) in the plan pipeline (called from pipeline.ts):
// which targets need the blocking inventory (network ACLs, load balancers). Their reviewer notes
// travel with the plan: the desired state's change notes and DiffResult.notes, both added to the
// change by the planner.
import type { BlockingNeeds } from "../aws/inventory.js";
import type { LoadedPolicy } from "../model/policy.js";

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
