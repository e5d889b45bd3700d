// Desired state: what the policies want in AWS, as DesiredResources, resolved against each
// target's inventory. One builder per policy section over one shared helper (builder.ts, which
// holds the one conflict rule):
//   flowLogs (bucket, bucket policy, flow logs) → flow-logs.ts     athena → athena.ts
//   blockedAddresses (+ allowlist) → blocked-addresses.ts           blockedCountries → blocked-countries.ts
//   webAcl (web ACL, load-balancer associations) → web-acl.ts
// Pure and synchronous: the inventories were read before ("account/region" keys).

import type { LoadedPolicy } from "../../model/policy.js";
import type { BlockingInventory, Inventory } from "../../model/specs.js";
import { buildAthena } from "./athena.js";
import { activeBlocks, buildIpSets, buildNetworkAcls } from "./blocked-addresses.js";
import { activeCountries } from "./blocked-countries.js";
import { type Builder, type DesiredOptions, type DesiredState, newBuilder, targetKeyOf } from "./builder.js";
import { buildFlowLogs } from "./flow-logs.js";
import { targetOf } from "./select.js";
import { buildWebAcl, webAclAddressOf } from "./web-acl.js";

export type { DesiredOptions, DesiredState } from "./builder.js";

export interface Inventories {
  /** VPCs and subnets of every target. */
  readonly network: ReadonlyMap<string, Inventory>;
  /** Network ACLs and load balancers of the targets whose policies block (see blockingNeeds). */
  readonly blocking: ReadonlyMap<string, BlockingInventory>;
}

/** Every section of every policy: the desired state a plan is made from. */
export function desiredState(
  policies: readonly LoadedPolicy[],
  inventories: Inventories,
  options: DesiredOptions,
): DesiredState {
  const b = newBuilder();
  monitoring(b, policies, inventories.network, options);
  blocking(b, policies, inventories.blocking, options);
  return b.result();
}

/** The monitoring sections alone (flowLogs, athena). */
export function desiredMonitoring(
  policies: readonly LoadedPolicy[],
  inventories: ReadonlyMap<string, Inventory>,
  options: DesiredOptions,
): DesiredState {
  const b = newBuilder();
  monitoring(b, policies, inventories, options);
  return b.result();
}

/** The blocking sections alone (blockedAddresses, blockedCountries, webAcl). */
export function desiredBlocking(
  policies: readonly LoadedPolicy[],
  inventories: ReadonlyMap<string, BlockingInventory>,
  options: DesiredOptions,
): DesiredState {
  const b = newBuilder();
  blocking(b, policies, inventories, options);
  return b.result();
}

function monitoring(
  b: Builder,
  policies: readonly LoadedPolicy[],
  inventories: ReadonlyMap<string, Inventory>,
  options: DesiredOptions,
): void {
  // Bucket ownership and table coverage go to the first policy by file and document.
  const ordered = [...policies].sort(
    (x, y) => x.source.file.localeCompare(y.source.file) || x.source.document - y.source.document,
  );
  const sources = buildFlowLogs(b, ordered, inventories);
  buildAthena(b, ordered, sources, options);
}

function blocking(
  b: Builder,
  policies: readonly LoadedPolicy[],
  inventories: ReadonlyMap<string, BlockingInventory>,
  options: DesiredOptions,
): void {
  for (const l of policies) {
    const p = l.policy;
    const { blockedAddresses: ba, blockedCountries: bc, webAcl: wa } = p;
    if (ba === undefined && bc === undefined && wa === undefined) continue;
    const target = targetOf(p);
    const key = targetKeyOf(l);
    const inventory = inventories.get(key);
    if (inventory === undefined) {
      b.diag(l, "error", "desired.no-inventory", "/target", `no inventory was read for target ${key}`);
      continue;
    }
    const active = activeBlocks(b, l, options.today);
    buildNetworkAcls(b, l, target, inventory, active);
    if (wa === undefined) {
      // The IP sets and the geo rule live in the web ACL.
      if (ba?.webAcl === true)
        b.diag(
          l,
          "error",
          "blocking.no-web-acl",
          "/blockedAddresses/webAcl",
          "blockedAddresses.webAcl is true but the policy declares no webAcl",
        );
      if (bc !== undefined)
        b.diag(
          l,
          "error",
          "blocking.no-web-acl",
          "/blockedCountries",
          "blockedCountries needs a webAcl section: countries are blocked by a rule in that web ACL",
        );
      continue;
    }
    const ipSets = buildIpSets(b, l, target, active);
    const countries = activeCountries(b, l, webAclAddressOf(target, wa.name), options.today);
    buildWebAcl(b, l, target, inventory, ipSets, countries);
  }
}
