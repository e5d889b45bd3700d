// cordon apply [plan.json | paths...]: make AWS match the policies.
// - With a plan file: the file is a record of what was reviewed, not an instruction. Apply checks
//   its digest (refused when edited), that no policy file changed since (refused, naming the
//   files), then makes the plan again from the policies and live AWS with the plan's recorded
//   day and --target addresses, and refuses unless it equals the saved plan field for field
//   (src/planner/compare.ts), naming the addresses that differ. Under the lock it makes the plan
//   once more, compares again, and carries out that plan (never the file's changes).
// - Without: plans, shows the plan, asks for confirmation on a terminal (--auto-approve skips
//   it; without a terminal and without --auto-approve it refuses), then applies.
// - --target (with policy paths, as for cordon plan): only those addresses and what they depend on.
// Progress on stderr as each change starts and ends, a summary and the Athena query on stdout.
// Exit 0 on success, 1 on any failure (a re-run converges).
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute } from "node:path";
import type { Command } from "commander";
import { createAwsSession } from "../../aws/config.js";
import { comparablePath } from "../../executor/plan-run.js";
import { type ReconcileHooks, reconcile } from "../../executor/reconcile.js";
import { UsageError } from "../../model/errors.js";
import { parseShard, type Shard, shardLabel } from "../../policy/shard.js";
import { isCalendarDate } from "../../policy/validate.js";
import { planTextChunks } from "../../render/plan-text.js";
import { confirm, printApplySummary, progressPrinter } from "../apply-output.js";
import { addLockOptions, cliReconcileContext, type LockOptionValues, reconcileSettings } from "../lock-options.js";
import { err, outChunks, stdoutStyle } from "../output.js";
import {
  addShardOption,
  DEFAULT_POLICY_PATH,
  loadOrReport,
  loadShard,
  policyPaths,
  reportPolicyErrors,
  todayOption,
} from "../policy-input.js";
import { readSavedPlan, requireIntact, requireSamePolicies } from "../saved-plan.js";
import type { SetExit } from "./set-exit.js";

interface ApplyOptions extends LockOptionValues {
  readonly autoApprove?: boolean;
  readonly policies?: string[];
  readonly target?: string[];
  readonly today?: string;
  readonly shard?: Shard;
}

/** A single argument that is a JSON file (by name or content) is a saved plan. */
function isPlanFile(paths: readonly string[]): boolean {
  if (paths.length !== 1) return false;
  const p = paths[0]!;
  if (!existsSync(p) || !statSync(p).isFile()) return false;
  if (p.endsWith(".json")) return true;
  return readFileSync(p, "utf8").trimStart().startsWith("{");
}

/**
 * `cordon apply plan.json`: refuses an edited file, changed policy files, and a plan that is not
 * what the policies and AWS call for now; applies the plan made now (under the lock) otherwise.
 */
async function applySavedPlan(file: string, options: ApplyOptions): Promise<void> {
  const saved = readSavedPlan(file);
  requireIntact(saved);
  const plan = saved.doc;
  const today = plan.today;
  if (today === undefined || !isCalendarDate(today)) {
    throw new UsageError(`${file} does not record the day it was made for; make the plan again with cordon plan --out`);
  }
  if (options.today !== undefined && todayOption(options.today) !== today) {
    throw new UsageError(
      `--today ${options.today} is not the day ${file} was made for (${today}); omit --today to apply the plan as it was made`,
    );
  }
  // A later day judges expiry dates later: entries would be removed before they expire. The file
  // alone cannot ask for that (anyone can write it); whoever applies must say the day.
  const realToday = todayOption(undefined);
  if (today > realToday && options.today === undefined) {
    throw new UsageError(
      `${file} was made for ${today}, a day after today (${realToday}): expiry dates would be judged as of that day; nothing was applied`,
      [`to apply it anyway, say the day: cordon apply ${file} --today ${today}`],
    );
  }
  const paths = options.policies ?? (plan.policyPaths !== undefined ? [...plan.policyPaths] : undefined);
  if (paths === undefined) {
    throw new UsageError(`${file} does not say which policies it was made from; pass them with --policies`);
  }
  if (options.policies === undefined) {
    // The file names the policies it is checked against: only ones under the working directory.
    const outside = paths.filter((p) => isAbsolute(p) || comparablePath(p).split("/")[0] === "..");
    if (outside.length > 0) {
      throw new UsageError(
        `${file} names policies outside the working directory (${outside.join(", ")}); nothing was applied`,
        ["name the policies to check it against with --policies"],
      );
    }
  }
  err(`Checking ${file} against the policies in ${paths.join(" ")} and live AWS (made for ${today}).`);
  if (plan.only !== undefined) {
    err(
      `${file} was made with --target ${plan.only.join(" --target ")}: only those resources (and what they need) are applied.`,
    );
  }
  // A plan of one shard is made again for the same shard.
  const shard = plan.shard === undefined ? undefined : parseShard(plan.shard);
  if (options.shard !== undefined && (shard === undefined || shardLabel(shard) !== shardLabel(options.shard))) {
    throw new UsageError(
      `--shard ${shardLabel(options.shard)} is not the shard ${file} was made for (${plan.shard ?? "every target"}); nothing was applied`,
      ["omit --shard: a saved plan is applied for the shard it was made for"],
    );
  }
  const loaded = loadOrReport(paths, today, shard);
  requireSamePolicies(saved, loaded);
  await reconcile(
    {
      mode: { kind: "saved", file, saved: plan },
      load: () => loaded,
      today,
      paths,
      ...(plan.only !== undefined ? { only: plan.only } : {}),
      hooks: applyHooks(),
    },
    cliReconcileContext(createAwsSession(undefined, { command: "apply" }), reconcileSettings(options, "apply")),
  );
}

/** Policy problems, progress and the apply summary, as every apply shows them. */
const applyHooks = (): ReconcileHooks => ({
  policyErrors: reportPolicyErrors,
  onEvent: progressPrinter(),
  applied: printApplySummary,
});

/** The confirmation before the lock (--auto-approve skips it; without a terminal it refuses). */
async function approve(autoApprove: boolean): Promise<boolean> {
  if (autoApprove) return true;
  if (process.stdin.isTTY !== true) {
    throw new UsageError("refusing to apply without confirmation: no terminal to ask on", [
      "run with --auto-approve, or save the plan with cordon plan --out plan.json and apply that file",
    ]);
  }
  const yes = await confirm("Do you want to perform these actions? Only 'yes' will be accepted: ");
  if (!yes) err("Apply cancelled.");
  return yes;
}

export function register(program: Command, setExit: SetExit): void {
  const command = program
    .command("apply")
    .summary("make AWS match the policies (or apply a saved plan)")
    .description(
      "Apply a saved plan exactly or not at all: the plan is made again from the policies and live AWS " +
        "and applied only when it equals the saved one field for field (refused when the file was edited, " +
        "or AWS or the policies changed since it was made). Or plan and apply after confirmation. Uses the " +
        "standard AWS configuration, through the policy set's apply role when cordon.yaml declares roles " +
        "(docs/roles.md).",
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
    .option(
      "--today <date>",
      "the day (YYYY-MM-DD, UTC) for expiry dates and queries (default: today; with a plan file: the plan's day)",
    )
    .addHelpText(
      "after",
      [
        "",
        "With a plan file, apply checks the file's digest and the policy files, makes the plan again from",
        "the policies and live AWS, and applies only if it equals the saved plan field for field; otherwise",
        "it refuses, naming the files or addresses that differ, and changes nothing.",
        "",
        "Examples:",
        "  $ cordon plan --out plan.json && cordon show plan.json && cordon apply plan.json",
        "  $ cordon apply plan.json --policies policies/prod",
        "  $ cordon apply policies/ --auto-approve",
        "  $ cordon apply policies/ --auto-approve --target 111122223333/eu-west-1/wafv2.webAcl/edge",
      ].join("\n"),
    );
  addShardOption(addLockOptions(command)).action(async (args: string[], options: ApplyOptions) => {
    if (isPlanFile(args)) {
      if (options.target !== undefined) {
        throw new UsageError("--target cannot be used with a plan file: the plan is what was reviewed", [
          `plan again with cordon plan --target ... --out ${args[0]!}, or apply policy paths with --target`,
        ]);
      }
      await applySavedPlan(args[0]!, options);
      setExit(0);
      return;
    }
    const today = todayOption(options.today);
    const paths = policyPaths(args);
    const autoApprove = options.autoApprove === true;
    const result = await reconcile(
      {
        // Stale while waiting for the lock: with --auto-approve the plan is made again under the
        // lock and applied (without it, the user must review the new plan).
        mode: { kind: "apply", replanWhenStale: autoApprove },
        load: () => loadShard(paths, today, options.shard),
        today,
        paths,
        ...(options.target !== undefined ? { only: options.target } : {}),
        hooks: {
          ...applyHooks(),
          planned: (run) => outChunks(planTextChunks(run.plan, stdoutStyle())),
          beforeLock: () => approve(autoApprove),
        },
      },
      cliReconcileContext(createAwsSession(undefined, { command: "apply" }), reconcileSettings(options, "apply")),
    );
    if (result.status === "cancelled") {
      setExit(1);
      return;
    }
    setExit(0);
  });
}
