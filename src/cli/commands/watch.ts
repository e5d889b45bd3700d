// cordon watch [paths... | --git URL [--branch main]] --interval 10m: Cordon always on.
// Each reconcile: pull the policies (git fetch + reset when --git), observe AWS, classify drift vs
// pending (as cordon drift), and correct what the management modes allow — drift only, unless
// --apply-pending also applies the policies' changes — under the apply lock, audited.
// The interval has ±10 % jitter; a failed reconcile is retried after an exponential backoff.
// /healthz, /readyz (ready after the first successful reconcile) and /metrics (Prometheus) on
// --listen. Logs on stderr, JSON lines with --log-format json. SIGTERM / SIGINT: the reconcile in
// progress finishes, then the process exits 0.
import { isAbsolute, join } from "node:path";
import { type Command, Option } from "commander";
import { createAwsSession } from "../../aws/config.js";
import { parseDuration } from "../../executor/duration.js";
import type { ReconcileContext } from "../../executor/lock-and-audit.js";
import { loadValidPolicies, PolicyErrorWithDiagnostics } from "../../executor/pipeline.js";
import { reconcile } from "../../executor/reconcile.js";
import { CordonError } from "../../model/errors.js";
import { todayUtc } from "../../policy/index.js";
import { GitError } from "../../watch/git.js";
import { type LogFormat, type Logger, makeLogger } from "../../watch/log.js";
import { runLoop } from "../../watch/loop.js";
import { parseListen, startEndpoints } from "../../watch/server.js";
import { addLockOptions, type LockOptionValues, reconcileSettings } from "../lock-options.js";
import { DEFAULT_POLICY_PATH } from "../policy-input.js";
import { VERSION } from "../version.js";
import type { SetExit } from "./set-exit.js";

interface WatchOptions extends LockOptionValues {
  readonly git?: string;
  readonly branch: string;
  readonly interval: string;
  readonly listen: string;
  readonly logFormat: LogFormat;
  readonly applyPending?: boolean;
}

/**
 * The `type` label of cordon_errors_total for a failed reconcile: policy, aws, lock, stale-plan,
 * conflict, partial-apply, git, io, usage, or internal (anything not a CordonError). AWS API errors
 * are also counted per call as aws:<code> (src/watch/metrics.ts).
 */
export function errorType(e: unknown): string {
  if (e instanceof GitError) return "git";
  if (!(e instanceof CordonError)) return "internal";
  switch (e.code) {
    case "POLICY_INVALID":
      return "policy";
    case "LOCKED":
      return "lock";
    default:
      return e.code.toLowerCase().replace(/_/g, "-");
  }
}

const messageOf = (e: unknown): string =>
  e instanceof CordonError ? [e.message, ...e.details].join("; ") : e instanceof Error ? e.message : String(e);

export function register(program: Command, setExit: SetExit): void {
  const command = program
    .command("watch")
    .summary("reconcile continuously: pull the policies, find drift, correct what the modes allow")
    .description(
      "A control loop: every interval, pull the policies (a directory, or a Git repository through the git " +
        "CLI), observe AWS, and correct drift under the apply lock (pending policy changes too with " +
        "--apply-pending). Serves /healthz, /readyz and /metrics; exits 0 on SIGTERM after the step in progress.",
    )
    .argument("[paths...]", `policy paths (with --git: inside the repository) (default: ${DEFAULT_POLICY_PATH})`)
    .option("--git <url>", "clone the policies from this Git repository (then fetch + reset each reconcile)")
    .option("--branch <name>", "the branch to follow with --git", "main")
    .option("--interval <duration>", "time between reconciles (±10% jitter)", "10m")
    .option("--listen <host:port>", "address for /healthz, /readyz and /metrics", "127.0.0.1:9464")
    .addOption(new Option("--log-format <format>", "log format on stderr").choices(["text", "json"]).default("text"))
    .option("--apply-pending", "also apply policy changes that were never applied (not only drift)")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ cordon watch policies/ --interval 10m",
        "  $ cordon watch --git https://github.com/acme/network-policies.git --branch main --log-format json",
      ].join("\n"),
    );
  addLockOptions(command).action(async (paths: string[], options: WatchOptions) => {
    const intervalMs = parseDuration(options.interval, "--interval");
    const listen = parseListen(options.listen);
    const settings = reconcileSettings(options, "watch");
    const log: Logger = makeLogger(options.logFormat);
    // prom-client is loaded only by watch (docs/performance.md: start-up cost of every command).
    const metrics = (await import("../../watch/metrics.js")).createMetrics();
    const session = createAwsSession();
    const source =
      options.git !== undefined ? (await import("../../watch/git.js")).gitSource(options.git, options.branch) : null;
    const relative = paths.length > 0 ? paths : [DEFAULT_POLICY_PATH];
    const policyPaths = source === null ? relative : relative.map((p) => (isAbsolute(p) ? p : join(source.dir, p)));
    let ready = false;
    // Warnings given once per process, not once per reconcile (no bucket for records…).
    const warned = new Set<string>();
    const endpoints = await startEndpoints(listen, metrics.registry, () => ready);
    log("info", "watch started", {
      version: VERSION,
      listen: endpoints.url,
      interval: options.interval,
      source: options.git ?? relative.join(","),
      ...(options.git !== undefined ? { branch: options.branch } : {}),
      applyPending: options.applyPending === true,
    });

    // The watch's reconcile context: lines for people become warnings in the log, the audit line an
    // info entry; no signal handling (SIGTERM lets the reconcile in progress finish).
    const context: ReconcileContext = {
      session,
      settings,
      cordonVersion: VERSION,
      log: (line) => log("warn", line.replace(/^warning: /, "")),
      report: (line) => log("info", "audit", { summary: line }),
      warned,
    };

    const step = async (): Promise<void> => {
      const started = performance.now();
      const end = metrics.reconcileDuration.startTimer();
      try {
        const commit = source !== null ? await source.sync() : undefined;
        const today = todayUtc();
        await reconcile(
          {
            mode: { kind: "correct", pending: options.applyPending === true },
            load: () => loadValidPolicies(policyPaths, today),
            today,
            wording: "correction",
            hooks: {
              drifted: (report, act, run) => {
                metrics.observeReport(
                  report,
                  run.plan.changes.map((c) => c.kind),
                );
                for (const note of report.notes.filter((n) => !warned.has(n))) {
                  warned.add(note);
                  log("warn", note);
                }
                log("info", "observed", {
                  ...(commit !== undefined ? { commit } : {}),
                  checked: report.summary.checked,
                  drift: report.summary.drift,
                  pending: report.summary.pending,
                  toCorrect: act.length,
                });
                for (const i of report.items)
                  log("info", i.status, { address: i.address, mode: i.mode, reason: i.reason });
              },
              onEvent: (e) => {
                if (e.type !== "outcome") return;
                metrics.corrections.inc({ kind: e.change.kind, outcome: e.outcome.status });
                log(e.outcome.status === "failed" ? "error" : "info", "corrected", {
                  address: e.outcome.address,
                  action: e.outcome.action,
                  outcome: e.outcome.status,
                  ...(e.outcome.message !== undefined ? { message: e.outcome.message } : {}),
                });
              },
            },
          },
          context,
        );
        end({ result: "success" });
        metrics.reconciles.inc({ result: "success" });
        metrics.lastSuccess.set(Date.now() / 1000);
        ready = true;
        log("info", "reconciled", { ms: Math.round(performance.now() - started) });
      } catch (e) {
        end({ result: "error" });
        metrics.reconciles.inc({ result: "error" });
        metrics.errors.inc({ type: errorType(e) });
        if (e instanceof PolicyErrorWithDiagnostics) {
          for (const d of e.diagnostics.filter((x) => x.severity === "error")) {
            log("error", "policy error", {
              file: d.file,
              line: d.position?.line,
              column: d.position?.column,
              code: d.code,
              message: d.message,
            });
          }
        }
        throw e;
      }
    };

    const loop = runLoop(step, {
      intervalMs,
      onError: (e, failures, next) =>
        log("error", "reconcile failed", { error: messageOf(e), type: errorType(e), failures, retryInMs: next }),
    });
    const stop = (signal: NodeJS.Signals) => {
      log("info", "stopping", { signal });
      loop.stop();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    try {
      await loop.done;
    } finally {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      await endpoints.close();
      metrics.close();
      source?.dispose();
      log("info", "watch stopped");
    }
    setExit(0);
  });
}
