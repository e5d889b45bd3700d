// Shared pieces of the human plan views (text and markdown). They read only the PlanDocument;
// every object is shown with sorted keys so a plan read back from a file renders identically.
import { diffLines } from "diff";
import type { Action, Change, FieldDiff } from "../model/change.js";
import type { PlanDocument, PlanSummary } from "../model/plan.js";
import { sortKeysDeep } from "../planner/fingerprint.js";

export const NO_CHANGES = "No changes. Your infrastructure matches the policies.";

/** Terraform-style symbols: create-then-delete is "+/-" (create_before_destroy), delete-then-create "-/+". */
export function actionSymbol(action: Action): string {
  switch (action) {
    case "create":
      return "+";
    case "update":
      return "~";
    case "delete":
      return "-";
    case "create-then-delete":
      return "+/-";
    case "delete-then-create":
      return "-/+";
    case "no-op":
      return " ";
  }
}

export function actionVerb(change: Pick<Change, "action" | "mode">): string {
  const observe = change.mode === "observe";
  switch (change.action) {
    case "create":
      return observe ? "would be created (observe mode: not applied)" : "will be created";
    case "update":
      return observe ? "would be updated in-place (observe mode: not applied)" : "will be updated in-place";
    case "delete":
      return observe ? "would be destroyed (observe mode: not applied)" : "will be destroyed";
    case "create-then-delete":
      return observe
        ? "would be replaced (observe mode: not applied)"
        : "must be replaced (the new one is created before the old one is deleted)";
    case "delete-then-create":
      return observe ? "would be replaced (observe mode: not applied)" : "must be replaced (deleted, then re-created)";
    case "no-op":
      return "is up to date";
  }
}

/** "create", "update", "replace", "delete", "no-op" — a short label. */
export function actionLabel(action: Action): string {
  return action === "create-then-delete" || action === "delete-then-create" ? "replace" : action;
}

/** True when the document asks for nothing: no executable change and no observe-mode finding. */
export const isEmptyPlan = (s: PlanSummary): boolean =>
  s.add === 0 && s.change === 0 && s.destroy === 0 && (s.observeOnly ?? 0) === 0;

export const summaryLine = (s: PlanSummary): string =>
  `Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.`;

/** Extra summary sentences (observe-mode findings, access broadening). Empty when none. */
export function summaryExtras(s: PlanSummary): string[] {
  const out: string[] = [];
  if (s.broadensAccess > 0) {
    out.push(`${s.broadensAccess} ${s.broadensAccess === 1 ? "change broadens" : "changes broaden"} access.`);
  }
  if ((s.observeOnly ?? 0) > 0) {
    out.push(
      `${s.observeOnly} ${s.observeOnly === 1 ? "difference" : "differences"} in observe mode ${s.observeOnly === 1 ? "is" : "are"} reported, not applied.`,
    );
  }
  return out;
}

const isComplex = (v: unknown): boolean => v !== null && typeof v === "object";

/** A value as shown: JSON, keys sorted, multi-line for objects and arrays. */
export const showValue = (v: unknown): string => JSON.stringify(sortKeysDeep(v === undefined ? null : v), null, 2);

/** A pointer shown as a name: "/tags/env" → "tags.env" is ambiguous, so "tags/env" (unescaped). */
export const showPath = (path: string): string =>
  path
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join("/") || "(value)";

export interface BodyLine {
  /** "+" added, "-" removed, "~" changed in place (text style only), " " context. */
  readonly sign: "+" | "-" | "~" | " ";
  readonly text: string;
  /** Depth below the resource line. */
  readonly depth: number;
}

const prefixed = (sign: BodyLine["sign"], depth: number, head: string, value: unknown): BodyLine[] => {
  const lines = showValue(value).split("\n");
  return lines.map((l, i) => ({ sign, depth: i === 0 ? depth : depth + 1, text: i === 0 ? `${head}${l}` : l }));
};

/** Unchanged lines kept around each change in a JSON text diff. */
export const DIFF_CONTEXT = 3;

/**
 * A JSON text diff of two complex values (the `diff` package), one BodyLine per line; runs of
 * unchanged lines longer than the context are collapsed into one "… N unchanged lines" line.
 */
export function jsonDiffLines(before: unknown, after: unknown, depth: number): BodyLine[] {
  const a = before === null || before === undefined ? "" : `${showValue(before)}\n`;
  const b = after === null || after === undefined ? "" : `${showValue(after)}\n`;
  const all: BodyLine[] = [];
  for (const part of diffLines(a, b)) {
    const sign: BodyLine["sign"] = part.added ? "+" : part.removed ? "-" : " ";
    for (const l of part.value.replace(/\n$/, "").split("\n")) all.push({ sign, depth, text: l });
  }
  const keep = all.map(() => false);
  all.forEach((l, i) => {
    if (l.sign === " ") return;
    for (let j = Math.max(0, i - DIFF_CONTEXT); j <= Math.min(all.length - 1, i + DIFF_CONTEXT); j++) keep[j] = true;
  });
  const out: BodyLine[] = [];
  for (let i = 0; i < all.length; ) {
    if (keep[i]) {
      out.push(all[i] as BodyLine);
      i++;
      continue;
    }
    let j = i;
    while (j < all.length && !keep[j]) j++;
    out.push({ sign: " ", depth, text: `… ${j - i} unchanged ${j - i === 1 ? "line" : "lines"}` });
    i = j;
  }
  return out;
}

/**
 * The body of a change. style "text": in-place scalar changes as one "~ a -> b" line.
 * style "diff": only "+", "-" and " " lines (for a ```diff block).
 */
export function changeBody(c: Change, style: "text" | "diff"): BodyLine[] {
  const out: BodyLine[] = [];
  if (c.action === "no-op") return out;
  if (c.action === "create" && c.before === null) return objectLines("+", c.after);
  if (c.action === "delete") return objectLines("-", c.before);
  for (const f of c.fields) out.push(...fieldLines(f, style));
  return out;
}

function objectLines(sign: "+" | "-", value: unknown): BodyLine[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return prefixed(sign, 0, "", value);
  const src = value as Record<string, unknown>;
  return Object.keys(src)
    .sort()
    .flatMap((k) => prefixed(sign, 0, `${k} = `, src[k]));
}

function fieldLines(f: FieldDiff, style: "text" | "diff"): BodyLine[] {
  const name = showPath(f.path);
  const note = f.forcesReplacement === true ? "  # forces replacement" : "";
  const absent = (v: unknown) => v === null || v === undefined;
  if (absent(f.before) && !absent(f.after)) {
    const lines = prefixed("+", 0, `${name} = `, f.after);
    return withNote(lines, note);
  }
  if (!absent(f.before) && absent(f.after)) {
    const lines = prefixed("-", 0, `${name} = `, f.before);
    return withNote(lines, note);
  }
  if (!isComplex(f.before) && !isComplex(f.after)) {
    if (style === "text")
      return [{ sign: "~", depth: 0, text: `${name} = ${showValue(f.before)} -> ${showValue(f.after)}${note}` }];
    return [
      { sign: "-", depth: 0, text: `${name} = ${showValue(f.before)}` },
      { sign: "+", depth: 0, text: `${name} = ${showValue(f.after)}${note}` },
    ];
  }
  return [
    { sign: style === "text" ? "~" : " ", depth: 0, text: `${name}:${note}` },
    ...jsonDiffLines(f.before, f.after, 1),
  ];
}

function withNote(lines: BodyLine[], note: string): BodyLine[] {
  if (note === "" || lines.length === 0) return lines;
  const last = lines[lines.length - 1] as BodyLine;
  return [...lines.slice(0, -1), { ...last, text: `${last.text}${note}` }];
}

/** The changes a reviewer sees (no-ops are only counted). */
export const visibleChanges = (doc: PlanDocument): Change[] => doc.changes.filter((c) => c.action !== "no-op");
