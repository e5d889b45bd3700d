// Comparing a saved plan with the plan made now from the same policies and live AWS. Pure.
//
// `cordon apply plan.json` carries a saved plan out only when this finds no difference: every
// member of the document and of every change is compared as canonical JSON (key order aside),
// except the members that legitimately differ between two runs over the same policies and AWS:
//   - createdAt (when the plan was made), cordonVersion (which Cordon made it), digest (the
//     file's integrity check), policyPaths and policyFiles (how the policies were found; the
//     files' contents are checked separately, before any plan is made);
//   - the spelling of a policy file's path in a change's origin and in a warning: both are
//     compared through `samePath` (the caller resolves them against its working directory).
// Everything else counts, for the executor or for the reviewer: address, kind, name, target,
// action, mode, before, after, fields, observedFingerprint, dependsOn, reason, impact, origin,
// contextFields, any member the file added, the order of the changes, and the summary, notes,
// warnings (both as sets), queries, targets, policyDigest, today and only of the document.

import { readablePointer } from "../domain/diff.js";
import { canonicalJson } from "../domain/fingerprint.js";
import type { Change } from "../model/change.js";
import type { PlanDocument } from "../model/plan.js";

/** Document members that may differ between a saved plan and the same plan made again. */
export const VOLATILE_PLAN_MEMBERS: readonly string[] = [
  "createdAt",
  "cordonVersion",
  "digest",
  "policyPaths",
  "policyFiles",
];

export interface PlanDifference {
  /** The change's address, or "(plan)" for a member of the document itself. */
  readonly address: string;
  /** How it differs: "only in the saved plan", "action no-op in the saved plan, update now", "after differs at /entries/3". */
  readonly how: string;
  /** True when the difference is AWS having changed since the plan was made (observedFingerprint). */
  readonly stale: boolean;
}

export interface CompareOptions {
  /** Maps a policy file path as written in a plan to a comparable form; default: unchanged. */
  readonly samePath?: (file: string) => string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

const escapePointer = (key: string): string => key.replace(/~/g, "~0").replace(/\//g, "~1");

/** The JSON pointer (below `at`) of the first place where `a` and `b` differ, or null when equal. */
export function firstDifference(a: unknown, b: unknown, at = ""): string | null {
  if (canonicalJson(a) === canonicalJson(b)) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return `${at}/${i}`;
      const d = firstDifference(a[i], b[i], `${at}/${i}`);
      if (d !== null) return d;
    }
    return at;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = firstDifference(a[key], b[key], `${at}/${escapePointer(key)}`);
      if (d !== null) return d;
    }
    return at;
  }
  return at;
}

const byCanonical = (x: unknown, y: unknown): number => {
  const a = canonicalJson(x);
  const b = canonicalJson(y);
  return a < b ? -1 : a > b ? 1 : 0;
};

const show = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? "(absent)"));

/** `c` with its origin's file path mapped through `samePath`. */
function comparableChange(c: Change, samePath: (f: string) => string): Record<string, unknown> {
  const value = { ...(c as unknown as Record<string, unknown>) };
  const origin = value["origin"];
  if (isObject(origin) && typeof origin["file"] === "string")
    value["origin"] = { ...origin, file: samePath(origin["file"]) };
  return value;
}

function changeDifferences(saved: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort()) {
    const a = saved[key];
    const b = now[key];
    if (canonicalJson(a ?? null) === canonicalJson(b ?? null) && (a === undefined) === (b === undefined)) continue;
    if (a === undefined) out.push(`${key} missing from the saved plan`);
    else if (b === undefined) out.push(`${key} only in the saved plan`);
    else if (key === "action" || key === "mode" || key === "kind" || key === "name") {
      out.push(`${key} ${show(a)} in the saved plan, ${show(b)} now`);
    } else if (key === "observedFingerprint") out.push("changed in AWS since the plan was made");
    else {
      const at = firstDifference(a, b);
      out.push(`${key} differs${at ? ` at ${readablePointer(at)}` : ""}`);
    }
  }
  return out;
}

/**
 * Every difference between the saved plan and the plan made now, changes first (in the saved
 * plan's order, then those only in the new plan), then the document's own members. Empty = equal.
 */
export function comparePlans(saved: PlanDocument, now: PlanDocument, options: CompareOptions = {}): PlanDifference[] {
  const samePath = options.samePath ?? ((f: string) => f);
  const out: PlanDifference[] = [];
  const savedChanges = Array.isArray(saved.changes) ? saved.changes : [];
  const nowByAddress = new Map(now.changes.map((c) => [c.address, c]));
  const seen = new Set<string>();
  for (const c of savedChanges) {
    if (seen.has(c.address)) {
      out.push({ address: c.address, how: "listed more than once in the saved plan", stale: false });
      continue;
    }
    seen.add(c.address);
    const fresh = nowByAddress.get(c.address);
    if (fresh === undefined) {
      out.push({ address: c.address, how: "only in the saved plan", stale: false });
      continue;
    }
    const diffs = changeDifferences(comparableChange(c, samePath), comparableChange(fresh, samePath));
    if (diffs.length > 0) {
      const stale = diffs.includes("changed in AWS since the plan was made");
      out.push({ address: c.address, how: diffs.join("; "), stale });
    }
  }
  for (const c of now.changes) {
    if (!seen.has(c.address)) out.push({ address: c.address, how: "only now (not in the saved plan)", stale: false });
  }
  const savedOrder = savedChanges.map((c) => c.address).filter((a) => nowByAddress.has(a));
  const nowOrder = now.changes.map((c) => c.address).filter((a) => seen.has(a));
  if (out.length === 0 && canonicalJson(savedOrder) !== canonicalJson(nowOrder)) {
    out.push({ address: "(plan)", how: "the changes are listed in another order", stale: false });
  }

  const docOf = (d: PlanDocument): Record<string, unknown> => {
    const v: Record<string, unknown> = { ...(d as unknown as Record<string, unknown>) };
    for (const k of [...VOLATILE_PLAN_MEMBERS, "changes"]) delete v[k];
    if (Array.isArray(v["warnings"])) {
      v["warnings"] = (v["warnings"] as unknown[]).map((w) =>
        isObject(w) && typeof w["file"] === "string" ? { ...w, file: samePath(w["file"]) } : w,
      );
    }
    // Notes and warnings are compared as sets: their order follows AWS's listing order, and
    // showing them in another order changes nothing a reviewer decides on.
    for (const k of ["notes", "warnings"]) {
      if (Array.isArray(v[k])) v[k] = [...(v[k] as unknown[])].sort(byCanonical);
    }
    return v;
  };
  const a = docOf(saved);
  const b = docOf(now);
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (a[key] === undefined && b[key] === undefined) continue;
    if (a[key] === undefined) out.push({ address: "(plan)", how: `${key} missing from the saved plan`, stale: false });
    else if (b[key] === undefined) out.push({ address: "(plan)", how: `${key} only in the saved plan`, stale: false });
    else {
      const at = firstDifference(a[key], b[key]);
      if (at !== null)
        out.push({ address: "(plan)", how: `${key} differs${at ? ` at ${readablePointer(at)}` : ""}`, stale: false });
    }
  }
  return out;
}
