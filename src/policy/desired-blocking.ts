// Desired state of the blocking kinds: NACL bands, WAF IP sets, the web ACL and its load-balancer
// associations, resolved against each target's BlockingInventory. Pure and synchronous; called by
// desiredResources() (src/policy/desired.ts) with the same inventories map ("account/region").
//
// Per policy:
//   blockedAddresses.networkAcls → one ec2.naclEntries per targeted ACL (every ACL of the selected
//     VPCs, or only those associated with the selected subnets), its band allocated against the
//     ACL's live entries (stable numbers, see nacl.ts), in the declared direction(s).
//   blockedAddresses.webAcl      → two wafv2.ipSet ("<webAcl>-blocked-ipv4" / "-ipv6").
//   webAcl (+ blockedCountries)  → one wafv2.webAcl (depends on the IP sets) and one
//     wafv2.association per selected Application Load Balancer (depends on the web ACL).
// Expired entries (options.today > expires, UTC) are left out; `changeNotes` says why, keyed by
// the address of every resource they were enforced in, so the planner can show it on the change.

import { aggregate, type Cidr, formatCidr, parseCidr } from "../domain/cidr.js";
import { isWafCountryCode } from "../domain/countries.js";
import { blockOf, expiryNote, type GuardContext, guardProblem, partitionExpired } from "../domain/guard.js";
import { naclCapacityProblems, naclOrderProblems, naclTransition } from "../domain/nacl.js";
import { cordonRules, ipSetSpecs, visibilityFor, webAclCapacity, webAclNameOf } from "../domain/waf.js";
import type { Diagnostic } from "../model/diagnostics.js";
import type { PlanNote } from "../model/plan.js";
import { type LoadedPolicy, POLICY_DEFAULTS, type VpcSelector } from "../model/policy.js";
import { type Address, type DesiredResource, makeAddress } from "../model/resource.js";
import type {
  AssociationSpec,
  BlockingInventory,
  LoadBalancerInfo,
  NaclEntriesSpec,
  NetworkAclInfo,
  WebAclSpec,
} from "../model/specs-blocking.js";
import { ownershipTags, selectSubnetIds, selectVpcIds, tagsMatch, targetOf } from "./select.js";

export interface BlockingOptions {
  /** YYYY-MM-DD (UTC): entries whose `expires` is before this day are no longer enforced. */
  readonly today: string;
}

export interface BlockingResult {
  /** Sorted by address. */
  readonly resources: readonly DesiredResource[];
  /** Errors make the plan fail (guard rails, capacity, order, limits); warnings are shown. */
  readonly diagnostics: readonly Diagnostic[];
  /** Plan-level notes: foreign web ACLs left alone, selectors that matched nothing, WCU above the base price. */
  readonly notes: readonly PlanNote[];
  /** Reviewer notes for the change at an address ("… expired 2026-12-31, ticket INC-42 …"). */
  readonly changeNotes: ReadonlyMap<Address, readonly string[]>;
}

export function desiredBlockingResources(
  policies: readonly LoadedPolicy[],
  inventories: ReadonlyMap<string, BlockingInventory>,
  options: BlockingOptions,
): BlockingResult {
  const diagnostics: Diagnostic[] = [];
  const notes: PlanNote[] = [];
  const resources = new Map<Address, DesiredResource>();
  const changeNotes = new Map<Address, string[]>();
  const claimedBy = new Map<Address, string>();

  for (const l of policies) {
    const p = l.policy;
    const where = `${l.source.file}#${l.source.document}`;
    const diag = (severity: Diagnostic["severity"], code: string, pointer: string, message: string, hint?: string) =>
      diagnostics.push({
        severity,
        code,
        file: l.source.file,
        position: null,
        pointer,
        document: l.source.document,
        message,
        ...(hint === undefined ? {} : { hint }),
      });
    const noteFor = (address: Address, text: string) => {
      const list = changeNotes.get(address) ?? [];
      if (!list.includes(text)) list.push(text);
      changeNotes.set(address, list);
    };
    const add = <S>(r: DesiredResource<S>, pointer: string): boolean => {
      const prior = claimedBy.get(r.address);
      if (prior !== undefined) {
        diag(
          "error",
          "blocking.conflict",
          pointer,
          `${r.address} is already declared by ${prior}; one resource, one policy`,
        );
        return false;
      }
      claimedBy.set(r.address, where);
      resources.set(r.address, r as DesiredResource);
      return true;
    };

    const ba = p.blockedAddresses;
    const bc = p.blockedCountries;
    const wa = p.webAcl;
    if (ba === undefined && bc === undefined && wa === undefined) continue;
    const target = targetOf(p);
    const key = `${target.account}/${target.region}`;
    const inventory = inventories.get(key);
    if (inventory === undefined) {
      diag("error", "desired.no-inventory", "/target", `no inventory was read for target ${key}`);
      continue;
    }

    const allowlist: { cidr: Cidr; reason: string }[] = [];
    for (const a of p.allowlist ?? []) {
      const c = blockOf(a.cidr);
      if (c !== null) allowlist.push({ cidr: c, reason: a.reason });
    }

    // --- blocked addresses: expiry, parsing, guard rails shared by every enforcement ----------
    const blocks: { cidr: Cidr; index: number }[] = [];
    const expiredNotes: string[] = [];
    if (ba !== undefined) {
      const { active, expired } = partitionExpired(ba.entries, options.today);
      for (const e of expired) expiredNotes.push(expiryNote(e.cidr, e));
      for (const e of active) {
        const index = ba.entries.indexOf(e);
        const pointer = `/blockedAddresses/entries/${index}/cidr`;
        const parsed = parseCidr(e.cidr);
        if (!parsed.ok) {
          diag("error", "blocking.cidr", pointer, `"${e.cidr}" is not a CIDR: ${parsed.reason}`);
          continue;
        }
        if (parsed.hostBitsSet) {
          diag(
            "error",
            "blocking.cidr-host-bits",
            pointer,
            `"${e.cidr}" has host bits set; it would block all of ${formatCidr(parsed.cidr)}`,
            `write ${formatCidr(parsed.cidr)} if that is meant`,
          );
          continue;
        }
        const problem = guardProblem(parsed.cidr, { allowlist, vpcCidrs: [] });
        if (problem !== null) {
          diag("error", "blocking.guard", pointer, `refusing to block ${e.cidr}: ${problem}`);
          continue;
        }
        blocks.push({ cidr: parsed.cidr, index });
      }
      for (const n of expiredNotes) notes.push({ severity: "info", message: `${n}; remove it from ${l.source.file}` });
      for (const c of aggregate(blocks.map((b) => b.cidr))) {
        if (c.prefix === 0) {
          diag(
            "error",
            "blocking.guard",
            "/blockedAddresses/entries",
            `refusing to block ${formatCidr(c)}: together the entries cover the whole internet`,
          );
        }
      }
    }

    // --- network ACLs --------------------------------------------------------------------------
    const nacl = ba?.networkAcls;
    if (ba !== undefined && nacl !== undefined) {
      const mode = ba.mode ?? POLICY_DEFAULTS.mode;
      const band = nacl.ruleNumbers ?? POLICY_DEFAULTS.ruleNumbers;
      const quota = nacl.entryQuota ?? POLICY_DEFAULTS.entryQuota;
      const direction = nacl.direction ?? POLICY_DEFAULTS.direction;
      const acls = selectAcls(nacl.vpcs, nacl.subnets, inventory, (code, pointer, message) =>
        diag("error", code, `/blockedAddresses/networkAcls${pointer}`, message),
      );
      if (acls.length === 0) {
        notes.push({
          severity: "warning",
          message: `${where}: blockedAddresses.networkAcls selects no network ACL in ${key}`,
        });
      }
      for (const acl of acls) {
        const vpc = inventory.vpcs.find((v) => v.id === acl.vpcId);
        const vpcCidrs: GuardContext["vpcCidrs"] = [...(vpc?.cidrs ?? []), ...(vpc?.ipv6Cidrs ?? [])].flatMap((t) => {
          const c = blockOf(t);
          return c === null ? [] : [{ vpcId: acl.vpcId, cidr: c }];
        });
        const mine: Cidr[] = [];
        for (const b of blocks) {
          const problem = guardProblem(b.cidr, { allowlist: [], vpcCidrs });
          if (problem === null) mine.push(b.cidr);
          else
            diag(
              "error",
              "blocking.guard",
              `/blockedAddresses/entries/${b.index}/cidr`,
              `refusing to block ${formatCidr(b.cidr)} in ${acl.id}: ${problem}`,
            );
        }
        const agg = aggregate(mine);
        const inbound = direction === "outbound" ? [] : agg;
        const outbound = direction === "inbound" ? [] : agg;
        const others = acl.entries.filter((e) => e.ruleNumber < band.first || e.ruleNumber > band.last);
        const capacity = naclCapacityProblems(acl.id, others, band, quota, { inbound, outbound });
        if (capacity.length > 0) {
          for (const m of capacity) diag("error", "blocking.nacl-capacity", "/blockedAddresses/networkAcls", m);
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
          others: [...others].sort((a, b) => Number(a.egress) - Number(b.egress) || a.ruleNumber - b.ruleNumber),
          policy: p.metadata.name,
          ...(l.set === undefined ? {} : { set: l.set }),
        };
        for (const m of naclOrderProblems(spec))
          diag("error", "blocking.nacl-order", "/blockedAddresses/networkAcls/ruleNumbers", m);
        const address = makeAddress(target, "ec2.naclEntries", acl.id);
        const added = add<NaclEntriesSpec>(
          {
            address,
            kind: "ec2.naclEntries",
            name: acl.id,
            target,
            spec,
            mode,
            origin: { file: l.source.file, document: l.source.document, section: "blockedAddresses" },
            dependsOn: [],
            ...(nacl.adopt === true ? { adopt: true } : {}),
            inPlace: {
              pointer: "/blockedAddresses/networkAcls/ruleNumbers",
              choices:
                "move the band (blockedAddresses.networkAcls.ruleNumbers) to rule numbers that are free in this ACL, or set blockedAddresses.networkAcls.adopt: true to make these entries Cordon's (they are then replaced or removed, each shown in the plan)",
            },
          },
          "/blockedAddresses/networkAcls",
        );
        if (added) for (const n of expiredNotes) noteFor(address, n);
      }
    }

    // --- WAF --------------------------------------------------------------------------------
    if (wa === undefined) {
      if (ba?.webAcl === true)
        diag(
          "error",
          "blocking.no-web-acl",
          "/blockedAddresses/webAcl",
          "blockedAddresses.webAcl is true but the policy declares no webAcl",
        );
      if (bc !== undefined)
        diag(
          "error",
          "blocking.no-web-acl",
          "/blockedCountries",
          "blockedCountries needs a webAcl section: countries are blocked by a rule in that web ACL",
        );
      continue;
    }
    const wafMode = wa.mode ?? POLICY_DEFAULTS.mode;
    const ownership = wa.ownership ?? POLICY_DEFAULTS.ownership;
    const prefix = wa.rulePrefix ?? POLICY_DEFAULTS.rulePrefix;
    const webAclAddress = makeAddress(target, "wafv2.webAcl", wa.name);
    const origin = (section: string) => ({ file: l.source.file, document: l.source.document, section });

    let ipSetAddresses: { ipv4: Address; ipv6: Address } | null = null;
    if (ba !== undefined && ba.webAcl === true) {
      const sets = ipSetSpecs(
        wa.name,
        blocks.map((b) => b.cidr),
        ownershipTags(p, l.set),
        blocks.length,
      );
      for (const m of sets.problems) diag("error", "blocking.ip-set-limit", "/blockedAddresses/entries", m);
      const mode = ba.mode ?? POLICY_DEFAULTS.mode;
      const ipv4 = makeAddress(target, "wafv2.ipSet", sets.ipv4.name);
      const ipv6 = makeAddress(target, "wafv2.ipSet", sets.ipv6.name);
      for (const [address, spec] of [
        [ipv4, sets.ipv4],
        [ipv6, sets.ipv6],
      ] as const) {
        if (
          add(
            {
              address,
              kind: "wafv2.ipSet",
              name: spec.name,
              target,
              spec,
              mode,
              origin: origin("blockedAddresses"),
              dependsOn: [],
              ...(wa.adopt === true ? { adopt: true } : {}),
              inPlace: {
                pointer: "/blockedAddresses/webAcl",
                choices: `the IP sets are named after the web ACL: choose another webAcl.name, or set webAcl.adopt: true to manage them (the plan then shows every address that would change)`,
              },
            },
            "/blockedAddresses/webAcl",
          )
        ) {
          for (const n of expiredNotes) noteFor(address, n);
        }
      }
      ipSetAddresses = { ipv4, ipv6 };
    }

    const countries: string[] = [];
    if (bc !== undefined) {
      const { active, expired } = partitionExpired(bc.countries, options.today);
      for (const e of expired) {
        const n = expiryNote(`country ${e.code}`, e);
        noteFor(webAclAddress, n);
        notes.push({ severity: "info", message: `${n}; remove it from ${l.source.file}` });
      }
      for (const e of active) {
        if (isWafCountryCode(e.code)) countries.push(e.code);
        else
          diag(
            "error",
            "blocking.country",
            `/blockedCountries/countries/${bc.countries.indexOf(e)}/code`,
            `WAF does not accept the country code "${e.code}"`,
          );
      }
    }

    const rules = cordonRules({ prefix, ipSets: ipSetAddresses, countries });
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
    for (const m of capacity.errors) diag("error", "blocking.waf-capacity", "/webAcl", m);
    for (const m of capacity.warnings) notes.push({ severity: "warning", address: webAclAddress, message: m });
    const dependsOn = ipSetAddresses === null ? [] : [ipSetAddresses.ipv4, ipSetAddresses.ipv6];
    if (
      !add(
        {
          address: webAclAddress,
          kind: "wafv2.webAcl",
          name: wa.name,
          target,
          spec: webAcl,
          mode: wafMode,
          origin: origin("webAcl"),
          dependsOn,
          ...(wa.adopt === true ? { adopt: true } : {}),
          inPlace: {
            pointer: "/webAcl/name",
            choices:
              "choose another webAcl.name, set webAcl.ownership: shared to manage only Cordon's rules inside it, or set webAcl.adopt: true to take it over (the plan then shows every rule and setting that would change)",
          },
        },
        "/webAcl",
      )
    ) {
      continue;
    }

    // --- associations -------------------------------------------------------------------------
    const takeOver = wa.takeOverLoadBalancers ?? POLICY_DEFAULTS.takeOverLoadBalancers;
    for (const lb of selectLoadBalancers(
      wa.loadBalancers,
      inventory,
      (pointer, message) => diag("error", "blocking.load-balancer", `/webAcl/loadBalancers${pointer}`, message),
      notes,
      where,
    )) {
      if (lb.type !== "application") {
        notes.push({
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
          notes.push({
            severity: "warning",
            address,
            message: `load balancer ${lb.name} is protected by web ACL ${other}, which is not Cordon's: left alone (set webAcl.takeOverLoadBalancers to replace it)`,
          });
          continue;
        }
        noteFor(
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
      add(
        {
          address,
          kind: "wafv2.association",
          name: lb.name,
          target,
          spec,
          mode: wafMode,
          origin: origin("webAcl"),
          dependsOn: [webAclAddress],
        },
        "/webAcl/loadBalancers",
      );
    }
  }

  return {
    resources: [...resources.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)),
    diagnostics,
    notes,
    changeNotes,
  };
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
