// The policies a command reads: the paths and --today options, loading with the policy problems
// rendered (stderr, or annotations in GitHub Actions), and the plan plan/drift/demo show.
import type { AwsSession } from "../aws/config.js";
import { type Loaded, loadValidPolicies, PolicyErrorWithDiagnostics } from "../executor/pipeline.js";
import { type LoadedPlanRun, planLoadedPolicies } from "../executor/plan-run.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { UsageError } from "../model/errors.js";
import { isCalendarDate } from "../policy/validate.js";
import { chooseFormat, renderDiagnostics } from "../render/diagnostics.js";
import { err, outCommands, stderrStyle, stdoutStyle } from "./output.js";
import { VERSION } from "./version.js";

export const DEFAULT_POLICY_PATH = "policies/";

export const policyPaths = (paths: readonly string[]): string[] =>
  paths.length > 0 ? [...paths] : [DEFAULT_POLICY_PATH];

export function todayOption(today: string | undefined, now: Date = new Date()): string {
  const day = today ?? now.toISOString().slice(0, 10);
  if (!isCalendarDate(day)) throw new UsageError(`--today must be a date written YYYY-MM-DD (got "${day}").`);
  return day;
}

/**
 * Policy problems: text on stderr; in GitHub Actions (GITHUB_ACTIONS=true) workflow-command
 * annotations on stdout, so they land on the lines of the pull request.
 */
export function reportPolicyErrors(e: PolicyErrorWithDiagnostics): void {
  reportDiagnostics(e.diagnostics, e.files);
}

function reportDiagnostics(diagnostics: readonly Diagnostic[], files: number | null): void {
  const format = chooseFormat(undefined);
  // Problems found after loading name their files; count those when the loader's count is not known.
  const report = { diagnostics, files: files ?? new Set(diagnostics.map((d) => d.file)).size, policies: 0 };
  if (format === "github") outCommands(renderDiagnostics(report, "github", stdoutStyle()));
  else err(renderDiagnostics(report, "text", stderrStyle()));
}

/** Loads the policies; on errors prints the diagnostics (see reportPolicyErrors) and rethrows. */
export function loadOrReport(paths: readonly string[], today: string): Loaded {
  try {
    return loadValidPolicies(paths, today);
  } catch (e) {
    if (e instanceof PolicyErrorWithDiagnostics) reportPolicyErrors(e);
    throw e;
  }
}

/**
 * Loads, observes and plans, printing policy problems (see reportPolicyErrors); the plan records
 * what `apply plan.json` needs to make it again. Read-only.
 */
export async function makePlan(
  paths: readonly string[],
  options: { readonly today: string; readonly only?: readonly string[]; readonly session?: AwsSession },
): Promise<LoadedPlanRun> {
  const loaded = loadOrReport(paths, options.today);
  try {
    return await planLoadedPolicies(loaded, paths, { ...options, cordonVersion: VERSION });
  } catch (e) {
    if (e instanceof PolicyErrorWithDiagnostics) reportPolicyErrors(e);
    throw e;
  }
}
