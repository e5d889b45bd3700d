// Saved plan files (`cordon plan --out plan.json`), read back by `cordon apply plan.json` and
// `cordon show plan.json`. A saved plan is a record of what was reviewed, never an instruction:
// apply makes the plan again from the policies and live AWS and carries that out only when it
// equals the saved one (the reconcile, src/executor/reconcile.ts); this module holds the checks
// that come first.
import { readFileSync } from "node:fs";
import type { Loaded } from "../executor/pipeline.js";
import { policyFileDigests } from "../executor/plan-run.js";
import { IoError, StalePlanError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
import { type PlanIntegrity, parsePlanJson, planFileIntegrity } from "../render/plan-json.js";
import { requireWellFormedPlan } from "../render/plan-schema.js";

export interface SavedPlan {
  readonly file: string;
  /** The file's text as read. */
  readonly text: string;
  readonly doc: PlanDocument;
  readonly integrity: PlanIntegrity;
}

/** Reads and parses a plan file and checks its digest (UsageError/IoError naming the file on bad input). */
export function readSavedPlan(file: string): SavedPlan {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new IoError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const doc = parsePlanJson(text, file);
  return { file, text, doc, integrity: planFileIntegrity(doc) };
}

/** The warning for a plan whose digest does not vouch for its content; null when it does. */
export function integrityProblem(saved: SavedPlan): string | null {
  switch (saved.integrity.status) {
    case "intact":
      return null;
    case "no-digest":
      return `${saved.file} has no digest: it was not written by \`cordon plan --out\` of this Cordon version, so nothing shows it is the plan that was made`;
    case "edited":
      return `${saved.file} was edited after it was made: its digest does not match its content`;
  }
}

/** Throws StalePlanError unless the file's digest matches its content, then UsageError unless it is well formed. */
export function requireIntact(saved: SavedPlan): void {
  const problem = integrityProblem(saved);
  if (problem === null) {
    requireWellFormedPlan(saved.doc, saved.file);
    return;
  }
  const details =
    saved.integrity.status === "edited"
      ? [
          `recorded digest ${saved.integrity.recorded}, content digest ${saved.integrity.actual}`,
          "make and review the plan again: cordon plan --out plan.json",
        ]
      : ["make and review the plan again: cordon plan --out plan.json"];
  throw new StalePlanError(`${problem}; nothing was applied`, details);
}

/**
 * "path (changed)", "path (new)", "path (removed)" for every policy file whose bytes differ
 * from those the plan was made from (by path relative to the working directory).
 */
export function changedPolicyFiles(
  recorded: Readonly<Record<string, string>>,
  now: Readonly<Record<string, string>>,
): string[] {
  const out: string[] = [];
  for (const path of [...new Set([...Object.keys(recorded), ...Object.keys(now)])].sort()) {
    const was = recorded[path];
    const is = now[path];
    if (was === is) continue;
    out.push(`${path} (${was === undefined ? "new" : is === undefined ? "removed" : "changed"})`);
  }
  return out;
}

/** Throws StalePlanError naming the policy files that changed since the plan was made. */
export function requireSamePolicies(saved: SavedPlan, loaded: Loaded): void {
  const now = policyFileDigests(loaded.files ?? loaded.policies.map((p) => p.source.file));
  if (saved.doc.policyFiles === undefined) {
    if (saved.doc.policyDigest !== loaded.digest) {
      throw new StalePlanError(
        "the policies changed since the plan was made; nothing was applied; run cordon plan again",
      );
    }
    return;
  }
  const changed = changedPolicyFiles(saved.doc.policyFiles, now);
  if (changed.length > 0) {
    throw new StalePlanError(
      `the policies changed since the plan was made: ${changed.join(", ")}; nothing was applied`,
      ["make and review the plan again: cordon plan --out plan.json"],
    );
  }
}
