// cordon apply [plan.json | paths...]: make AWS match the policies.
// - With a plan file: applies exactly that plan, after checking that the policies it was made
//   from are unchanged and that nothing it observed has changed in AWS since (else it refuses).
// - Without: plans, shows the plan, asks for confirmation on a terminal (--auto-approve skips
//   it; without a terminal and without --auto-approve it refuses), then applies.
// - --target (with policy paths, as for cordon plan): only those addresses and what they depend on.
// Progress on stderr as each change starts and ends, a summary and the Athena query on stdout.
// Exit 0 on success, 1 on any failure (a re-run converges).
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { createAwsSession } from "../../aws/config.js";
import { IoError, StalePlanError, UsageError } from "../../model/errors.js";
import { isEmptyPlan } from "../../render/plan-body.js";
import { parsePlanJson } from "../../render/plan-json.js";
import { renderPlanText } from "../../render/plan-text.js";
import {
  applyAndReport,
  confirm,
  DEFAULT_POLICY_PATH,
  loadOrReport,
  makePlan,
  policyPaths,
  progressPrinter,
  todayOption,
} from "../engine.js";
import {
  addLockOptions,
  both,
  cliGuardContext,
  guardSettings,
  type LockOptionValues,
  warnAboutLocks,
  withApplyGuard,
} from "../guard.js";
import { err, out, stdoutStyle } from "../output.js";
import type { SetExit } from "./index.js";

interface ApplyOptions extends LockOptionValues {
  readonly autoApprove?: boolean;
  readonly policies?: string[];
  readonly target?: string[];
  readonly today?: string;
}

/** A single argument that is a JSON file (by name or content) is a saved plan. */
function isPlanFile(paths: readonly string[]): boolean {
  if (paths.length !== 1) return false;
  const p = paths[0]!;
  if (!existsSync(p) || !statSync(p).isFile()) return false;
  if (p.endsWith(".json")) return true;
  return readFileSync(p, "utf8").trimStart().startsWith("{");
}

export function register(program: Command, setExit: SetExit): void {
  const command = program
    .command("apply")
    .summary("make AWS match the policies (or apply a saved plan)")
    .description(
      "Apply a saved plan exactly (refused when AWS or the policies changed since it was made), or plan " +
        "and apply after confirmation. Uses the standard AWS configuration.",
    )
    .argument(
      "[plan-or-paths...]",
      `a plan file from cordon plan --out, or policy paths (default: ${DEFAULT_POLICY_PATH})`,
    )
    .option("--auto-approve", "do not ask for confirmation")
    .option("--policies <paths...>", "with a plan file: the policies to check it against (default: the plan's own)")
    .option(
      "-t, --target <address>",
      "with policy paths: apply only this resource address or address prefix (and what it depends on); repeatable",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--today <date>", "the day (YYYY-MM-DD, UTC) for expiry dates and queries (default: today)")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ cordon apply plan.json",
        "  $ cordon apply policies/ --auto-approve",
        "  $ cordon apply policies/ --auto-approve --target 111122223333/eu-west-1/wafv2.webAcl/edge",
      ].join("\n"),
    );
  addLockOptions(command).action(async (args: string[], options: ApplyOptions) => {
    const today = todayOption(options.today);
    const only = options.target !== undefined ? { only: options.target } : {};
    if (isPlanFile(args)) {
      const file = args[0]!;
      if (options.target !== undefined) {
        throw new UsageError("--target cannot be used with a plan file: the plan is what was reviewed", [
          `plan again with cordon plan --target ... --out ${file}, or apply policy paths with --target`,
        ]);
      }
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        throw new IoError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const plan = parsePlanJson(text, file);
      const paths = options.policies ?? (plan.policyPaths !== undefined ? [...plan.policyPaths] : undefined);
      if (paths === undefined) {
        throw new UsageError(`${file} does not say which policies it was made from; pass them with --policies`);
      }
      const loaded = loadOrReport(paths, today);
      const session = createAwsSession();
      const settings = guardSettings(options, "apply");
      await withApplyGuard(plan, cliGuardContext(session, loaded.policies, settings), (onEvent) =>
        applyAndReport(plan, {
          session,
          currentPolicyDigest: loaded.digest,
          onEvent: both(progressPrinter(), onEvent),
        }),
      );
      setExit(0);
      return;
    }
    const run = await makePlan(policyPaths(args), { today, ...only });
    out(renderPlanText(run.plan, stdoutStyle()));
    if (isEmptyPlan(run.plan.summary)) {
      // Nothing to lock, but a stale or held lock is still worth a warning.
      await warnAboutLocks(
        run.plan,
        cliGuardContext(run.session, run.loaded.policies, guardSettings(options, "apply")),
      );
      setExit(0);
      return;
    }
    if (options.autoApprove !== true) {
      if (process.stdin.isTTY !== true) {
        throw new UsageError("refusing to apply without confirmation: no terminal to ask on", [
          "run with --auto-approve, or save the plan with cordon plan --out plan.json and apply that file",
        ]);
      }
      const yes = await confirm("Do you want to perform these actions? Only 'yes' will be accepted: ");
      if (!yes) {
        err("Apply cancelled.");
        setExit(1);
        return;
      }
    }
    const settings = guardSettings(options, "apply");
    await withApplyGuard(run.plan, cliGuardContext(run.session, run.loaded.policies, settings), async (onEvent) => {
      const progress = both(progressPrinter(), onEvent);
      try {
        return await applyAndReport(run.plan, { session: run.session, onEvent: progress });
      } catch (e) {
        // Another run changed AWS while we waited for the lock: with --auto-approve, plan again
        // under the lock and apply that (without it, the user must review the new plan).
        if (!(e instanceof StalePlanError) || options.autoApprove !== true) throw e;
        err("The plan went stale while waiting for the lock (another run changed AWS); planning again.");
        const fresh = await makePlan(policyPaths(args), { today, session: run.session, ...only });
        out(renderPlanText(fresh.plan, stdoutStyle()));
        if (isEmptyPlan(fresh.plan.summary)) return null;
        return await applyAndReport(fresh.plan, { session: run.session, onEvent: progress });
      }
    });
    setExit(0);
  });
}
