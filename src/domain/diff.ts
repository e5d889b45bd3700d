// Generic structural diff of two specs of the same kind. Pure. Per-kind diffs (flow logs, bucket
// policies, Glue tables) build on it; kinds without special rules use it as is.
import type { DiffResult, FieldDiff } from "../model/change.js";
import { canonicalJson } from "./fingerprint.js";

/** RFC 6901 escaping of one pointer segment. */
export const pointerSegment = (key: string): string =>
  key.includes("~") || key.includes("/") ? key.replace(/~/g, "~0").replace(/\//g, "~1") : key;

export const pointerJoin = (base: string, key: string | number): string => `${base}/${pointerSegment(String(key))}`;

/** The segments of a pointer, unescaped ("/tags/a~1b" → ["tags", "a/b"]). [] for the root. */
export const pointerSegments = (pointer: string): string[] =>
  pointer === ""
    ? []
    : pointer
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));

/** The first segment of a pointer, unescaped ("/tags/a~1b" → "tags"). "" for the root. */
export const topField = (path: string): string => pointerSegments(path)[0] ?? "";

/**
 * A pointer into a spec as people read it (docs/plan-output.md, "Field names"): its segments
 * unescaped and joined by "/" ("/tags/team~1a" → "tags/team/a"), never a JSON-pointer escape; the
 * first segment under the policy's name when `names` has one ("perHourPartition" →
 * "perHourPartitions"); only the first `depth` segments when given. "(value)" for the root.
 */
export function readablePath(pointer: string, names?: Readonly<Record<string, string>>, depth?: number): string {
  const segs = pointerSegments(pointer).slice(0, depth);
  const first = segs[0];
  if (first !== undefined && names !== undefined && Object.hasOwn(names, first)) segs[0] = names[first] as string;
  return segs.join("/") || "(value)";
}

/** A pointer into a policy document as people read it: "/" + its unescaped segments; "" stays "". */
export const readablePointer = (pointer: string): string =>
  pointer === "" ? "" : `/${pointerSegments(pointer).join("/")}`;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** A string, boolean or null: equal canonical JSON exactly when `===` (no JSON text needed). */
const isSimple = (v: unknown): boolean => v === null || typeof v === "string" || typeof v === "boolean";

/** Equal up to key order (equal canonical JSON). Scalars are compared without writing their JSON. */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (isSimple(a) && isSimple(b)) return a === b;
  // Two finite numbers: JSON writes each as its shortest round-trip form (0 and -0 both as "0").
  if (typeof a === "number" && typeof b === "number" && Number.isFinite(a) && Number.isFinite(b)) return a === b;
  return canonicalJson(a) === canonicalJson(b);
};

/**
 * Field diffs from `live` (before) to `desired` (after). Plain objects are compared member by
 * member (a missing member is `null` on that side); arrays and scalars are compared whole.
 * Sorted by path.
 */
export function structuralDiff(desired: unknown, live: unknown, path = ""): FieldDiff[] {
  const out: FieldDiff[] = [];
  walk(desired, live, path, out);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function walk(after: unknown, before: unknown, path: string, out: FieldDiff[]): void {
  if (isPlainObject(after) && isPlainObject(before)) {
    // Every member of either side once (the paths are distinct, and sorted at the end).
    for (const key of Object.keys(after)) member(after, before, key, path, out);
    for (const key of Object.keys(before)) if (!isEnumerable.call(after, key)) member(after, before, key, path, out);
    return;
  }
  if (!deepEqual(after, before)) out.push({ path, before, after });
}

const isEnumerable = Object.prototype.propertyIsEnumerable;

function member(
  after: Record<string, unknown>,
  before: Record<string, unknown>,
  key: string,
  path: string,
  out: FieldDiff[],
): void {
  const a = after[key];
  const b = before[key];
  if (a === undefined && b === undefined) return;
  walk(a ?? null, b ?? null, pointerJoin(path, key), out);
}

/** A DiffResult where the listed top-level fields force replacement. */
export function diffWithReplacement(
  desired: unknown,
  live: unknown,
  forcesReplacement: (field: string) => boolean,
): DiffResult {
  const fields = structuralDiff(desired, live).map((f) =>
    forcesReplacement(topField(f.path)) ? { ...f, forcesReplacement: true } : f,
  );
  return { fields, replace: fields.some((f) => f.forcesReplacement === true) };
}

/** The default diff for kinds that are updated in place. */
export const inPlaceDiff = (desired: unknown, live: unknown): DiffResult => ({
  fields: structuralDiff(desired, live),
  replace: false,
});
