// Desired state of a policy's blockedAddresses section, with the allowlist as it applies to it:
//   networkAcls → one ec2.naclEntries per targeted ACL (every ACL of the selected VPCs, or only
//     those associated with the selected subnets), its band allocated against the ACL's live
//     entries (stable numbers), in the declared direction(s);
//   webAcl: true → a wafv2.ipSet per address family that blocks something ("<webAcl>-blocked-ipv4"
//     / "-ipv6"; never an empty one), which the web ACL's rules reference (web-acl.ts).
// Expired entries (today > expires, UTC) are left out; a change note on every resource they were
// enforced in says why. Pure and synchronous: the inventories were read before.

import { aggregate, type Cidr, cidrOf, contains, formatCidr, parseCidr } from "../../domain/cidr.js";
import { blockOf, expiryNote, type GuardContext, guardProblem, partitionExpired } from "../../domain/guard.js";
import {
  bandTagValue,
  NACL_BAND_TAG,
  naclCapacityProblems,
  naclOrderProblems,
  naclTransition,
} from "../../domain/nacl.js";
import { type IpSetAddresses, ipSetSpecs } from "../../domain/waf.js";
import { type LoadedPolicy, POLICY_DEFAULTS, type Policy, type VpcSelector } from "../../model/policy.js";
import { type DeclaredEntry, makeAddress, type RuleOrigin, type TargetRef } from "../../model/resource.js";
import type { BlockingInventory, NaclEntriesSpec, NetworkAclInfo } from "../../model/specs.js";
import { type Builder, originOf, targetKeyOf } from "./builder.js";
import { aclLabel, labelled, ownershipTags, selectSubnetIds, selectVpcIds, vpcById } from "./select.js";

/** The entries of a blockedAddresses section in force today. */
export interface ActiveBlocks {
  /**
   * Parsed, canonical, in force; `index` is the entry's position in blockedAddresses.entries,
   * `entry` the entry in the policy's words (for the plan's "why").
   */
  readonly blocks: readonly ActiveBlock[];
  /** Why each expired entry is no longer enforced, for the changes of the resources it was in. */
  readonly expiredNotes: readonly string[];
}

export interface ActiveBlock {
  readonly cidr: Cidr;
  readonly index: number;
  readonly entry: DeclaredEntry;
}

/** The entry as the plan shows it: value, reason, and ticket and expires when written. */
export const declaredEntry = (
  value: string,
  e: { readonly reason: string; readonly ticket?: string | undefined; readonly expires?: string | undefined },
): DeclaredEntry => ({
  value,
  reason: e.reason,
  ...(e.ticket === undefined ? {} : { ticket: e.ticket }),
  ...(e.expires === undefined ? {} : { expires: e.expires }),
});

/**
 * For each rule (a CIDR as written to AWS, after aggregation), the declared entries it covers, in
 * the order given: `203.0.113.10/31 ← 203.0.113.10, 203.0.113.11`. Rules that are not CIDRs, or
 * that no entry falls in, are left out.
 */
export function ruleOrigins(rules: readonly string[], blocks: readonly ActiveBlock[]): RuleOrigin[] {
  const out: RuleOrigin[] = [];
  for (const rule of new Set(rules)) {
    const c = cidrOf(rule);
    if (c === null) continue;
    const entries = blocks.filter((b) => contains(c, b.cidr)).map((b) => b.entry);
    if (entries.length > 0) out.push({ rule, entries });
  }
  return out;
}

/** The policy's allowlist, parsed: what a block must never overlap. */
export function allowlistOf(p: Policy): GuardContext["allowlist"] {
  const allowlist: { cidr: Cidr; reason: string }[] = [];
  for (const a of p.allowlist ?? []) {
    const c = blockOf(a.cidr);
    if (c !== null) allowlist.push({ cidr: c, reason: a.reason });
  }
  return allowlist;
}

/**
 * The section's entries in force `today`, and a plan note per expired one. Validation refuses a
 * malformed CIDR, host bits, /0, an overlap with the allowlist and entries covering the whole
 * internet; an entry that reaches here with one of those is left out and reported as an
 * assertion naming the validate rule, so the block is never enforced.
 */
export function activeBlocks(b: Builder, l: LoadedPolicy, today: string): ActiveBlocks {
  const ba = l.policy.blockedAddresses;
  if (ba === undefined) return { blocks: [], expiredNotes: [] };
  const allowlist = allowlistOf(l.policy);
  const blocks: ActiveBlock[] = [];
  const { active, expired } = partitionExpired(ba.entries, today);
  const expiredNotes = expired.map((e) => expiryNote(e.cidr, e));
  for (const e of active) {
    const index = ba.entries.indexOf(e);
    const pointer = `/blockedAddresses/entries/${index}/cidr`;
    const parsed = parseCidr(e.cidr);
    if (!parsed.ok) {
      b.unvalidated(l, "cidr.malformed", pointer, `"${e.cidr}", which is not a CIDR (${parsed.reason})`);
      continue;
    }
    if (parsed.hostBitsSet) {
      b.unvalidated(l, "cidr.host-bits", pointer, `"${e.cidr}", which has host bits set`);
      continue;
    }
    // The whole internet, or an overlap with the allowlist (in the guard rail's words).
    const problem = guardProblem(parsed.cidr, { allowlist, vpcCidrs: [] });
    if (problem !== null) {
      const rule = parsed.cidr.prefix === 0 ? "cidr.prefix-zero" : "blocked.allowlisted";
      b.unvalidated(l, rule, pointer, `blocking ${e.cidr}: ${problem}`);
      continue;
    }
    blocks.push({ cidr: parsed.cidr, index, entry: declaredEntry(e.cidr, e) });
  }
  for (const n of expiredNotes) b.note({ severity: "info", message: `${n}; remove it from ${l.source.file}` });
  for (const c of aggregate(blocks.map((x) => x.cidr))) {
    if (c.prefix === 0) {
      b.unvalidated(
        l,
        "blocked.whole-internet",
        "/blockedAddresses/entries",
        `entries that together cover the whole internet (${formatCidr(c)})`,
      );
    }
  }
  return { blocks, expiredNotes };
}

/** Declares the section's NACL bands: one ec2.naclEntries per targeted ACL. */
export function buildNetworkAcls(
  b: Builder,
  l: LoadedPolicy,
  target: TargetRef,
  inventory: BlockingInventory,
  active: ActiveBlocks,
): void {
  const p = l.policy;
  const ba = p.blockedAddresses;
  const nacl = ba?.networkAcls;
  if (ba === undefined || nacl === undefined) return;
  const where = `${l.source.file}#${l.source.document}`;
  const mode = ba.mode ?? POLICY_DEFAULTS.mode;
  const band = nacl.ruleNumbers ?? POLICY_DEFAULTS.ruleNumbers;
  const quota = nacl.entryQuota ?? POLICY_DEFAULTS.entryQuota;
  const direction = nacl.direction ?? POLICY_DEFAULTS.direction;
  const acls = selectAcls(nacl.vpcs, nacl.subnets, inventory, (code, pointer, message) =>
    b.diag(l, "error", code, `/blockedAddresses/networkAcls${pointer}`, message),
  );
  if (acls.length === 0) {
    b.note({
      severity: "warning",
      message: `${where}: blockedAddresses.networkAcls selects no network ACL in ${targetKeyOf(l)}`,
    });
  }
  for (const acl of acls) {
    const vpc = vpcById(inventory, acl.vpcId);
    const vpcCidrs: GuardContext["vpcCidrs"] = [...(vpc?.cidrs ?? []), ...(vpc?.ipv6Cidrs ?? [])].flatMap((t) => {
      const c = blockOf(t);
      return c === null ? [] : [{ vpcId: acl.vpcId, cidr: c }];
    });
    const mine: ActiveBlock[] = [];
    for (const x of active.blocks) {
      // Only the live inventory knows the VPC's own CIDRs: this guard rail is checked here.
      const problem = guardProblem(x.cidr, { allowlist: [], vpcCidrs });
      if (problem === null) mine.push(x);
      else
        b.diag(
          l,
          "error",
          "blocking.guard",
          `/blockedAddresses/entries/${x.index}/cidr`,
          `refusing to block ${formatCidr(x.cidr)} in ${acl.id}: ${problem}`,
        );
    }
    const agg = aggregate(mine.map((x) => x.cidr));
    const inbound = direction === "outbound" ? [] : agg;
    const outbound = direction === "inbound" ? [] : agg;
    const others = acl.entries.filter((e) => e.ruleNumber < band.first || e.ruleNumber > band.last);
    const capacity = naclCapacityProblems(acl.id, others, band, quota, { inbound, outbound });
    if (capacity.length > 0) {
      for (const m of capacity) b.diag(l, "error", "blocking.nacl-capacity", "/blockedAddresses/networkAcls", m);
      continue;
    }
    const entries = [
      ...inbound.map((c) => ({ egress: false, cidr: formatCidr(c) })),
      ...outbound.map((c) => ({ egress: true, cidr: formatCidr(c) })),
    ];
    const { final } = naclTransition(acl.entries, { band, entryQuota: quota, entries });
    const spec: NaclEntriesSpec = {
      aclId: acl.id,
      vpcId: acl.vpcId,
      band,
      entryQuota: quota,
      entries: final,
      others: [...others].sort((x, y) => Number(x.egress) - Number(y.egress) || x.ruleNumber - y.ruleNumber),
      policy: p.metadata.name,
      ...(l.set === undefined ? {} : { set: l.set }),
    };
    const address = makeAddress(target, "ec2.naclEntries", acl.id);
    // A band Cordon has not written yet cannot work there: the policy is wrong. In a band that is
    // Cordon's (its tag on the ACL), an allow entry placed before it since is drift that opens
    // access: the plan warns, `cordon drift` reports it at error level.
    const claimed = acl.tags?.[NACL_BAND_TAG] === bandTagValue(band);
    for (const m of naclOrderProblems(spec)) {
      if (claimed) b.note({ severity: "warning", address, message: `${m} (changed outside Cordon)` });
      else b.diag(l, "error", "blocking.nacl-order", "/blockedAddresses/networkAcls/ruleNumbers", m);
    }
    const added = b.add<NaclEntriesSpec>(
      l,
      "/blockedAddresses/networkAcls",
      {
        address,
        kind: "ec2.naclEntries",
        name: acl.id,
        target,
        spec,
        mode,
        origin: originOf(l, "blockedAddresses"),
        dependsOn: [],
        ...labelled(aclLabel(inventory, acl)),
        declared: ruleOrigins(
          final.map((e) => e.cidr),
          mine,
        ),
        ...(nacl.adopt === true ? { adopt: true } : {}),
        inPlace: {
          pointer: "/blockedAddresses/networkAcls/ruleNumbers",
          choices:
            "move the band (blockedAddresses.networkAcls.ruleNumbers) to rule numbers that are free in this ACL, or set blockedAddresses.networkAcls.adopt: true to make these entries Cordon's (they are then replaced or removed, each shown in the plan)",
        },
      },
      `the rule band of network ACL ${acl.id}`,
    );
    if (added) for (const n of active.expiredNotes) b.noteFor(address, n);
  }
}

/**
 * Declares the section's WAF IP sets when it says webAcl: true (the policy has a webAcl section:
 * the caller checked): one per address family that blocks at least one address, never an empty
 * one. Returns their addresses for the web ACL's rules (null for a family without a set); null =
 * the section puts no addresses in the web ACL.
 */
export function buildIpSets(
  b: Builder,
  l: LoadedPolicy,
  target: TargetRef,
  active: ActiveBlocks,
): IpSetAddresses | null {
  const p = l.policy;
  const ba = p.blockedAddresses;
  const wa = p.webAcl;
  if (ba === undefined || ba.webAcl !== true || wa === undefined) return null;
  const sets = ipSetSpecs(
    wa.name,
    active.blocks.map((x) => x.cidr),
    ownershipTags(p, l.set),
    active.blocks.length,
  );
  for (const m of sets.problems) b.diag(l, "error", "blocking.ip-set-limit", "/blockedAddresses/entries", m);
  const mode = ba.mode ?? POLICY_DEFAULTS.mode;
  const ipv4 = sets.ipv4.addresses.length > 0 ? makeAddress(target, "wafv2.ipSet", sets.ipv4.name) : null;
  const ipv6 = sets.ipv6.addresses.length > 0 ? makeAddress(target, "wafv2.ipSet", sets.ipv6.name) : null;
  for (const [address, spec] of [
    [ipv4, sets.ipv4],
    [ipv6, sets.ipv6],
  ] as const) {
    if (address === null) continue;
    const added = b.add(
      l,
      "/blockedAddresses/webAcl",
      {
        address,
        kind: "wafv2.ipSet",
        name: spec.name,
        target,
        spec,
        mode,
        origin: originOf(l, "blockedAddresses"),
        dependsOn: [],
        declared: ruleOrigins(spec.addresses, active.blocks),
        ...(wa.adopt === true ? { adopt: true } : {}),
        inPlace: {
          pointer: "/blockedAddresses/webAcl",
          choices: `the IP sets are named after the web ACL: choose another webAcl.name, or set webAcl.adopt: true to manage them (the plan then shows every address that would change)`,
        },
      },
      `WAF IP set ${spec.name}`,
    );
    if (added) for (const n of active.expiredNotes) b.noteFor(address, n);
  }
  return { ipv4, ipv6 };
}

type Report = (code: string, pointer: string, message: string) => void;

/** Every ACL of the selected VPCs, or — with a subnet selector — those associated with the selected subnets. */
export function selectAcls(
  vpcs: VpcSelector,
  subnets: { readonly ids?: readonly string[]; readonly tags?: Readonly<Record<string, string>> } | undefined,
  inv: BlockingInventory,
  report: Report,
): NetworkAclInfo[] {
  const vpcIds =
    selectVpcIds(vpcs, inv.vpcs, (id, i) =>
      report("blocking.unknown-vpc", `/vpcs/ids/${i}`, `VPC ${id} does not exist in the target`),
    ) ?? inv.vpcs.map((v) => v.id);
  const vpcSet = new Set(vpcIds);
  let acls = inv.networkAcls.filter((a) => vpcSet.has(a.vpcId));
  if (subnets !== undefined) {
    const ids = selectSubnetIds(subnets, inv.subnets, vpcSet, {
      unknown: (id, i) =>
        report("blocking.unknown-subnet", `/subnets/ids/${i}`, `subnet ${id} does not exist in the target`),
      outside: (id, vpcId, i) =>
        report(
          "blocking.unknown-subnet",
          `/subnets/ids/${i}`,
          `subnet ${id} is in ${vpcId}, which networkAcls.vpcs does not select`,
        ),
    });
    const chosen = new Set(ids);
    acls = acls.filter((a) => a.associations.some((s) => chosen.has(s)));
  }
  return [...acls].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
