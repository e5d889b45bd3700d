// IPv4 and IPv6 addresses and CIDR blocks: parsing, canonical text, containment and aggregation.
//
// A Cidr is always canonical: its host bits are zero. parseCidr reports host bits separately so
// validation can say which network was meant; every other function takes canonical Cidrs.
// Addresses are unsigned integers held in a bigint (32 bits for IPv4, 128 for IPv6); aggregate()
// switches to doubles for IPv4 internally so a million addresses aggregate in well under a second.

export type IpFamily = "ipv4" | "ipv6";

export interface Cidr {
  readonly family: IpFamily;
  /** The network address as an unsigned integer; host bits are zero. */
  readonly network: bigint;
  /** 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefix: number;
}

export const FAMILY_BITS: Readonly<Record<IpFamily, number>> = { ipv4: 32, ipv6: 128 };

export type CidrParse =
  | {
      readonly ok: true;
      /** The canonical block (host bits cleared). */
      readonly cidr: Cidr;
      /** The address exactly as written, before host bits were cleared. */
      readonly address: bigint;
      /** True when the written address had bits set beyond the prefix (e.g. 10.1.2.3/8). */
      readonly hostBitsSet: boolean;
      /** True when no "/prefix" was written: a single address, /32 or /128. */
      readonly bare: boolean;
    }
  | { readonly ok: false; readonly reason: string };

export type AddressParse =
  | { readonly ok: true; readonly family: IpFamily; readonly value: bigint }
  | { readonly ok: false; readonly reason: string };

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX = /^(?:0|[1-9][0-9]{0,2})$/;

/** Parses dotted-quad IPv4 text to a number, or returns the reason it is not one. */
function parseIpv4Number(text: string): number | string {
  if (!/^[0-9.]+$/.test(text)) {
    return "it is neither an IPv4 address (four numbers separated by dots) nor an IPv6 address (hex groups separated by colons)";
  }
  const parts = text.split(".");
  if (parts.length !== 4) return `an IPv4 address has four dot-separated numbers, "${text}" has ${parts.length}`;
  let value = 0;
  for (const part of parts) {
    if (part === "") return "an IPv4 address cannot have an empty part";
    if (!DECIMAL_OCTET.test(part)) {
      if (/^[0-9]+$/.test(part)) return `"${part}" has a leading zero, which some tools read as octal`;
      return `"${part}" is not a decimal number from 0 to 255`;
    }
    const octet = Number(part);
    if (octet > 255) return `${part} is greater than 255`;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses IPv6 text (RFC 4291 §2.2, including "::" and a trailing dotted IPv4) to a bigint. */
function parseIpv6(text: string): bigint | string {
  if (text.includes("%")) return "zone indices (the %… suffix) are not allowed";
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return "it contains characters that cannot appear in an IPv6 address";
  const halves = text.split("::");
  if (halves.length > 2) return '"::" may appear only once';
  const groupsOf = (part: string, last: boolean): number[] | string => {
    if (part === "") return [];
    const raw = part.split(":");
    const groups: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const g = raw[i] ?? "";
      if (g.includes(".")) {
        if (!last || i !== raw.length - 1) return "an embedded IPv4 address may only end the address";
        const v4 = parseIpv4Number(g);
        if (typeof v4 === "string") return `embedded IPv4 address: ${v4}`;
        groups.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!HEX_GROUP.test(g)) {
          return g === ""
            ? "a single ':' cannot start or end an address or be doubled"
            : `"${g}" is not 1–4 hex digits`;
        }
        groups.push(Number.parseInt(g, 16));
      }
    }
    return groups;
  };
  const compressed = halves.length === 2;
  const head = groupsOf(halves[0] ?? "", !compressed);
  if (typeof head === "string") return head;
  const tail = compressed ? groupsOf(halves[1] ?? "", true) : [];
  if (typeof tail === "string") return tail;
  const count = head.length + tail.length;
  if (compressed ? count > 7 : count !== 8) {
    return compressed
      ? `too many groups: "::" must stand for at least one zero group, and ${count} are written`
      : `an IPv6 address has eight groups, "${text}" has ${count}`;
  }
  const groups = [...head, ...new Array<number>(8 - count).fill(0), ...tail];
  let hex = "0x";
  for (const g of groups) hex += g.toString(16).padStart(4, "0");
  return BigInt(hex);
}

/** Parses a bare address (no prefix). IPv6 when the text contains ':', IPv4 otherwise. */
export function parseAddress(text: string): AddressParse {
  if (text.includes(":")) {
    const v6 = parseIpv6(text);
    return typeof v6 === "string" ? { ok: false, reason: v6 } : { ok: true, family: "ipv6", value: v6 };
  }
  const v4 = parseIpv4Number(text);
  return typeof v4 === "string" ? { ok: false, reason: v4 } : { ok: true, family: "ipv4", value: BigInt(v4) };
}

/**
 * Parses "address" or "address/prefix". A bare address is a single host (/32 or /128). Leading or
 * trailing whitespace, zone indices, leading zeros in IPv4 octets or in the prefix are rejected.
 */
export function parseCidr(text: string): CidrParse {
  if (text === "") return { ok: false, reason: "it is empty" };
  if (text.trim() !== text) return { ok: false, reason: "it has leading or trailing whitespace" };
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const address = parseAddress(addressText);
  if (!address.ok) return address;
  const bits = FAMILY_BITS[address.family];
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!PREFIX.test(prefixText))
      return { ok: false, reason: `"/${prefixText}" is not a prefix length from 0 to ${bits}` };
    prefix = Number(prefixText);
    if (prefix > bits) return { ok: false, reason: `the prefix /${prefix} is longer than ${bits} bits` };
  }
  const network = address.value & networkMask(address.family, prefix);
  return {
    ok: true,
    cidr: { family: address.family, network, prefix },
    address: address.value,
    hostBitsSet: network !== address.value,
    bare: slash < 0,
  };
}

/** The canonical Cidr for text, or null when it is malformed or has host bits set. */
export function cidrOf(text: string): Cidr | null {
  const parsed = parseCidr(text);
  return parsed.ok && !parsed.hostBitsSet ? parsed.cidr : null;
}

function networkMask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(FAMILY_BITS[family]);
  const all = (1n << bits) - 1n;
  return (all >> BigInt(prefix)) ^ all;
}

/** First and last address of the block, inclusive. */
export function cidrRange(c: Cidr): { readonly first: bigint; readonly last: bigint } {
  const size = 1n << BigInt(FAMILY_BITS[c.family] - c.prefix);
  return { first: c.network, last: c.network + size - 1n };
}

export function formatIpv4(value: number | bigint): string {
  const n = Number(value);
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/**
 * RFC 5952 text: lower case, no leading zeros, the longest run (the first of equal runs) of two
 * or more zero groups written as "::"; IPv4-mapped addresses (::ffff:0:0/96) in mixed notation.
 */
export function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  if (value >> 32n === 0xffffn) return `::ffff:${formatIpv4(value & 0xffffffffn)}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

export function formatAddress(family: IpFamily, value: bigint): string {
  return family === "ipv4" ? formatIpv4(value) : formatIpv6(value);
}

/** Canonical text, always with the prefix: "10.0.0.0/8", "2001:db8::/32", "203.0.113.66/32". */
export function formatCidr(c: Cidr): string {
  return `${formatAddress(c.family, c.network)}/${c.prefix}`;
}

export function cidrEquals(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.prefix === b.prefix && a.network === b.network;
}

/** True when every address of inner is in outer (a block contains itself). */
export function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  return (inner.network & networkMask(inner.family, outer.prefix)) === outer.network;
}

/** True when the blocks share at least one address (for CIDRs: one contains the other). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** Order: IPv4 before IPv6, then by network address, then shorter prefix (larger block) first. */
export function compareCidr(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family === "ipv4" ? -1 : 1;
  if (a.network !== b.network) return a.network < b.network ? -1 : 1;
  return a.prefix - b.prefix;
}

/** True for the IPv4-mapped IPv6 range ::ffff:0:0/96 and anything inside it. */
export function isIpv4Mapped(c: Cidr): boolean {
  return c.family === "ipv6" && c.prefix >= 96 && c.network >> 32n === 0xffffn;
}

/** The IPv4 block an IPv4-mapped IPv6 block stands for (::ffff:1.2.3.4/128 → 1.2.3.4/32). */
export function unmapIpv4(c: Cidr): Cidr | null {
  if (!isIpv4Mapped(c)) return null;
  return { family: "ipv4", network: c.network & 0xffffffffn, prefix: c.prefix - 96 };
}

/**
 * The minimal set of CIDRs covering exactly the addresses of the input: duplicates and contained
 * blocks dropped, adjacent blocks merged, the union of each run re-cut into the fewest aligned
 * blocks. Output is sorted by compareCidr, pairwise disjoint, and no two blocks can merge.
 */
export function aggregate(cidrs: readonly Cidr[]): Cidr[] {
  const v4: Cidr[] = [];
  const v6: Cidr[] = [];
  for (const c of cidrs) (c.family === "ipv4" ? v4 : v6).push(c);
  return [...aggregateIpv4(v4), ...aggregateIpv6(v6)];
}

/** IPv4 in doubles: start·64 + prefix is below 2^38, exact, and sorts with a native typed-array sort. */
function aggregateIpv4(cidrs: readonly Cidr[]): Cidr[] {
  const keys = new Float64Array(cidrs.length);
  for (let i = 0; i < cidrs.length; i++) {
    const c = cidrs[i]!;
    keys[i] = Number(c.network) * 64 + c.prefix;
  }
  keys.sort();
  const out: Cidr[] = [];
  let runStart = -1;
  let runEnd = -1;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const prefix = key % 64;
    const start = (key - prefix) / 64;
    const end = start + 2 ** (32 - prefix) - 1;
    if (runStart >= 0 && start <= runEnd + 1) {
      if (end > runEnd) runEnd = end;
      continue;
    }
    if (runStart >= 0) emitIpv4Range(runStart, runEnd, out);
    runStart = start;
    runEnd = end;
  }
  if (runStart >= 0) emitIpv4Range(runStart, runEnd, out);
  return out;
}

function emitIpv4Range(first: number, last: number, out: Cidr[]): void {
  let start = first;
  while (start <= last) {
    let size = 1;
    let prefix = 32;
    while (prefix > 0) {
      const next = size * 2;
      if (start % next !== 0 || start + next - 1 > last) break;
      size = next;
      prefix--;
    }
    out.push({ family: "ipv4", network: BigInt(start), prefix });
    start += size;
  }
}

function aggregateIpv6(cidrs: readonly Cidr[]): Cidr[] {
  const ranges = cidrs.map((c) => cidrRange(c));
  ranges.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: Cidr[] = [];
  let run: { first: bigint; last: bigint } | null = null;
  for (const r of ranges) {
    if (run !== null && r.first <= run.last + 1n) {
      if (r.last > run.last) run.last = r.last;
      continue;
    }
    if (run !== null) emitIpv6Range(run.first, run.last, out);
    run = { first: r.first, last: r.last };
  }
  if (run !== null) emitIpv6Range(run.first, run.last, out);
  return out;
}

function emitIpv6Range(first: bigint, last: bigint, out: Cidr[]): void {
  let start = first;
  while (start <= last) {
    let size = 1n;
    let prefix = 128;
    while (prefix > 0) {
      const next = size << 1n;
      if ((start & (next - 1n)) !== 0n || start + next - 1n > last) break;
      size = next;
      prefix--;
    }
    out.push({ family: "ipv6", network: start, prefix });
    start += size;
  }
}

/**
 * The block of `aggregated` (sorted by compareCidr, disjoint — as aggregate() returns) that
 * contains c, or null when none does.
 */
export function findContaining(aggregated: readonly Cidr[], c: Cidr): Cidr | null {
  let lo = 0;
  let hi = aggregated.length - 1;
  let candidate: Cidr | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = aggregated[mid]!;
    const before = m.family !== c.family ? m.family === "ipv4" : m.network <= c.network;
    if (before) {
      candidate = m;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return candidate !== null && contains(candidate, c) ? candidate : null;
}
