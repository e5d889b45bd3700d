// The policy front door: paths → loaded, schema-checked and semantically checked policies plus
// every diagnostic, sorted. Offline and free of the AWS SDK (cordon validate imports this).
import type { Diagnostic } from "../model/diagnostics.js";
import { countBySeverity, sortDiagnostics } from "../model/diagnostics.js";
import type { LoadedPolicy, Policy } from "../model/policy.js";
import type { ParsedDocument } from "./document.js";
import { type LoadOptions, loadPolicies } from "./load.js";
import { semanticChecks } from "./semantic.js";
import { validateSchema } from "./validate.js";

export interface LoadAndValidateOptions extends LoadOptions {
  /** The day (YYYY-MM-DD, UTC) against which expiry and projection dates are judged. */
  readonly today: string;
}

export interface LoadAndValidateResult {
  /**
   * Every document that passed the schema, as a typed Policy. Documents with semantic errors are
   * included: callers must not act on policies while `diagnostics` holds an error.
   */
  readonly policies: readonly LoadedPolicy[];
  /** Every problem found, sorted (file, document, line, column, code). */
  readonly diagnostics: readonly Diagnostic[];
  /** Every policy file that was read. */
  readonly files: readonly string[];
}

/** Today's date in UTC, YYYY-MM-DD. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Loads `paths`, checks every document against the schema, then runs the semantic checks
 * (src/policy/semantic.ts) on the documents that passed it. Throws only UsageError for a
 * malformed `today`; bad input is reported in `diagnostics`.
 */
export function loadAndValidate(paths: readonly string[], options: LoadAndValidateOptions): LoadAndValidateResult {
  const loaded = loadPolicies(paths, options);
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const valid: ParsedDocument[] = [];
  for (const doc of loaded.documents) {
    const problems = validateSchema(doc);
    diagnostics.push(...problems);
    if (problems.length === 0) valid.push(doc);
  }
  diagnostics.push(...semanticChecks(valid, { today: options.today }));
  const policies = valid.map((doc) => ({
    policy: doc.value as Policy,
    source: { file: doc.file, document: doc.document },
  }));
  return { policies, diagnostics: sortDiagnostics(diagnostics), files: loaded.files };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return countBySeverity(diagnostics).errors > 0;
}
