// The domain's shortcuts for large plans (docs/performance.md, "A third pass") give exactly what the
// straightforward code gave, on random inputs: scalars compared without writing their JSON, the
// structural diff's member walk, pointer segments, the flow-log normal form read without copying,
// remembered normalisations (and past the memory's bound), tags sorted by insertion.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deepEqual, diffWithReplacement, pointerSegment, structuralDiff } from "../../../src/domain/diff.js";
import { canonicalJson, sha256Hex } from "../../../src/domain/fingerprint.js";
import {
  DEFAULT_LOG_FORMAT,
  flowLogDiff,
  type LiveFlowLogItem,
  normalizeFlowLogSpec,
  normalizeLogFormat,
  normalizeS3Destination,
  tagsOf,
} from "../../../src/domain/flowlog.js";
import type { FieldDiff } from "../../../src/model/change.js";
import type { FlowLogSpec } from "../../../src/model/specs.js";

// --- the code before the shortcuts ------------------------------------------------------------

/** What throwing or returning `f` gives, comparable with toEqual. */
const outcome = <T>(f: () => T): { ok: T } | { threw: string } => {
  try {
    return { ok: f() };
  } catch (e) {
    return { threw: (e as Error).message };
  }
};

const refDeepEqual = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

const refSegment = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function refDiff(desired: unknown, live: unknown, path = ""): FieldDiff[] {
  const out: FieldDiff[] = [];
  const walk = (after: unknown, before: unknown, at: string): void => {
    if (isPlainObject(after) && isPlainObject(before)) {
      for (const key of new Set([...Object.keys(after), ...Object.keys(before)])) {
        const a = after[key];
        const b = before[key];
        if (a === undefined && b === undefined) continue;
        walk(a ?? null, b ?? null, `${at}/${refSegment(key)}`);
      }
      return;
    }
    if (!refDeepEqual(after, before)) out.push({ path: at, before, after });
  };
  walk(desired, live, path);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const refLogFormat = (format: string | undefined | null): string => {
  const trimmed = (format ?? "").trim().replace(/\s+/g, " ");
  return trimmed === "" ? DEFAULT_LOG_FORMAT : trimmed;
};

function refS3Destination(arn: string): string {
  const m = /^(arn:[^:]+:s3:::)([^/]+)(\/.*)?$/.exec(arn.trim());
  if (m === null) return arn.trim();
  const path = (m[3] ?? "").split("/").filter((s) => s !== "");
  return path.length === 0 ? `${m[1]}${m[2]}` : `${m[1]}${m[2]}/${path.join("/")}/`;
}

function refTagsOf(tags: LiveFlowLogItem["Tags"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of [...(tags ?? [])].sort((a, b) => ((a.Key ?? "") < (b.Key ?? "") ? -1 : 1))) {
    if (t.Key === undefined || t.Key.startsWith("aws:")) continue;
    out[t.Key] = t.Value ?? "";
  }
  return out;
}

const refFlowLogFields = (desired: FlowLogSpec, live: FlowLogSpec) =>
  diffWithReplacement(normalizeFlowLogSpec(desired), normalizeFlowLogSpec(live), (f) => f !== "tags");

// --- generators ------------------------------------------------------------------------------

const word = fc.constantFrom("a", "b", "tags", "env", "a/b", "x~y", "~", "/", "0", "10", "9", "toJSON", "", "Z");
const scalar = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom(null, true, false, 0, -0, 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
  fc.double(),
  fc.integer(),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.constant(undefined),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(word, tie("v"), { maxKeys: 4 }),
  ),
})).v;

const whitespace = fc.constantFrom(" ", "  ", "\t", "\n", " \r\n ", "\u00a0", "\u2028", "");
const text = fc
  .array(fc.oneof(fc.constantFrom("$" + "{srcaddr}", "$" + "{action}", "x"), whitespace), { maxLength: 6 })
  .map((parts) => parts.join(""));
const destination = fc
  .tuple(
    whitespace,
    fc.constantFrom("arn:aws:s3:::", "arn:aws-cn:s3:::", "arn:aws:s3::", "s3://"),
    fc.constantFrom("logs", "b", "", "a/b"),
    fc.array(fc.constantFrom("/", "//", "flow", "x", "AWSLogs"), { maxLength: 4 }),
    whitespace,
  )
  .map((p) => p.join(""));

const tagKey = fc.option(fc.constantFrom("a", "b", "aws:x", "cordon:policy", "cordon:managed-by", "", "Z", "é"), {
  nil: undefined,
});
const tagList = fc.option(
  fc.array(fc.record({ Key: tagKey, Value: fc.option(fc.constantFrom("1", "2", ""), { nil: undefined }) }), {
    maxLength: 6,
  }),
  { nil: undefined },
);

const flowLogSpec: fc.Arbitrary<FlowLogSpec> = fc
  .record({
    resourceId: fc.constantFrom("vpc-1", "vpc-2", "subnet-1"),
    resourceType: fc.constantFrom("VPC" as const, "Subnet" as const),
    trafficType: fc.constantFrom("ALL" as const, "ACCEPT" as const, "REJECT" as const),
    logDestination: destination,
    logFormat: fc.oneof(text, fc.constant(DEFAULT_LOG_FORMAT)),
    maxAggregationInterval: fc.constantFrom(60 as const, 600 as const),
    fileFormat: fc.constantFrom("plain-text" as const, "parquet" as const),
    hiveCompatiblePartitions: fc.boolean(),
    perHourPartition: fc.boolean(),
    tags: fc.dictionary(fc.constantFrom("a", "b", "cordon:policy"), fc.constantFrom("1", "2")),
    adopt: fc.constantFrom(undefined, true as const),
  })
  .map(({ adopt, ...rest }) => (adopt === undefined ? rest : { ...rest, adopt }));

// --- the properties ----------------------------------------------------------------------------

describe("domain shortcuts equal the code they replace", () => {
  it("deepEqual: scalars by ===, the rest by canonical JSON (non-finite numbers still throw)", () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(outcome(() => deepEqual(a, b))).toEqual(outcome(() => refDeepEqual(a, b)));
        expect(outcome(() => deepEqual(a, a))).toEqual(outcome(() => refDeepEqual(a, a)));
      }),
      { numRuns: 3000 },
    );
  });

  it("structuralDiff: the same fields, in the same order", () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(outcome(() => structuralDiff(a, b))).toEqual(outcome(() => refDiff(a, b)));
      }),
      { numRuns: 3000 },
    );
  });

  it("pointerSegment escapes only what needs it", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.array(word, { maxLength: 3 }), (s, ws) => {
        for (const k of [s, ws.join("")]) expect(pointerSegment(k)).toBe(refSegment(k));
      }),
    );
  });

  it("normalizeLogFormat and normalizeS3Destination, remembered, give what they computed", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, destination), { maxLength: 20 }), (pairs) => {
        for (const [format, arn] of [...pairs, ...pairs]) {
          // Twice in a row (the last answer), then again later (the memory).
          for (let i = 0; i < 2; i++) {
            expect(normalizeLogFormat(format)).toBe(refLogFormat(format));
            expect(normalizeS3Destination(arn)).toBe(refS3Destination(arn));
          }
        }
      }),
      { numRuns: 500 },
    );
    expect(normalizeLogFormat(undefined)).toBe(DEFAULT_LOG_FORMAT);
    expect(normalizeLogFormat(null)).toBe(DEFAULT_LOG_FORMAT);
    // More distinct inputs than the memory holds: still the same answers, before and after it forgets.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3000; i++) {
        const arn = `arn:aws:s3:::bucket-${i}//p${i % 7}/`;
        expect(normalizeS3Destination(arn)).toBe(refS3Destination(arn));
        expect(normalizeLogFormat(` \${f${i}}  x `)).toBe(refLogFormat(` \${f${i}}  x `));
      }
    }
  });

  it("tagsOf: sorted by key as before, duplicate and missing keys included", () => {
    fc.assert(
      fc.property(tagList, (tags) => {
        const got = tagsOf(tags);
        const want = refTagsOf(tags);
        expect(got).toEqual(want);
        expect(Object.keys(got)).toEqual(Object.keys(want));
      }),
      { numRuns: 3000 },
    );
  });

  it("flowLogDiff: the diff of the normal forms, whether or not a spec needed normalising", () => {
    fc.assert(
      fc.property(flowLogSpec, flowLogSpec, fc.boolean(), (d, l, same) => {
        const live = same ? { ...d, tags: l.tags } : l;
        const got = flowLogDiff(d, live);
        const ref = refFlowLogFields(d, live);
        expect(got.fields).toEqual(ref.fields);
        expect(got.replace).toBe(ref.replace);
        // The inputs are read, never changed.
        expect(normalizeFlowLogSpec(d)).toEqual(normalizeFlowLogSpec({ ...d }));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("sha256Hex", () => {
  it("is the digest of the text's UTF-8 bytes, as createHash gives it (non-ASCII and lone surrogates too)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" })), (s) => {
        expect(sha256Hex(s)).toBe(createHash("sha256").update(s, "utf8").digest("hex"));
      }),
      { numRuns: 2000 },
    );
  });
});
