// cordon drift [paths...]: read-only by default. Tells drift (AWS changed outside Cordon since the
// last apply) from pending changes (the policies changed and were never applied), per resource.
// --correct undoes drift: each drifted resource goes back to the spec Cordon applied; it also
// removes entries past their `expires` date (the reviewed policy says so; docs/operations.md,
// "Expiry enforced by correction"). A resource with another pending policy change is reported and
// left alone (it needs a reviewed apply), and nothing in an observe-mode section is ever changed. Corrections run under the apply lock
// and are audited like an apply.
// Exit codes: 0 clean (or everything corrected), 2 drift or pending changes left, 1 error.
import { type Command, Option } from "commander";
import { createAwsSession } from "../../aws/config.js";
import { correctable } from "../../executor/drift.js";
import { driftReport, reconcile } from "../../executor/reconcile.js";
import type { DriftItem, DriftReport } from "../../model/drift.js";
import type { Shard } from "../../policy/shard.js";
import { renderDriftAnnotations, renderDriftJson, renderDriftMarkdown, renderDriftText } from "../../render/drift.js";
import { printApplySummary, progressPrinter } from "../apply-output.js";
import { appendStepSummary, inGithubActions } from "../github.js";
import { addLockOptions, cliReconcileContext, type LockOptionValues, reconcileSettings } from "../lock-options.js";
import { err, errCommands, out, stdoutStyle } from "../output.js";
import {
  addShardOption,
  DEFAULT_POLICY_PATH,
  loadShard,
  makePlan,
  policyPaths,
  reportPolicyErrors,
  todayOption,
} from "../policy-input.js";
import type { SetExit } from "./set-exit.js";

export const DRIFT_FORMATS = ["text", "json", "markdown"] as const;
export type DriftFormat = (typeof DRIFT_FORMATS)[number];

interface DriftOptions extends LockOptionValues {
  readonly format: DriftFormat;
  readonly correct?: boolean;
  /** Only remove entries past their date (the scheduled correction). */
  readonly correctExpired?: boolean;
  readonly today?: string;
  readonly target?: string[];
  readonly shard?: Shard;
}

export function register(program: Command, setExit: SetExit): void {
  const command = program
    .command("drift")
    .summary("find drift (changed outside Cordon) and pending policy changes; --correct undoes drift")
    .description(
      "Compare live AWS with what Cordon last applied and with the policies. Drift: AWS changed outside " +
        "Cordon since the last apply. Pending: the policies changed and were never applied. Read-only " +
        "unless --correct, which puts drifted resources back as applied and removes entries past their " +
        "expires date (never other pending changes, never in observe mode).",
    )
    .argument("[paths...]", `policy files or directories (default: ${DEFAULT_POLICY_PATH})`)
    .addOption(new Option("-f, --format <format>", "output format").choices(DRIFT_FORMATS).default("text"))
    .option(
      "--correct",
      "undo drift and remove expired entries (no other pending change; respects each section's mode) under the apply lock",
    )
    .option(
      "--correct-expired",
      "only remove entries past their expires date (the reviewed policy), on resources that have not drifted: " +
        "for a scheduled job; under the apply lock",
    )
    .option(
      "-t, --target <address>",
      "only this resource address or address prefix; repeatable",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--today <date>", "the day (YYYY-MM-DD, UTC) for expiry dates (default: today)")
    .addHelpText(
      "after",
      [
        "",
        "Exit codes: 0 clean, 2 drift or pending changes (left), 1 error.",
        "",
        "Drift that opens access (a block removed or narrowed, a security control deleted, an allow entry",
        "placed before Cordon's NACL band) is reported at error level; other drift is a warning. In GitHub",
        "Actions (GITHUB_ACTIONS=true) each drifted resource is also an annotation on stderr: ::error or",
        "::warning. See docs/plan-output.md.",
        "",
        "What Cordon applied is read from the applied record in the flow-log bucket (cordon/applied/) and",
        "from the cordon:applied tag of taggable resources. Blocking-only policies name no bucket: pass",
        "--lock-bucket NAME (the same as to apply), or drift cannot be told from pending for untagged",
        "resources such as NACL entries.",
        "",
        "Examples:",
        "  $ cordon drift",
        "  $ cordon drift policies/ --format json",
        "  $ cordon drift --correct --lock-timeout 5m",
        "  $ cordon drift policies/ --correct-expired      # scheduled: enforce the reviewed expiry dates only",
      ].join("\n"),
    );
  addShardOption(addLockOptions(command)).action(async (args: string[], options: DriftOptions) => {
    const today = todayOption(options.today);
    const paths = policyPaths(args);
    const only = options.target !== undefined ? { only: options.target } : {};
    const shard = options.shard !== undefined ? { shard: options.shard } : {};
    const show = (r: DriftReport) => {
      out(
        options.format === "json"
          ? renderDriftJson(r)
          : options.format === "markdown"
            ? renderDriftMarkdown(r)
            : renderDriftText(r, stdoutStyle()),
      );
      appendStepSummary(renderDriftMarkdown(r));
      // Annotations on stderr, so that --format json keeps stdout one document.
      const annotations = inGithubActions() ? renderDriftAnnotations(r) : "";
      if (annotations !== "") errCommands(annotations);
    };
    const correct = options.correctExpired === true ? "expired" : options.correct === true ? "all" : undefined;
    if (correct === undefined) {
      const report = await driftReport(
        await makePlan(paths, { today, ...only, ...shard, session: createAwsSession(undefined, { command: "drift" }) }),
        options.lockBucket,
      );
      show(report);
      setExit(report.items.length > 0 ? 2 : 0);
      return;
    }
    let left: DriftItem[] = [];
    let expiring: DriftItem[] = [];
    let fixing = 0;
    await reconcile(
      {
        mode: { kind: "correct", pending: false, only: correct },
        load: () => loadShard(paths, today, options.shard),
        today,
        paths,
        ...only,
        hooks: {
          policyErrors: reportPolicyErrors,
          drifted: (report, fix) => {
            show(report);
            left = correctable(report, correct).left;
            fixing = fix.length;
            expiring = fix.filter((i) => i.expired !== undefined);
          },
          beforeLock: () => {
            const drifted = fixing - expiring.length;
            err(`Correcting ${drifted} drifted resource${drifted === 1 ? "" : "s"}:`);
            // Why each expiry removal is no unreviewed change: the reviewed policy's own date.
            for (const i of expiring) err(`Removing what expired: ${i.address}: ${i.reason}`);
            return true;
          },
          onEvent: progressPrinter(),
          applied: printApplySummary,
        },
      },
      cliReconcileContext(
        createAwsSession(undefined, { command: "drift --correct" }),
        reconcileSettings(options, "drift --correct"),
      ),
    );
    for (const i of left) {
      const why =
        i.exposures.length > 0
          ? "opens access outside what Cordon manages: Cordon never changes it; remove it by hand"
          : i.mode === "observe"
            ? "observe mode: never changed"
            : correct === "expired" && (i.status === "drift" || i.status === "drift+pending")
              ? "drifted: cordon drift --correct undoes it"
              : i.status === "pending"
                ? "pending policy change: needs a reviewed cordon apply"
                : "drifted, but the policies changed too: needs a reviewed cordon apply";
      err(`left alone: ${i.address} (${why})`);
    }
    setExit(left.length > 0 ? 2 : 0);
  });
}
