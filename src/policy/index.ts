// The policy front door: paths → loaded, schema-checked and semantically checked policies plus
// every diagnostic, sorted. Offline and free of the AWS SDK (cordon validate imports this).
import { utcDate } from "../domain/blocklist.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { countBySeverity, sortDiagnostics } from "../model/diagnostics.js";
import type { LoadedPolicy, Policy } from "../model/policy.js";
import type { ParsedDocument } from "./document.js";
import { type LoadOptions, parsePolicyFiles } from "./load.js";
import { discoverPolicySet, type PolicySet, wholeSetLoaded } from "./policy-set.js";
import { semanticChecks, semanticChecksDespite } from "./semantic.js";
import { expandTargets } from "./targets.js";
import { NOT_A_POLICY, validateSchema } from "./validate.js";

export interface LoadAndValidateOptions extends LoadOptions {
  /** The day (YYYY-MM-DD, UTC) against which expiry and projection dates are judged. */
  readonly today: string;
  /**
   * Accept paths of different policy sets, validating each set's cordon.yaml (cordon validate);
   * the result's set is then null. Otherwise they are a UsageError.
   */
  readonly mixedSets?: boolean;
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
  /**
   * The policy set the paths belong to (cordon.yaml), null when none; `complete` when every policy
   * file of the set was loaded (only then may a removed policy's resources be cleaned up).
   */
  readonly set: LoadedSet | null;
}

export interface LoadedSet extends PolicySet {
  readonly complete: boolean;
}

/** Today's date in UTC, YYYY-MM-DD. */
export function todayUtc(now: Date = new Date()): string {
  return utcDate(now);
}

/**
 * Loads `paths`, checks every document against the schema, then runs the semantic checks
 * (src/policy/semantic.ts) on the documents that passed it, and finds and checks the policy set
 * (cordon.yaml, src/policy/policy-set.ts). Throws only UsageError, for a malformed `today` or paths
 * of different policy sets (unless `mixedSets`); bad input is reported in `diagnostics`.
 */
export function loadAndValidate(paths: readonly string[], options: LoadAndValidateOptions): LoadAndValidateResult {
  const loaded = parsePolicyFiles(paths, options);
  const found = discoverPolicySet(paths, loaded.files, { ...options, mixed: options.mixedSets === true });
  const set: LoadedSet | null =
    found.set === null ? null : { ...found.set, complete: wholeSetLoaded(found.set, paths, loaded.files, options) };
  const diagnostics: Diagnostic[] = [...loaded.diagnostics, ...found.diagnostics];
  const valid: ParsedDocument[] = [];
  for (const doc of loaded.documents) {
    const problems = validateSchema(doc);
    diagnostics.push(...problems);
    if (problems.length === 0) valid.push(doc);
    // A document that is no policy is reported once, its values never quoted.
    else if (problems[0]?.code !== NOT_A_POLICY)
      diagnostics.push(...semanticChecksDespite(doc, problems, { today: options.today }));
  }
  // One document per target (docs/targets.md); each expanded one is checked against the schema
  // again, for the names its placeholders produced.
  const expanded = expandTargets(valid, set?.targets);
  diagnostics.push(...expanded.diagnostics);
  const perTarget: ParsedDocument[] = [];
  for (const doc of expanded.documents) {
    const problems = valid.some((v) => v === doc) ? [] : validateSchema(doc);
    diagnostics.push(...problems);
    if (problems.length === 0) perTarget.push(doc);
  }
  diagnostics.push(...semanticChecks(perTarget, { today: options.today }));
  const policies = perTarget.map(
    (doc): LoadedPolicy => ({
      policy: doc.value as Policy,
      source: { file: doc.file, document: doc.document },
      ...(set === null ? {} : { set: set.name }),
    }),
  );
  return { policies, diagnostics: capPerFile(sortDiagnostics(distinct(diagnostics))), files: loaded.files, set };
}

/** The diagnostics without repeats: a policy of several targets is checked once per target. */
function distinct(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = JSON.stringify([d.file, d.document, d.pointer, d.code, d.message, d.severity]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Diagnostics shown per file; garbage can produce one per key or line, which helps nobody. */
export const MAX_DIAGNOSTICS_PER_FILE = 100;

/**
 * Keeps the first MAX_DIAGNOSTICS_PER_FILE diagnostics of each file (in sorted order) and, when
 * some were dropped, adds one closing diagnostic that says so (an error if a dropped one was).
 */
function capPerFile(sorted: readonly Diagnostic[]): Diagnostic[] {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of sorted) {
    const list = byFile.get(d.file) ?? [];
    list.push(d);
    byFile.set(d.file, list);
  }
  const out: Diagnostic[] = [];
  for (const [file, list] of byFile) {
    if (list.length <= MAX_DIAGNOSTICS_PER_FILE) {
      out.push(...list);
      continue;
    }
    const shown = list.slice(0, MAX_DIAGNOSTICS_PER_FILE);
    const hidden = countBySeverity(list.slice(MAX_DIAGNOSTICS_PER_FILE));
    const next = list[MAX_DIAGNOSTICS_PER_FILE]!;
    out.push(...shown, {
      severity: hidden.errors > 0 ? "error" : "warning",
      code: "validate.too-many-problems",
      file,
      position: next.position,
      pointer: "",
      document: next.document,
      message: `${list.length - MAX_DIAGNOSTICS_PER_FILE} more problems in this file are not shown (${hidden.errors} errors, ${hidden.warnings} warnings).`,
      hint: "Fix the ones above first; is this really a policy file?",
    });
  }
  return out;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return countBySeverity(diagnostics).errors > 0;
}
