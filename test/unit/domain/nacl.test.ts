import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aggregate, type Cidr, contains, formatCidr, parseCidr } from "../../../src/domain/cidr.js";
import {
  applyNaclOps,
  inBand,
  liveNaclSpec,
  type NaclTarget,
  naclCapacityProblems,
  naclEntriesDiff,
  naclOperations,
  naclOrderProblems,
  naclTransition,
} from "../../../src/domain/nacl.js";
import type { NaclBand, NaclEntry } from "../../../src/model/specs.js";

const block = (text: string): Cidr => {
  const p = parseCidr(text);
  if (!p.ok) throw new Error(text);
  return p.cidr;
};
const deny = (ruleNumber: number, cidr: string, egress = false): NaclEntry => ({
  ruleNumber,
  egress,
  action: "deny",
  protocol: "-1",
  ...(cidr.includes(":") ? { ipv6Cidr: cidr } : { cidr }),
});
const allow = (ruleNumber: number, cidr: string, egress = false, extra: Partial<NaclEntry> = {}): NaclEntry => ({
  ruleNumber,
  egress,
  action: "allow",
  protocol: "-1",
  ...(cidr.includes(":") ? { ipv6Cidr: cidr } : { cidr }),
  ...extra,
});
/** A default ACL with IPv6: allow 100/101 and the catch-alls, in both directions. */
const defaultAcl = (): NaclEntry[] =>
  [false, true].flatMap((egress) => [
    allow(100, "0.0.0.0/0", egress),
    allow(101, "::/0", egress),
    deny(32767, "0.0.0.0/0", egress),
    deny(32768, "::/0", egress),
  ]);
const band: NaclBand = { first: 1, last: 99 };
const target = (cidrs: readonly string[], egress = false, b: NaclBand = band, quota = 20): NaclTarget => ({
  band: b,
  entryQuota: quota,
  entries: cidrs.map((cidr) => ({ egress, cidr })),
});
const bandOf = (entries: readonly NaclEntry[], b: NaclBand = band) =>
  entries
    .filter((e) => inBand(b, e.ruleNumber))
    .map((e) => `${e.egress ? "out" : "in"} ${e.ruleNumber} ${e.action} ${e.protocol} ${e.cidr ?? e.ipv6Cidr}`);

describe("naclTransition: allocation", () => {
  const cases: {
    reason: string;
    live: NaclEntry[];
    want: string[];
    ops: string[];
    band: string[];
  }[] = [
    {
      reason: "an empty band gets the lowest numbers, in address order, IPv4 before IPv6",
      live: defaultAcl(),
      want: ["2001:db8::/32", "203.0.113.7/32", "198.51.100.0/24"],
      ops: ["create 1 198.51.100.0/24", "create 2 203.0.113.7/32", "create 3 2001:db8::/32"],
      band: ["in 1 deny -1 198.51.100.0/24", "in 2 deny -1 203.0.113.7/32", "in 3 deny -1 2001:db8::/32"],
    },
    {
      reason: "an unchanged CIDR keeps its number; an addition takes the lowest free number",
      live: [...defaultAcl(), deny(7, "203.0.113.7/32")],
      want: ["203.0.113.7/32", "198.51.100.0/24"],
      ops: ["create 1 198.51.100.0/24"],
      band: ["in 1 deny -1 198.51.100.0/24", "in 7 deny -1 203.0.113.7/32"],
    },
    {
      reason: "a CIDR the policy no longer declares is removed after the additions",
      live: [...defaultAcl(), deny(1, "192.0.2.0/24"), deny(2, "203.0.113.7/32")],
      want: ["203.0.113.7/32", "198.51.100.0/24"],
      ops: ["create 3 198.51.100.0/24", "delete 1"],
      band: ["in 2 deny -1 203.0.113.7/32", "in 3 deny -1 198.51.100.0/24"],
    },
    {
      reason: "adjacent siblings are aggregated, and the merged block is created before the halves go",
      live: [...defaultAcl(), deny(1, "10.9.0.0/25"), deny(2, "10.9.0.128/25")],
      want: ["10.9.0.0/25", "10.9.0.128/25", "10.9.0.5/32"],
      ops: ["create 3 10.9.0.0/24", "delete 1", "delete 2"],
      band: ["in 3 deny -1 10.9.0.0/24"],
    },
    {
      reason: "a full band swaps an obsolete entry in place with Replace",
      live: [...defaultAcl(), deny(1, "192.0.2.0/24"), deny(2, "203.0.113.7/32")],
      want: ["203.0.113.7/32", "198.51.100.0/24"],
      ops: ["replace 1 198.51.100.0/24"],
      band: ["in 1 deny -1 198.51.100.0/24", "in 2 deny -1 203.0.113.7/32"],
    },
    {
      reason: "a hand-made allow inside the band is Cordon's to replace",
      live: [...defaultAcl(), allow(1, "203.0.113.7/32")],
      want: ["203.0.113.7/32"],
      ops: ["create 2 203.0.113.7/32", "delete 1"],
      band: ["in 2 deny -1 203.0.113.7/32"],
    },
    {
      reason: "entries outside the band are never touched, even a deny Cordon would have written",
      live: [...defaultAcl(), deny(150, "203.0.113.7/32"), deny(5, "203.0.113.7/32", true)],
      want: [],
      ops: ["delete 5"],
      band: [],
    },
  ];
  const smallBand = (c: (typeof cases)[number]) => (c.reason.includes("full band") ? { first: 1, last: 2 } : band);
  it.each(cases)("$reason", (c) => {
    const b = smallBand(c);
    const t = naclTransition(c.live, target(c.want, false, b));
    const opText = t.ops.map((o) => `${o.op} ${o.ruleNumber}${o.op === "delete" ? "" : ` ${o.cidr}`}`);
    expect(opText).toEqual(c.ops);
    const after = applyNaclOps(c.live, t.ops);
    expect(bandOf(after, b)).toEqual(c.band);
    expect(after.filter((e) => !inBand(b, e.ruleNumber))).toEqual(
      c.live
        .filter((e) => !inBand(b, e.ruleNumber))
        .sort((x, y) => Number(x.egress) - Number(y.egress) || x.ruleNumber - y.ruleNumber),
    );
  });

  it("is stable across runs: a second run against the result changes nothing and keeps every number", () => {
    const live = [...defaultAcl(), deny(4, "192.0.2.0/24")];
    const want = target(["198.51.100.0/24", "203.0.113.7/32", "2001:db8::/32", "192.0.2.0/24"]);
    const first = naclTransition(live, want);
    const after = applyNaclOps(live, first.ops);
    const second = naclTransition(after, want);
    expect(second.ops).toEqual([]);
    expect(second.final).toEqual(first.final);
    expect(first.final.find((e) => e.cidr === "192.0.2.0/24")?.ruleNumber).toBe(4);
  });

  it("manages both directions independently, inbound first", () => {
    const t = naclTransition(defaultAcl(), {
      band,
      entryQuota: 20,
      entries: [
        { egress: true, cidr: "203.0.113.7/32" },
        { egress: false, cidr: "198.51.100.0/24" },
      ],
    });
    expect(t.ops.map((o) => `${o.egress ? "out" : "in"} ${o.op} ${o.ruleNumber}`)).toEqual([
      "in create 1",
      "out create 1",
    ]);
  });

  it("refuses a band that is exhausted, with the numbers", () => {
    expect(() =>
      naclTransition(
        defaultAcl(),
        target(["192.0.2.1/32", "192.0.2.3/32", "192.0.2.5/32"], false, { first: 1, last: 2 }),
      ),
    ).toThrow("3 CIDRs to block but the band 1–2 has only 2 rule numbers");
  });
});

describe("naclCapacityProblems", () => {
  const blocks = (n: number, prefix = "192.0.2") => Array.from({ length: n }, (_, i) => block(`${prefix}.${i * 2}/32`));
  const cases = [
    { reason: "18 + 1 other + catch-all = 20 fits the default quota", n: 18, quota: 20, problems: [] as string[] },
    {
      reason: "19 + 1 other + catch-all = 21 exceeds 20, and the message has every number",
      n: 19,
      quota: 20,
      problems: [
        "network ACL acl-1, inbound IPv4: 19 blocked CIDRs + 1 other entries + 1 catch-all deny = 21 entries, above the quota of 20",
      ],
    },
    { reason: "a raised quota of 40 takes 38", n: 38, quota: 40, problems: [] as string[] },
  ];
  it.each(cases)("$reason", ({ n, quota, problems }) => {
    const got = naclCapacityProblems("acl-1", defaultAcl(), band, quota, {
      inbound: aggregate(blocks(n)),
      outbound: [],
    });
    expect(got.length).toBe(problems.length);
    for (const [i, p] of problems.entries()) expect(got[i]).toContain(p);
  });

  it("counts IPv4 and IPv6 separately", () => {
    const v6 = Array.from({ length: 18 }, (_, i) => block(`2001:db8:${i * 2}::/48`));
    expect(
      naclCapacityProblems("acl-1", defaultAcl(), band, 20, { inbound: [...blocks(18), ...v6], outbound: [] }),
    ).toEqual([]);
  });
});

describe("naclOrderProblems", () => {
  const spec = (others: NaclEntry[], live: NaclEntry[], b: NaclBand) =>
    liveNaclSpec({ id: "acl-1", vpcId: "vpc-1", entries: [...others, ...live] }, b, 20);
  it("explains, with both rule numbers, that a deny above a matching allow blocks nothing", () => {
    const s = spec(defaultAcl(), [deny(150, "203.0.113.7/32")], { first: 150, last: 199 });
    expect(naclOrderProblems(s)).toEqual([
      "network ACL acl-1, inbound: the deny entry for 203.0.113.7/32 is rule 150, but allow rule 100 (0.0.0.0/0, all traffic) matches it first — rules are evaluated in ascending order and the first match wins, so the deny would block nothing; use a band below 100",
    ]);
  });
  it("reports a partial bypass by a narrower or protocol-specific allow", () => {
    const s = spec(
      [allow(10, "203.0.113.0/28", false, { protocol: "6", portRange: { from: 443, to: 443 } })],
      [deny(20, "203.0.113.0/24")],
      {
        first: 20,
        last: 30,
      },
    );
    expect(naclOrderProblems(s)[0]).toContain(
      "allow rule 10 (203.0.113.0/28, protocol 6 ports 443–443) matches part of that traffic first",
    );
  });
  it("accepts denies below the first allow, and ignores the other family and direction", () => {
    const s = spec(defaultAcl(), [deny(1, "203.0.113.7/32"), deny(2, "2001:db8::/32", true)], band);
    expect(naclOrderProblems(s)).toEqual([]);
  });
});

describe("naclEntriesDiff", () => {
  const acl = (entries: NaclEntry[]) =>
    liveNaclSpec({ id: "acl-1", vpcId: "vpc-1", entries: [...defaultAcl(), ...entries] }, band, 20);
  it("reports fields per rule number and flags an unblocking as broadening access", () => {
    const d = naclEntriesDiff(acl([deny(1, "198.51.100.0/24")]), acl([deny(1, "203.0.113.7/32")]));
    expect(d.fields).toEqual([
      {
        path: "/entries/inbound/1",
        before: { cidr: "203.0.113.7/32", action: "deny", protocol: "-1" },
        after: { cidr: "198.51.100.0/24", action: "deny", protocol: "-1" },
      },
    ]);
    expect(d.broadensAccess).toBe(true);
    expect(d.notes).toEqual(["inbound 203.0.113.7/32 stops being blocked in acl-1"]);
    expect(d.replace).toBe(false);
  });
  it("does not flag a block that is still covered by a larger one", () => {
    const d = naclEntriesDiff(acl([deny(2, "203.0.113.0/24")]), acl([deny(1, "203.0.113.7/32")]));
    expect(d.broadensAccess).toBe(false);
    expect(d.fields.map((f) => f.path)).toEqual(["/entries/inbound/1", "/entries/inbound/2"]);
  });
  it("shows no difference when only entries outside the band differ", () => {
    const live = liveNaclSpec(
      { id: "acl-1", vpcId: "vpc-1", entries: [deny(1, "203.0.113.7/32"), allow(120, "10.0.0.0/8")] },
      band,
      20,
    );
    const d = naclEntriesDiff(acl([deny(1, "203.0.113.7/32")]), live);
    expect(d.fields).toEqual([]);
    expect(d.broadensAccess).toBe(false);
  });
});

// --- the no-gap property -------------------------------------------------------------------

/** A small universe so that random blocks overlap: 10.0.0.0/28 and 2001:db8::/124. */
const V4_BASE = 0x0a000000n;
const V6_BASE = 0x20010db8n << 96n;
const arbBlock = fc.oneof(
  fc
    .record({ offset: fc.integer({ min: 0, max: 15 }), prefix: fc.integer({ min: 28, max: 32 }) })
    .map(({ offset, prefix }) => {
      const size = 2 ** (32 - prefix);
      return formatCidr({ family: "ipv4", network: V4_BASE + BigInt(offset - (offset % size)), prefix });
    }),
  fc
    .record({ offset: fc.integer({ min: 0, max: 15 }), prefix: fc.integer({ min: 124, max: 128 }) })
    .map(({ offset, prefix }) => {
      const size = 2 ** (128 - prefix);
      return formatCidr({ family: "ipv6", network: V6_BASE + BigInt(offset - (offset % size)), prefix });
    }),
);
const universe: Cidr[] = [
  ...Array.from({ length: 16 }, (_, i): Cidr => ({ family: "ipv4", network: V4_BASE + BigInt(i), prefix: 32 })),
  ...Array.from({ length: 16 }, (_, i): Cidr => ({ family: "ipv6", network: V6_BASE + BigInt(i), prefix: 128 })),
];
const arbLiveEntry = fc.record({
  slot: fc.integer({ min: 0, max: 11 }),
  egress: fc.boolean(),
  cidr: arbBlock,
  action: fc.constantFrom("deny" as const, "deny" as const, "allow" as const),
  protocol: fc.constantFrom("-1", "-1", "6"),
});

const blocksOf = (entries: readonly NaclEntry[], b: NaclBand, egress: boolean): Cidr[] =>
  entries
    .filter((e) => e.egress === egress && inBand(b, e.ruleNumber) && e.action === "deny" && e.protocol === "-1")
    .map((e) => block((e.cidr ?? e.ipv6Cidr)!));
const denied = (addr: Cidr, blocks: readonly Cidr[]) => blocks.some((b) => contains(b, addr));
const countFamily = (entries: readonly NaclEntry[], egress: boolean, v6: boolean) =>
  entries.filter((e) => e.egress === egress && e.ruleNumber < 32767 && (e.ipv6Cidr !== undefined) === v6).length + 1;

describe("naclOperations never opens a gap (property)", () => {
  it("keeps every address blocked before and after blocked at every step, respects the quota, and ends at desired", () => {
    const seenOps = { create: 0, replace: 0, delete: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 3, max: 10 }),
        fc.array(arbLiveEntry, { maxLength: 10 }),
        fc.array(fc.record({ egress: fc.boolean(), cidr: arbBlock }), { maxLength: 10 }),
        fc.boolean(),
        (first, size, quota, liveRaw, want, withOthers) => {
          const b = { first, last: first + size - 1 };
          const others: NaclEntry[] = withOthers
            ? [allow(first + size + 3, "0.0.0.0/0"), allow(first + size + 3, "::/0", true)]
            : [];
          const seen = new Set<string>();
          const live: NaclEntry[] = [...others, deny(32767, "0.0.0.0/0"), deny(32767, "0.0.0.0/0", true)];
          for (const r of liveRaw) {
            const n = first + (r.slot % size);
            if (seen.has(`${r.egress}${n}`)) continue;
            seen.add(`${r.egress}${n}`);
            live.push({
              ...(r.action === "deny" ? deny(n, r.cidr, r.egress) : allow(n, r.cidr, r.egress)),
              protocol: r.protocol,
            });
          }
          const desired: NaclTarget = { band: b, entryQuota: quota, entries: want };
          const agg = (egress: boolean) => aggregate(want.filter((w) => w.egress === egress).map((w) => block(w.cidr)));
          const fits =
            naclCapacityProblems(
              "acl",
              live.filter((e) => !inBand(b, e.ruleNumber)),
              b,
              quota,
              { inbound: agg(false), outbound: agg(true) },
            ).length === 0;
          fc.pre(fits);
          const liveFitsQuota = [false, true].every(
            (eg) => countFamily(live, eg, false) <= quota && countFamily(live, eg, true) <= quota,
          );

          const ops = naclOperations(live, desired);
          for (const op of ops) seenOps[op.op]++;
          let state: NaclEntry[] = applyNaclOps(live, []);
          for (const op of ops) {
            expect(inBand(b, op.ruleNumber)).toBe(true);
            state = applyNaclOps(state, [op]);
            for (const egress of [false, true]) {
              const before = blocksOf(live, b, egress);
              const after = agg(egress);
              const now = blocksOf(state, b, egress);
              for (const a of universe) {
                if (denied(a, before) && denied(a, after))
                  expect(denied(a, now), `${formatCidr(a)} unblocked after ${op.op} ${op.ruleNumber}`).toBe(true);
              }
              if (liveFitsQuota) {
                expect(countFamily(state, egress, false)).toBeLessThanOrEqual(quota);
                expect(countFamily(state, egress, true)).toBeLessThanOrEqual(quota);
              }
            }
          }
          for (const egress of [false, true]) {
            const finalBand = state.filter((e) => e.egress === egress && inBand(b, e.ruleNumber));
            expect(finalBand.every((e) => e.action === "deny" && e.protocol === "-1")).toBe(true);
            expect(finalBand.map((e) => (e.cidr ?? e.ipv6Cidr)!).sort()).toEqual(agg(egress).map(formatCidr).sort());
          }
          expect(state.filter((e) => !inBand(b, e.ruleNumber))).toEqual(
            live
              .filter((e) => !inBand(b, e.ruleNumber))
              .sort((x, y) => Number(x.egress) - Number(y.egress) || x.ruleNumber - y.ruleNumber),
          );
          expect(naclOperations(state, desired)).toEqual([]);
        },
      ),
      { numRuns: Number(process.env.NACL_RUNS ?? 400) },
    );
    // The generator must reach every kind of step, or the property proves little.
    expect(seenOps.create).toBeGreaterThan(0);
    expect(seenOps.replace).toBeGreaterThan(0);
    expect(seenOps.delete).toBeGreaterThan(0);
  });
});
