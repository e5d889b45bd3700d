import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  aggregate,
  type Cidr,
  cidrOf,
  cidrRange,
  compareCidr,
  contains,
  FAMILY_BITS,
  findContaining,
  formatCidr,
  isIpv4Mapped,
  overlaps,
  parseCidr,
  unmapIpv4,
} from "../../../src/domain/cidr.js";

function must(text: string): Cidr {
  const c = cidrOf(text);
  if (c === null) throw new Error(`test input ${text} is not a canonical CIDR`);
  return c;
}

describe("parseCidr: accepted forms and their canonical text", () => {
  const cases: { input: string; canonical: string; hostBitsSet?: boolean; reason: string }[] = [
    { input: "203.0.113.66", canonical: "203.0.113.66/32", reason: "a bare IPv4 address is a /32" },
    { input: "10.0.0.0/8", canonical: "10.0.0.0/8", reason: "a canonical IPv4 block" },
    { input: "0.0.0.0/0", canonical: "0.0.0.0/0", reason: "/0 parses (validation rejects it, not the parser)" },
    { input: "255.255.255.255/32", canonical: "255.255.255.255/32", reason: "the highest IPv4 address" },
    { input: "10.1.2.3/8", canonical: "10.0.0.0/8", hostBitsSet: true, reason: "host bits are cleared and reported" },
    { input: "2001:db8::/32", canonical: "2001:db8::/32", reason: "a compressed IPv6 block" },
    { input: "2001:DB8:0:0:0:0:2:1", canonical: "2001:db8::2:1/128", reason: "upper case, uncompressed" },
    { input: "2001:0db8::0001", canonical: "2001:db8::1/128", reason: "leading zeros in hex groups are dropped" },
    { input: "::", canonical: "::/128", reason: "the unspecified address" },
    { input: "::1", canonical: "::1/128", reason: "loopback" },
    { input: "1:2:3:4:5:6:7::", canonical: "1:2:3:4:5:6:7:0/128", reason: ":: may stand for one group" },
    { input: "2001:db8:0:1:1:1:1:1", canonical: "2001:db8:0:1:1:1:1:1/128", reason: "a single zero group is not ::" },
    { input: "1:0:0:1:0:0:0:1", canonical: "1:0:0:1::1/128", reason: "the longest zero run is compressed" },
    { input: "1:0:0:1:1:0:0:1", canonical: "1::1:1:0:0:1/128", reason: "the first of equal zero runs is compressed" },
    { input: "::ffff:1.2.3.4", canonical: "::ffff:1.2.3.4/128", reason: "IPv4-mapped keeps mixed notation" },
    { input: "::ffff:0102:0304", canonical: "::ffff:1.2.3.4/128", reason: "IPv4-mapped written in hex" },
    { input: "::1.2.3.4", canonical: "::102:304/128", reason: "IPv4-compatible (deprecated) is plain hex" },
    { input: "64:ff9b::192.0.2.33/128", canonical: "64:ff9b::c000:221/128", reason: "embedded IPv4 after ::" },
    { input: "2001:db8::1/32", canonical: "2001:db8::/32", hostBitsSet: true, reason: "IPv6 host bits" },
    { input: "::/0", canonical: "::/0", reason: "IPv6 /0 parses" },
  ];
  it.each(cases)("$input: $reason", ({ input, canonical, hostBitsSet = false }) => {
    const parsed = parseCidr(input);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(formatCidr(parsed.cidr)).toBe(canonical);
    expect(parsed.hostBitsSet).toBe(hostBitsSet);
    expect(parsed.bare).toBe(!input.includes("/"));
  });
});

describe("parseCidr: rejected forms", () => {
  const cases: { input: string; reasonText: RegExp; reason: string }[] = [
    { input: "", reasonText: /empty/, reason: "empty string" },
    { input: " 10.0.0.1", reasonText: /whitespace/, reason: "leading whitespace" },
    { input: "10.0.0.256", reasonText: /256 is greater than 255/, reason: "octet out of range" },
    { input: "10.0.0", reasonText: /four dot-separated numbers/, reason: "three octets" },
    { input: "10.0.0.0.1", reasonText: /four dot-separated numbers/, reason: "five octets" },
    { input: "010.0.0.1", reasonText: /leading zero/, reason: "octal-looking octet" },
    { input: "10..0.1", reasonText: /empty part/, reason: "empty octet" },
    { input: "10.0.0.0/33", reasonText: /longer than 32/, reason: "IPv4 prefix too long" },
    { input: "10.0.0.0/08", reasonText: /not a prefix length/, reason: "leading zero in prefix" },
    { input: "10.0.0.0/", reasonText: /not a prefix length/, reason: "empty prefix" },
    { input: "10.0.0.0/-1", reasonText: /not a prefix length/, reason: "negative prefix" },
    { input: "10.0.0.0/8/8", reasonText: /not a prefix length/, reason: "two slashes" },
    { input: "2001:db8::/129", reasonText: /longer than 128/, reason: "IPv6 prefix too long" },
    { input: "fe80::1%eth0", reasonText: /zone/, reason: "zone index" },
    { input: "1::2::3", reasonText: /only once/, reason: "two ::" },
    { input: "1:2:3:4:5:6:7:8:9", reasonText: /eight groups/, reason: "nine groups" },
    { input: "1:2:3:4:5:6:7", reasonText: /eight groups/, reason: "seven groups without ::" },
    { input: "1:2:3:4::5:6:7:8", reasonText: /too many groups/, reason: ":: standing for zero groups" },
    { input: "12345::", reasonText: /1–4 hex digits/, reason: "five hex digits" },
    { input: ":1:2:3:4:5:6:7", reasonText: /single ':'/, reason: "leading single colon" },
    { input: "::ffff:1.2.3", reasonText: /embedded IPv4/, reason: "short embedded IPv4" },
    { input: "1.2.3.4::", reasonText: /may only end/, reason: "embedded IPv4 not at the end" },
    { input: "gggg::", reasonText: /cannot appear/, reason: "non-hex letters" },
    { input: "example.com", reasonText: /neither an IPv4/, reason: "a host name" },
    { input: "\u0000\u0001", reasonText: /neither an IPv4/, reason: "binary garbage" },
  ];
  it.each(cases)("$input: $reason", ({ input, reasonText }) => {
    const parsed = parseCidr(input);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toMatch(reasonText);
  });
});

describe("containment", () => {
  const cases: { outer: string; inner: string; contains: boolean; overlaps: boolean; reason: string }[] = [
    { outer: "10.0.0.0/8", inner: "10.1.0.0/16", contains: true, overlaps: true, reason: "nested" },
    { outer: "10.1.0.0/16", inner: "10.0.0.0/8", contains: false, overlaps: true, reason: "reversed nesting" },
    { outer: "10.0.0.0/8", inner: "10.0.0.0/8", contains: true, overlaps: true, reason: "a block contains itself" },
    { outer: "10.0.0.0/9", inner: "10.128.0.0/9", contains: false, overlaps: false, reason: "siblings are disjoint" },
    { outer: "0.0.0.0/0", inner: "::/128", contains: false, overlaps: false, reason: "families never overlap" },
    { outer: "2001:db8::/32", inner: "2001:db8:ffff::/48", contains: true, overlaps: true, reason: "IPv6 nested" },
  ];
  it.each(cases)("$outer ⊇ $inner: $reason", (c) => {
    expect(contains(must(c.outer), must(c.inner))).toBe(c.contains);
    expect(overlaps(must(c.outer), must(c.inner))).toBe(c.overlaps);
  });

  it("maps an IPv4-mapped IPv6 block back to IPv4", () => {
    expect(isIpv4Mapped(must("::ffff:203.0.113.0/120"))).toBe(true);
    expect(isIpv4Mapped(must("2001:db8::/32"))).toBe(false);
    expect(formatCidr(unmapIpv4(must("::ffff:203.0.113.0/120"))!)).toBe("203.0.113.0/24");
  });
});

describe("aggregate: examples", () => {
  const cases: { input: string[]; output: string[]; reason: string }[] = [
    { input: [], output: [], reason: "nothing in, nothing out" },
    { input: ["10.0.0.1", "10.0.0.1/32"], output: ["10.0.0.1/32"], reason: "duplicates collapse" },
    { input: ["10.0.0.0/8", "10.1.0.0/16"], output: ["10.0.0.0/8"], reason: "a contained block is dropped" },
    { input: ["10.0.0.0/25", "10.0.0.128/25"], output: ["10.0.0.0/24"], reason: "siblings merge" },
    {
      input: ["10.0.0.128/25", "10.0.1.0/24"],
      output: ["10.0.0.128/25", "10.0.1.0/24"],
      reason: "adjacent but not siblings: the union needs two blocks, never one address more",
    },
    {
      input: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"],
      output: ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/32"],
      reason: "a run is cut into the fewest aligned blocks",
    },
    {
      input: ["0.0.0.0/1", "128.0.0.0/1"],
      output: ["0.0.0.0/0"],
      reason: "the two halves of the internet become /0",
    },
    {
      input: ["2001:db8::/33", "2001:db8:8000::/33", "10.0.0.0/8"],
      output: ["10.0.0.0/8", "2001:db8::/32"],
      reason: "IPv6 siblings merge; IPv4 sorts first",
    },
    {
      input: ["255.255.255.254/32", "255.255.255.255/32"],
      output: ["255.255.255.254/31"],
      reason: "the top of the address space",
    },
    {
      input: ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
      output: ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"],
      reason: "the top of the IPv6 space",
    },
  ];
  it.each(cases)("$reason", ({ input, output }) => {
    expect(aggregate(input.map(must)).map(formatCidr)).toEqual(output);
  });

  it("finds the aggregated block containing an input", () => {
    const out = aggregate(["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32"].map(must));
    expect(formatCidr(findContaining(out, must("10.9.0.0/16"))!)).toBe("10.0.0.0/8");
    expect(formatCidr(findContaining(out, must("2001:db8:1::/48"))!)).toBe("2001:db8::/32");
    expect(findContaining(out, must("11.0.0.0/8"))).toBeNull();
    expect(findContaining(out, must("::/128"))).toBeNull();
  });
});

// --- Property tests ------------------------------------------------------------------------
// Blocks are drawn from a small universe (an IPv4 /24 and an IPv6 /120: 256 addresses each) so
// coverage can be checked address by address, plus a few wide blocks anywhere in the space.

const V4_BASE = 0x0a000000n; // 10.0.0.0/24
const V6_BASE = 0x20010db8n << 96n; // 2001:db8::/120

const smallBlock = (family: "ipv4" | "ipv6") =>
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 8 })).map(([offset, hostBits]): Cidr => {
    const bits = FAMILY_BITS[family];
    const base = family === "ipv4" ? V4_BASE : V6_BASE;
    const aligned = BigInt(offset) & ~((1n << BigInt(hostBits)) - 1n);
    return { family, network: base + aligned, prefix: bits - hostBits };
  });

const smallList = fc.array(fc.oneof(smallBlock("ipv4"), smallBlock("ipv6")), { maxLength: 40 });

function covered(list: readonly Cidr[], family: "ipv4" | "ipv6", address: bigint): boolean {
  return list.some((c) => {
    if (c.family !== family) return false;
    const r = cidrRange(c);
    return r.first <= address && address <= r.last;
  });
}

/** Brute force: the number of maximal aligned blocks fully covered by the list (the minimum). */
function minimalCount(list: readonly Cidr[], family: "ipv4" | "ipv6"): number {
  const base = family === "ipv4" ? V4_BASE : V6_BASE;
  const isCovered = Array.from({ length: 256 }, (_, i) => covered(list, family, base + BigInt(i)));
  const full = (start: number, size: number) => isCovered.slice(start, start + size).every(Boolean);
  let count = 0;
  for (let size = 1; size <= 256; size *= 2) {
    for (let start = 0; start < 256; start += size) {
      const parentSize = size * 2;
      const parentStart = start - (start % parentSize);
      if (full(start, size) && (size === 256 || !full(parentStart, parentSize))) count++;
    }
  }
  return count;
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("aggregate: properties", () => {
  it("covers exactly the addresses of its input", () => {
    fc.assert(
      fc.property(smallList, (list) => {
        const out = aggregate(list);
        for (const [family, base] of [
          ["ipv4", V4_BASE],
          ["ipv6", V6_BASE],
        ] as const) {
          for (let i = -1n; i <= 256n; i++) {
            expect(covered(out, family, base + i)).toBe(covered(list, family, base + i));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("is minimal: sorted, disjoint, no two blocks mergeable, and as few as brute force finds", () => {
    fc.assert(
      fc.property(smallList, (list) => {
        const out = aggregate(list);
        for (let i = 0; i + 1 < out.length; i++) {
          const a = out[i]!;
          const b = out[i + 1]!;
          expect(compareCidr(a, b)).toBeLessThan(0);
          if (a.family === b.family) expect(cidrRange(a).last).toBeLessThan(cidrRange(b).first);
        }
        for (const a of out) {
          for (const b of out) {
            if (a === b) continue;
            expect(overlaps(a, b)).toBe(false);
            const siblings =
              a.family === b.family &&
              a.prefix === b.prefix &&
              a.prefix > 0 &&
              a.network >> BigInt(FAMILY_BITS[a.family] - a.prefix + 1) ===
                b.network >> BigInt(FAMILY_BITS[b.family] - b.prefix + 1);
            expect(siblings).toBe(false);
          }
        }
        expect(out.filter((c) => c.family === "ipv4")).toHaveLength(minimalCount(list, "ipv4"));
        expect(out.filter((c) => c.family === "ipv6")).toHaveLength(minimalCount(list, "ipv6"));
      }),
      { numRuns: 150 },
    );
  });

  const anyBlock = fc.oneof(
    fc
      .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }))
      .map(([n, p]): Cidr => ({ family: "ipv4", network: BigInt(n) & ~((1n << BigInt(32 - p)) - 1n), prefix: p })),
    fc
      .tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 }))
      .map(([n, p]): Cidr => ({ family: "ipv6", network: n & ~((1n << BigInt(128 - p)) - 1n), prefix: p })),
    smallBlock("ipv4"),
    smallBlock("ipv6"),
  );
  const anyList = fc.array(anyBlock, { maxLength: 60 });

  it("is idempotent", () => {
    fc.assert(
      fc.property(anyList, (list) => {
        const once = aggregate(list);
        expect(aggregate(once)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it("does not depend on input order", () => {
    fc.assert(
      fc.property(anyList, fc.integer({ min: 1, max: 2 ** 30 }), (list, seed) => {
        expect(aggregate(shuffle(list, seed))).toEqual(aggregate(list));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every input inside some output block and every output block inside the input's union", () => {
    fc.assert(
      fc.property(anyList, (list) => {
        const out = aggregate(list);
        for (const c of list) expect(findContaining(out, c)).not.toBeNull();
        for (const o of out) {
          // The first and last address of each output block are covered by some input.
          const r = cidrRange(o);
          expect(covered(list, o.family, r.first)).toBe(true);
          expect(covered(list, o.family, r.last)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("round-trips canonical text through parseCidr", () => {
    fc.assert(
      fc.property(anyBlock, (c) => {
        const parsed = parseCidr(formatCidr(c));
        expect(parsed.ok && parsed.cidr).toEqual(c);
        expect(parsed.ok && parsed.hostBitsSet).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
