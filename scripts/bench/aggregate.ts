// Benchmark of CIDR parsing and aggregation (src/domain/cidr.ts).
// Run:
//   npx esbuild scripts/bench/aggregate.ts --bundle --platform=node --format=esm \
//     --outfile=/tmp/cordon-bench-aggregate.mjs && node /tmp/cordon-bench-aggregate.mjs
// Inputs are random but seeded, so runs are comparable.
import { aggregate, type Cidr, formatCidr, formatIpv4, formatIpv6, parseCidr } from "../../src/domain/cidr.js";

/** mulberry32: a small seeded generator, returns [0, 2^32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function time<T>(label: string, run: () => T): T {
  const start = process.hrtime.bigint();
  const result = run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms`);
  return result;
}

function parseAll(texts: readonly string[]): Cidr[] {
  return texts.map((t) => {
    const p = parseCidr(t);
    if (!p.ok) throw new Error(`bad input ${t}: ${p.reason}`);
    return p.cidr;
  });
}

const next = random(20260501);

const v4Texts = Array.from({ length: 1_000_000 }, () => formatIpv4(next()));
const v4 = time("parse 1,000,000 random IPv4 addresses", () => parseAll(v4Texts));
const v4Out = time("aggregate 1,000,000 random IPv4 addresses", () => aggregate(v4));
console.log(`  → ${v4Out.length} CIDRs`);

const dense = Array.from({ length: 1_000_000 }, () => formatIpv4(0x0a000000 + (next() % 0x200000)));
const denseCidrs = parseAll(dense);
const denseOut = time("aggregate 1,000,000 IPv4 addresses inside 10.0.0.0/11", () => aggregate(denseCidrs));
console.log(`  → ${denseOut.length} CIDRs`);

const mixed = Array.from({ length: 1_000_000 }, () => {
  const prefix = 16 + (next() % 17);
  const p = parseCidr(`${formatIpv4(next())}/${prefix}`);
  if (!p.ok) throw new Error("unreachable");
  return p.cidr;
});
const mixedOut = time("aggregate 1,000,000 random IPv4 CIDRs (/16–/32)", () => aggregate(mixed));
console.log(`  → ${mixedOut.length} CIDRs`);

const v6Texts = Array.from({ length: 100_000 }, () => {
  let value = 0x2001_0db8n << 96n;
  value |= (BigInt(next()) << 64n) | (BigInt(next()) << 32n) | BigInt(next() % 64);
  return formatIpv6(value);
});
const v6 = time("parse 100,000 random IPv6 addresses (2001:db8::/32)", () => parseAll(v6Texts));
const v6Out = time("aggregate 100,000 random IPv6 addresses", () => aggregate(v6));
console.log(`  → ${v6Out.length} CIDRs (first: ${v6Out[0] ? formatCidr(v6Out[0]) : "none"})`);

const denseV6 = Array.from({ length: 100_000 }, () => {
  const p = parseCidr(formatIpv6((0x2001_0db8n << 96n) | BigInt(next() % 0x20000)));
  if (!p.ok) throw new Error("unreachable");
  return p.cidr;
});
const denseV6Out = time("aggregate 100,000 IPv6 addresses inside 2001:db8::/111", () => aggregate(denseV6));
console.log(`  → ${denseV6Out.length} CIDRs`);
