// The plan document's JSON Schema (schemas/plan.schema.json), bundled into the CLI, and the check
// that a plan file read back is well formed before anything renders or compares it.
import type { ValidateFunction } from "ajv";
import { UsageError } from "../model/errors.js";
import type { PlanDocument } from "../model/plan.js";
// Generated at build time from schemas/plan.schema.json (scripts/gen-policy-validator.mjs).
import { validatePlan } from "./plan-validator.gen.js";

const compiled = validatePlan as ValidateFunction;

const MAX_SHOWN = 5;

/**
 * Throws UsageError naming `file` and the JSON pointer of each problem (at most five shown) unless
 * `doc` matches the plan schema. A missing `digest` is left to the integrity check, which says so
 * in words.
 */
export function requireWellFormedPlan(doc: PlanDocument, file: string): void {
  const value = doc.digest === undefined ? { ...doc, digest: "0".repeat(64) } : doc;
  if (compiled(value)) return;
  const problems = (compiled.errors ?? []).map((e) => {
    const extra =
      e.keyword === "additionalProperties"
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : "";
    return `${e.instancePath || "/"}: ${e.message ?? "is not valid"}${extra}`;
  });
  const unique = [...new Set(problems)];
  const more = unique.length > MAX_SHOWN ? [`… and ${unique.length - MAX_SHOWN} more`] : [];
  throw new UsageError(`${file} is not a well-formed Cordon plan document (schemas/plan.schema.json)`, [
    ...unique.slice(0, MAX_SHOWN),
    ...more,
  ]);
}
