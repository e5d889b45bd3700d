// The blocking kinds (descriptor.blocksTraffic) in the plan pipeline (called from pipeline.ts):
// which targets need the blocking inventory (network ACLs, load balancers), and the reviewer notes
// a plan carries on blocking changes — the expiry reasons ("… expired 2026-12-31, ticket INC-42 …")
// and what stops being blocked. Notes are display data only (docs/architecture.md, "Display data never drives execution"); the executor
// never reads them.
import type { BlockingNeeds } from "../aws/inventory-blocking.js";
import type { BlockingDiff } from "../domain/nacl.js";
import { descriptorOf } from "../handlers/registry.js";
import type { Change } from "../model/change.js";
import type { PlanDocument } from "../model/plan.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { Address } from "../model/resource.js";
import type { HandlerLookup } from "./observe.js";

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

/**
 * The plan with reviewer notes added to its blocking changes that do something: `changeNotes` by
 * address (expiry reasons from the desired state) and the notes of the kind's own diff (what stops
 * being blocked, foreign rules that run first). No-op changes get none: an expired entry already
 * removed is not news.
 */
export function annotateBlocking(
  plan: PlanDocument,
  changeNotes: ReadonlyMap<Address, readonly string[]>,
  handlers: HandlerLookup,
): PlanDocument {
  const changes = plan.changes.map((c): Change => {
    if (descriptorOf(c.kind)?.blocksTraffic !== true || c.action === "no-op") return c;
    const notes = [...c.impact.notes];
    const add = (n: string) => {
      if (!notes.includes(n)) notes.push(n);
    };
    for (const n of changeNotes.get(c.address) ?? []) add(n);
    if (c.action === "update" && c.before !== null && c.after !== null) {
      const d = handlers(c.kind)?.diff(c.after, c.before) as Partial<BlockingDiff> | undefined;
      for (const n of d?.notes ?? []) add(n);
    }
    return notes.length === c.impact.notes.length ? c : { ...c, impact: { ...c.impact, notes } };
  });
  return { ...plan, changes };
}
