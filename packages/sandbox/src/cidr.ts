// The sandbox's own CIDR code. The sandbox is an independent stand-in for AWS and shares no code
// with Cordon (the package imports nothing from Cordon; its test/boundary.test.ts enforces it),
// so a bug in Cordon's CIDR handling cannot hide behind the same bug here.
// CIDR parsing and canonicalisation as EC2 does it: a CIDR is stored as its network address
// (`100.68.0.18/18` → `100.68.0.0/18`); IPv6 is written in RFC 5952 form (lower case, `::`).

export function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export interface Ipv4Cidr {
  readonly network: number;
  readonly prefix: number;
}

export function parseIpv4Cidr(text: string): Ipv4Cidr | null {
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const addr = parseIpv4(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (addr === null || !/^\d{1,2}$/.test(p)) return null;
  const prefix = Number(p);
  if (prefix > 32) return null;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (addr & mask) >>> 0, prefix };
}

/** `10.0.0.5/16` → `10.0.0.0/16`; null when not an IPv4 CIDR. */
export function canonicalIpv4Cidr(text: string): string | null {
  const c = parseIpv4Cidr(text.trim());
  return c === null ? null : `${formatIpv4(c.network)}/${c.prefix}`;
}

export function ipv4CidrContains(outer: string, inner: string): boolean {
  const o = parseIpv4Cidr(outer);
  const i = parseIpv4Cidr(inner);
  if (o === null || i === null || i.prefix < o.prefix) return false;
  const mask = o.prefix === 0 ? 0 : (0xffffffff << (32 - o.prefix)) >>> 0;
  return (i.network & mask) >>> 0 === o.network;
}

export function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let head = text;
  let tailV4: number | null = null;
  if (text.includes(".")) {
    const last = text.lastIndexOf(":");
    tailV4 = parseIpv4(text.slice(last + 1));
    if (tailV4 === null) return null;
    head = `${text.slice(0, last + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string): string[] | null => (s === "" ? [] : s.split(":"));
  const left = parse(halves[0] as string);
  const right = halves.length === 2 ? parse(halves[1] as string) : [];
  if (left === null || right === null) return null;
  const missing = 8 - left.length - right.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(Number.parseInt(g, 16));
  }
  if (tailV4 !== null) n = (n & ~0xffffffffn) | BigInt(tailV4);
  return n;
}

export function formatIpv6(n: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** `2001:DB8::1/32` → `2001:db8::/32`; null when not an IPv6 CIDR. */
export function canonicalIpv6Cidr(text: string): string | null {
  const t = text.trim();
  const slash = t.indexOf("/");
  if (slash < 0) return null;
  const addr = parseIpv6(t.slice(0, slash));
  const p = t.slice(slash + 1);
  if (addr === null || !/^\d{1,3}$/.test(p)) return null;
  const prefix = Number(p);
  if (prefix > 128) return null;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix);
  return `${formatIpv6(addr & mask)}/${prefix}`;
}
