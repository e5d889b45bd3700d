// Cordon's rule-number band in a network ACL: allocation, the gap-free transition, the capacity
// and order checks, and the diff of the ec2.naclEntries kind. Pure and synchronous.
//
// Model. Identity of an entry is (egress, ruleNumber); IPv4 and IPv6 entries share the number
// space of a direction (docs/aws-behaviour.md, "Rule numbers and identity"). Cordon owns the numbers band.first..band.last in BOTH
// directions; everything outside the band is read, checked against, and never touched.
//
// Quota assumption (docs/aws-behaviour.md, "NACL quota"; UNCONFIRMED in practice): the quota counts entries per
// direction and per address family, and INCLUDES the catch-all deny (32767 for IPv4, 32768 for
// IPv6), which AWS's documentation says it does. So in one direction and family, Cordon may use
//   entryQuota − 1 (catch-all) − (entries of that family outside the band, catch-all excluded).
// If AWS in fact does not count the catch-all, this is one entry conservative, never too lax.

import type { DiffResult, FieldDiff } from "../model/change.js";
import { PolicyError } from "../model/errors.js";
import type { NaclBand, NaclBandEntry, NaclEntriesSpec, NaclEntry } from "../model/specs.js";
import { aggregate, type Cidr, compareCidr, contains, formatCidr, type IpFamily, overlaps, parseCidr } from "./cidr.js";

export const CATCH_ALL_RULES: readonly number[] = [32767, 32768];

/** The tag Cordon puts on a network ACL whose band it has claimed; its value is naclBandText(band). */
export const NACL_BAND_TAG = "cordon:nacl-band";

/** A band as the cordon:nacl-band tag holds it: "<first>-<last>". */
export const naclBandText = (band: { readonly first: number; readonly last: number }): string =>
  `${band.first}-${band.last}`;

const FAMILY_LABEL: Readonly<Record<IpFamily, string>> = { ipv4: "IPv4", ipv6: "IPv6" };

export const directionName = (egress: boolean): "inbound" | "outbound" => (egress ? "outbound" : "inbound");

/** The canonical block of an entry (either CIDR field), or null when it has none or it does not parse. */
export function entryBlock(e: { readonly cidr?: string; readonly ipv6Cidr?: string }): Cidr | null {
  const text = e.cidr ?? e.ipv6Cidr;
  if (text === undefined) return null;
  const p = parseCidr(text);
  return p.ok ? p.cidr : null;
}

export const inBand = (band: NaclBand, ruleNumber: number): boolean =>
  ruleNumber >= band.first && ruleNumber <= band.last;

export const isCatchAll = (e: NaclEntry): boolean => CATCH_ALL_RULES.includes(e.ruleNumber);

/** A live entry inside the band, in the spec's single-`cidr` form. */
export function toBandEntry(e: NaclEntry): NaclBandEntry {
  const block = entryBlock(e);
  return {
    ruleNumber: e.ruleNumber,
    egress: e.egress,
    cidr: block === null ? (e.cidr ?? e.ipv6Cidr ?? "") : formatCidr(block),
    action: e.action,
    protocol: e.protocol,
    ...(e.portRange === undefined ? {} : { portRange: e.portRange }),
    ...(e.icmpTypeCode === undefined ? {} : { icmpTypeCode: e.icmpTypeCode }),
  };
}

const byEntryOrder = (a: { egress: boolean; ruleNumber: number }, b: { egress: boolean; ruleNumber: number }) =>
  Number(a.egress) - Number(b.egress) || a.ruleNumber - b.ruleNumber;

// ---------------------------------------------------------------------------------------------
// Capacity
// ---------------------------------------------------------------------------------------------

/** Entries of `family` in one direction outside the band, catch-all excluded. */
export function othersCount(others: readonly NaclEntry[], band: NaclBand, egress: boolean, family: IpFamily): number {
  let n = 0;
  for (const e of others) {
    if (e.egress !== egress || inBand(band, e.ruleNumber) || isCatchAll(e)) continue;
    if (entryBlock(e)?.family === family) n++;
  }
  return n;
}

/** How many band entries of `family` fit in one direction (quota − catch-all − others). */
export function bandCapacity(
  others: readonly NaclEntry[],
  band: NaclBand,
  quota: number,
  egress: boolean,
  family: IpFamily,
): number {
  return quota - 1 - othersCount(others, band, egress, family);
}

export interface NaclDesiredBlocks {
  /** Aggregated blocks to deny, per direction. */
  readonly inbound: readonly Cidr[];
  readonly outbound: readonly Cidr[];
}

/**
 * Capacity problems for one ACL, each with the numbers: the band must have a number for every
 * entry of a direction, and per direction and family the entries must fit the quota.
 */
export function naclCapacityProblems(
  aclId: string,
  others: readonly NaclEntry[],
  band: NaclBand,
  quota: number,
  desired: NaclDesiredBlocks,
): string[] {
  const problems: string[] = [];
  const size = band.last - band.first + 1;
  for (const egress of [false, true]) {
    const blocks = egress ? desired.outbound : desired.inbound;
    const dir = directionName(egress);
    if (blocks.length > size) {
      problems.push(
        `network ACL ${aclId}, ${dir}: ${blocks.length} CIDRs to block but the band ${band.first}–${band.last} has only ${size} rule numbers`,
      );
    }
    for (const family of ["ipv4", "ipv6"] as const) {
      const mine = blocks.filter((b) => b.family === family).length;
      if (mine === 0) continue;
      const theirs = othersCount(others, band, egress, family);
      const total = mine + theirs + 1;
      if (total > quota) {
        problems.push(
          `network ACL ${aclId}, ${dir} ${FAMILY_LABEL[family]}: ${mine} blocked CIDRs + ${theirs} other entries + 1 catch-all deny = ${total} entries, above the quota of ${quota} per direction and family (raise entryQuota only if the account's quota L-2AEEBF1A was raised; AWS allows up to 40)`,
        );
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------------------------

function describeMatch(e: NaclEntry): string {
  if (e.protocol === "-1") return "all traffic";
  const ports = e.portRange === undefined ? "" : ` ports ${e.portRange.from}–${e.portRange.to}`;
  return `protocol ${e.protocol}${ports}`;
}

/**
 * Order problems: a deny entry only works if no allow entry with a lower rule number matches the
 * same addresses first (evaluation is ascending, first match wins). One message per (deny, allow).
 */
export function naclOrderProblems(spec: NaclEntriesSpec): string[] {
  const problems: string[] = [];
  for (const d of spec.entries) {
    const block = entryBlock(d);
    if (block === null || d.action !== "deny") continue;
    for (const o of spec.others) {
      if (o.egress !== d.egress || o.action !== "allow" || o.ruleNumber >= d.ruleNumber) continue;
      const allow = entryBlock(o);
      if (allow === null || !overlaps(allow, block)) continue;
      const where = `network ACL ${spec.aclId}, ${directionName(d.egress)}`;
      const allowText = `allow rule ${o.ruleNumber} (${formatCidr(allow)}, ${describeMatch(o)})`;
      const whole = contains(allow, block) && o.protocol === "-1";
      problems.push(
        whole
          ? `${where}: the deny entry for ${d.cidr} is rule ${d.ruleNumber}, but ${allowText} matches it first — rules are evaluated in ascending order and the first match wins, so the deny would block nothing; use a band below ${o.ruleNumber}`
          : `${where}: the deny entry for ${d.cidr} is rule ${d.ruleNumber}, but ${allowText} matches part of that traffic first — rules are evaluated in ascending order and the first match wins, so that part would not be blocked; use a band below ${o.ruleNumber}`,
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Transition: allocation and gap-free operations
// ---------------------------------------------------------------------------------------------

/** A primitive NACL call, in execution order. Created and replacing entries are deny / all traffic. */
export type NaclOp =
  | { readonly op: "create"; readonly egress: boolean; readonly ruleNumber: number; readonly cidr: string }
  | {
      readonly op: "replace";
      readonly egress: boolean;
      readonly ruleNumber: number;
      readonly cidr: string;
      readonly previous: NaclBandEntry;
    }
  | { readonly op: "delete"; readonly egress: boolean; readonly ruleNumber: number; readonly previous: NaclBandEntry };

/** What the band should contain (numbers, if present, are ignored: allocation decides them). */
export interface NaclTarget {
  readonly band: NaclBand;
  readonly entryQuota: number;
  readonly entries: readonly { readonly egress: boolean; readonly cidr: string }[];
}

interface Slot {
  readonly entry: NaclBandEntry;
  /** Set when the entry is a deny for all traffic: the only kind that counts as blocking. */
  readonly block: Cidr | null;
  readonly family: IpFamily | null;
}

function slotOf(entry: NaclBandEntry): Slot {
  const parsed = entryBlock(entry);
  return {
    entry,
    block: entry.action === "deny" && entry.protocol === "-1" ? parsed : null,
    family: parsed?.family ?? null,
  };
}

/** True when the union of `by` covers every address of `target`. */
export function coveredBy(target: Cidr, by: readonly Cidr[]): boolean {
  const inside: Cidr[] = [];
  for (const b of by) {
    if (contains(b, target)) return true;
    if (contains(target, b)) inside.push(b);
  }
  if (inside.length === 0) return false;
  const union = aggregate(inside);
  return union.length === 1 && compareCidr(union[0]!, target) === 0;
}

const denyEntry = (egress: boolean, ruleNumber: number, cidr: Cidr): NaclBandEntry => ({
  ruleNumber,
  egress,
  cidr: formatCidr(cidr),
  action: "deny",
  protocol: "-1",
});

/**
 * One direction. Invariant kept after every op: each block that was denied before (by a live
 * all-traffic deny in the band) and is denied after (in `wanted`) is covered by the current
 * all-traffic denies of the band. Greedy, in this order of preference:
 *   1. create a wanted block on the lowest free number (when the family's quota allows);
 *   2. replace an obsolete entry in place with a wanted block, if the invariant holds after it;
 *   3. delete an obsolete entry the invariant does not need (frees a number or quota);
 * then delete what is left over. A state where none applies cannot arise when the final state fits
 * the band and the quota (each obsolete entry that is the sole cover of two or more unplaced
 * blocks contains them, so there would be at least twice as many unplaced blocks as obsolete
 * entries, which the counts rule out); if it does anyway, this throws rather than open a gap.
 */
function transitionDirection(
  egress: boolean,
  live: readonly NaclBandEntry[],
  wanted: readonly Cidr[],
  band: NaclBand,
  capacity: Readonly<Record<IpFamily, number>>,
): { ops: NaclOp[]; final: NaclBandEntry[] } {
  const ops: NaclOp[] = [];
  const state = new Map<number, Slot>();
  for (const e of live) state.set(e.ruleNumber, slotOf(e));

  const obsolete = new Set<number>([...state.keys()]);
  const unplaced: Cidr[] = [];
  for (const w of wanted) {
    const keep = [...state.values()]
      .filter((s) => obsolete.has(s.entry.ruleNumber) && s.block !== null && compareCidr(s.block, w) === 0)
      .sort((a, b) => a.entry.ruleNumber - b.entry.ruleNumber)[0];
    if (keep === undefined) unplaced.push(w);
    else obsolete.delete(keep.entry.ruleNumber);
  }

  const mustKeep: Cidr[] = [];
  for (const s of state.values()) {
    if (s.block === null) continue;
    for (const w of wanted) {
      if (contains(s.block, w)) mustKeep.push(w);
      else if (contains(w, s.block)) mustKeep.push(s.block);
    }
  }
  const safe = (candidate: ReadonlyMap<number, Slot>): boolean => {
    const blocks: Cidr[] = [];
    for (const s of candidate.values()) if (s.block !== null) blocks.push(s.block);
    return mustKeep.every((k) => coveredBy(k, blocks));
  };
  const count = (family: IpFamily): number => {
    let n = 0;
    for (const s of state.values()) if (s.family === family) n++;
    return n;
  };
  const lowestFree = (): number | undefined => {
    for (let n = band.first; n <= band.last; n++) if (!state.has(n)) return n;
    return undefined;
  };
  const obsoleteInOrder = () => [...obsolete].sort((a, b) => a - b);

  while (unplaced.length > 0) {
    const free = lowestFree();
    if (free !== undefined) {
      const i = unplaced.findIndex((w) => count(w.family) < capacity[w.family]);
      if (i >= 0) {
        const w = unplaced.splice(i, 1)[0]!;
        const entry = denyEntry(egress, free, w);
        state.set(free, slotOf(entry));
        ops.push({ op: "create", egress, ruleNumber: free, cidr: entry.cidr });
        continue;
      }
    }
    let done = false;
    replace: for (let i = 0; i < unplaced.length; i++) {
      const w = unplaced[i]!;
      for (const n of obsoleteInOrder()) {
        const old = state.get(n)!;
        // A same-family swap never changes the count; only a cross-family one must fit the quota.
        if (old.family !== w.family && count(w.family) + 1 > capacity[w.family]) continue;
        const entry = denyEntry(egress, n, w);
        const next = new Map(state);
        next.set(n, slotOf(entry));
        if (!safe(next)) continue;
        state.set(n, slotOf(entry));
        obsolete.delete(n);
        unplaced.splice(i, 1);
        ops.push({ op: "replace", egress, ruleNumber: n, cidr: entry.cidr, previous: old.entry });
        done = true;
        break replace;
      }
    }
    if (done) continue;
    for (const n of obsoleteInOrder()) {
      const next = new Map(state);
      next.delete(n);
      if (!safe(next)) continue;
      ops.push({ op: "delete", egress, ruleNumber: n, previous: state.get(n)!.entry });
      state.delete(n);
      obsolete.delete(n);
      done = true;
      break;
    }
    if (!done) {
      throw new PolicyError(
        `network ACL band ${band.first}–${band.last}, ${directionName(egress)}: no gap-free way to place ${unplaced.map(formatCidr).join(", ")}`,
        ["The band or the quota is too small for the blocked CIDRs; the plan's capacity check says by how much."],
      );
    }
  }
  for (const n of obsoleteInOrder()) {
    ops.push({ op: "delete", egress, ruleNumber: n, previous: state.get(n)!.entry });
    state.delete(n);
  }
  const final = [...state.values()].map((s) => s.entry).sort(byEntryOrder);
  return { ops, final };
}

/** Aggregated blocks per direction of a target's entries. */
function wantedBlocks(entries: NaclTarget["entries"], egress: boolean): Cidr[] {
  const blocks: Cidr[] = [];
  for (const e of entries) {
    if (e.egress !== egress) continue;
    const b = entryBlock(e);
    if (b === null) throw new PolicyError(`"${e.cidr}" is not a CIDR`);
    blocks.push(b);
  }
  return aggregate(blocks);
}

/**
 * The gap-free transition from the live ACL (all its entries, as observed) to `desired`, and the
 * band it leaves behind. Deterministic: the same live and desired give the same ops and numbers,
 * so the numbers shown in a plan are the numbers apply writes (the plan's fingerprint guarantees
 * apply sees the same live ACL). Stable: an unchanged CIDR keeps its live number; additions take
 * the lowest free numbers, then the numbers of entries being replaced in place.
 * Throws PolicyError when the desired band does not fit (check naclCapacityProblems first).
 */
export function naclTransition(
  live: readonly NaclEntry[],
  desired: NaclTarget,
): { readonly ops: readonly NaclOp[]; readonly final: readonly NaclBandEntry[] } {
  const { band } = desired;
  const others = live.filter((e) => !inBand(band, e.ruleNumber));
  const ops: NaclOp[] = [];
  const final: NaclBandEntry[] = [];
  for (const egress of [false, true]) {
    const wanted = wantedBlocks(desired.entries, egress);
    const problems = naclCapacityProblems(
      "(target)",
      others,
      band,
      desired.entryQuota,
      egress ? { inbound: [], outbound: wanted } : { inbound: wanted, outbound: [] },
    );
    if (problems.length > 0) throw new PolicyError(problems[0]!, problems.slice(1));
    const liveBand = live.filter((e) => e.egress === egress && inBand(band, e.ruleNumber)).map(toBandEntry);
    const capacity = {
      ipv4: bandCapacity(others, band, desired.entryQuota, egress, "ipv4"),
      ipv6: bandCapacity(others, band, desired.entryQuota, egress, "ipv6"),
    };
    const r = transitionDirection(egress, liveBand, wanted, band, capacity);
    ops.push(...r.ops);
    final.push(...r.final);
  }
  return { ops, final };
}

/** The primitive calls that take the live ACL to `desired` without ever opening a gap. */
export function naclOperations(live: readonly NaclEntry[], desired: NaclTarget): NaclOp[] {
  return [...naclTransition(live, desired).ops];
}

/** The ACL's entries after `ops` (a pure simulation of the three calls, for checks and tests). */
export function applyNaclOps(entries: readonly NaclEntry[], ops: readonly NaclOp[]): NaclEntry[] {
  const key = (egress: boolean, n: number) => `${egress ? "e" : "i"}${n}`;
  const state = new Map<string, NaclEntry>();
  for (const e of entries) state.set(key(e.egress, e.ruleNumber), e);
  for (const op of ops) {
    const k = key(op.egress, op.ruleNumber);
    switch (op.op) {
      case "create":
      case "replace": {
        if ((op.op === "create") === state.has(k)) {
          throw new Error(
            `${op.op} of ${directionName(op.egress)} rule ${op.ruleNumber}: entry ${state.has(k) ? "exists" : "missing"}`,
          );
        }
        const block = entryBlock({ cidr: op.cidr });
        const family = block?.family ?? "ipv4";
        state.set(k, {
          ruleNumber: op.ruleNumber,
          egress: op.egress,
          action: "deny",
          protocol: "-1",
          ...(family === "ipv4" ? { cidr: op.cidr } : { ipv6Cidr: op.cidr }),
        });
        break;
      }
      case "delete":
        if (!state.delete(k))
          throw new Error(`delete of ${directionName(op.egress)} rule ${op.ruleNumber}: entry missing`);
        break;
    }
  }
  return [...state.values()].sort(byEntryOrder);
}

// ---------------------------------------------------------------------------------------------
// Spec and diff
// ---------------------------------------------------------------------------------------------

/** The live spec of an ACL for a band: its band entries and everything else as `others`. */
export function liveNaclSpec(
  acl: { readonly id: string; readonly vpcId: string; readonly entries: readonly NaclEntry[] },
  band: NaclBand,
  entryQuota: number,
): NaclEntriesSpec {
  return {
    aclId: acl.id,
    vpcId: acl.vpcId,
    band,
    entryQuota,
    entries: acl.entries
      .filter((e) => inBand(band, e.ruleNumber))
      .map(toBandEntry)
      .sort(byEntryOrder),
    others: acl.entries.filter((e) => !inBand(band, e.ruleNumber)).sort(byEntryOrder),
  };
}

/** Addresses blocked by `live`'s deny entries (any protocol) that `desired` no longer blocks for all traffic. */
export function naclUnblocked(desired: NaclEntriesSpec, live: NaclEntriesSpec): string[] {
  const out: string[] = [];
  for (const egress of [false, true]) {
    const after: Cidr[] = [];
    for (const e of desired.entries) {
      const b = e.egress === egress && e.action === "deny" && e.protocol === "-1" ? entryBlock(e) : null;
      if (b !== null) after.push(b);
    }
    for (const e of live.entries) {
      if (e.egress !== egress || e.action !== "deny") continue;
      const b = entryBlock(e);
      if (b !== null && !coveredBy(b, after)) out.push(`${directionName(egress)} ${formatCidr(b)}`);
    }
  }
  return out;
}

const entryJson = (e: NaclBandEntry | undefined): unknown =>
  e === undefined
    ? null
    : {
        cidr: e.cidr,
        action: e.action,
        protocol: e.protocol,
        ...(e.portRange === undefined ? {} : { portRange: e.portRange }),
        ...(e.icmpTypeCode === undefined ? {} : { icmpTypeCode: e.icmpTypeCode }),
      };

export interface BlockingDiff extends DiffResult {
  /** True when some address blocked now stops being blocked (the plan flags it for reviewers). */
  readonly broadensAccess: boolean;
  /** Reviewer notes: what stops being blocked, foreign rules that run first, … */
  readonly notes: readonly string[];
}

/**
 * ec2.naclEntries diff: one field per (direction, rule number) that differs, at the pointer
 * "/entries/<inbound|outbound>/<ruleNumber>" (a logical pointer: entries are keyed by number, not
 * by array index). `others` are never compared. Never a replacement: the band is changed in place.
 */
export function naclEntriesDiff(desired: NaclEntriesSpec, live: NaclEntriesSpec): BlockingDiff {
  const key = (e: NaclBandEntry) => `${Number(e.egress)}:${String(e.ruleNumber).padStart(5, "0")}`;
  const d = new Map(desired.entries.map((e) => [key(e), e]));
  const l = new Map(live.entries.map((e) => [key(e), e]));
  const fields: FieldDiff[] = [];
  for (const k of [...new Set([...d.keys(), ...l.keys()])].sort()) {
    const before = entryJson(l.get(k));
    const after = entryJson(d.get(k));
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    const e = (d.get(k) ?? l.get(k))!;
    fields.push({ path: `/entries/${directionName(e.egress)}/${e.ruleNumber}`, before, after });
  }
  const unblocked = naclUnblocked(desired, live);
  return {
    fields,
    replace: false,
    broadensAccess: unblocked.length > 0,
    notes: unblocked.map((u) => `${u} stops being blocked in ${live.aclId}`),
  };
}
