// The policies a command reads: the paths and --today options, loading with the policy problems
// rendered (stderr, or annotations in GitHub Actions), and the plan plan/drift/demo show.
import type { Command } from "commander";
import { type AwsSession, preloadPlanClients } from "../aws/config.js";
import { type Loaded, loadValidPolicies, PolicyErrorWithDiagnostics } from "../executor/pipeline.js";
import { type LoadedPlanRun, planLoadedPolicies } from "../executor/plan-run.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { UsageError } from "../model/errors.js";
import { parseShard, type Shard, shardLabel } from "../policy/shard.js";
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
export function loadOrReport(paths: readonly string[], today: string, shard?: Shard): Loaded {
  try {
    return loadShard(paths, today, shard);
  } catch (e) {
    if (e instanceof PolicyErrorWithDiagnostics) reportPolicyErrors(e);
    throw e;
  }
}

/** The --shard option of plan, apply and drift (docs/targets.md). */
export function addShardOption(command: Command): Command {
  return command.option(
    "--shard <I/N>",
    "only the targets (account/region) of shard I of N, for CI matrices: targets sharing a bucket stay together; " +
      "groups sorted by account/region are dealt round-robin (docs/targets.md). A shard with no targets exits 0",
    (v: string) => parseShard(v),
  );
}

/**
 * Loads the policies (of one shard, with `shard`), saying on stderr which targets the shard holds,
 * or that it holds none (its plan is then empty: nothing to do, exit 0).
 */
export function loadShard(paths: readonly string[], today: string, shard: Shard | undefined): Loaded {
  const loaded = loadValidPolicies(paths, today, shard);
  if (shard === undefined) return loaded;
  const mine = [...new Set(loaded.policies.map((p) => `${p.policy.target.account}/${p.policy.target.region}`))];
  const all = new Set((loaded.owners ?? []).map((p) => `${p.policy.target.account}/${p.policy.target.region}`));
  err(
    mine.length === 0
      ? `Shard ${shardLabel(shard)} holds none of the ${all.size} target${all.size === 1 ? "" : "s"}: nothing to do.`
      : `Shard ${shardLabel(shard)}: ${mine.length} of ${all.size} targets (${mine.sort().join(", ")}).`,
  );
  return loaded;
}

/**
 * Loads, observes and plans, printing policy problems (see reportPolicyErrors); the plan records
 * what `apply plan.json` needs to make it again. Read-only.
 */
export async function makePlan(
  paths: readonly string[],
  options: {
    readonly today: string;
    readonly only?: readonly string[];
    readonly session?: AwsSession;
    readonly shard?: Shard;
  },
): Promise<LoadedPlanRun> {
  preloadPlanClients();
  const loaded = loadOrReport(paths, options.today, options.shard);
  try {
    return await planLoadedPolicies(loaded, paths, { ...options, cordonVersion: VERSION });
  } catch (e) {
    if (e instanceof PolicyErrorWithDiagnostics) reportPolicyErrors(e);
    throw e;
  }
}
