// cordon watch [paths... | --git URL [--branch main]] --interval 10m: Cordon always on.
// Each reconcile: pull the policies (git fetch + reset when --git), observe AWS, classify drift vs
// pending (as cordon drift), and correct what the management modes allow — drift only, unless
// --apply-pending also applies the policies' changes — under the apply lock, audited.
// The interval has ±10 % jitter; a failed reconcile is retried after an exponential backoff.
// A bad commit (invalid policies, or policies no plan can be made from) does not stop correction:
// the last good commit's policies are used, the log says so naming both commits, and /readyz
// answers 503 "degraded" until a good commit arrives (docs/operations.md, "watch").
// /healthz, /readyz (ready after the first successful reconcile) and /metrics (Prometheus) on
// --listen (default 127.0.0.1:8947). Logs on stderr, JSON lines with --log-format json; the
// credentials of a --git URL never reach a log. SIGTERM / SIGINT: the reconcile in progress
// finishes, then the process exits 0.
import { isAbsolute, join } from "node:path";
import { type Command, Option } from "commander";
import { createAwsSession } from "../../aws/config.js";
import { parseDuration } from "../../domain/duration.js";
import type { ReconcileContext } from "../../executor/lock-and-audit.js";
import { type Loaded, loadValidPolicies, PolicyErrorWithDiagnostics } from "../../executor/pipeline.js";
import { reconcile } from "../../executor/reconcile.js";
import type { Change } from "../../model/change.js";
import { CordonError, PolicyError } from "../../model/errors.js";
import type { LoadedPolicy } from "../../model/policy.js";
import { todayUtc } from "../../policy/index.js";
import { type Shard, shardLabel } from "../../policy/shard.js";
import { GitError, redactCredentials } from "../../watch/git.js";
import { UNDECLARED } from "../../watch/labels.js";
import { type LogFormat, type Logger, makeLogger } from "../../watch/log.js";
import { runLoop } from "../../watch/loop.js";
import { parseListen, type Readiness, startEndpoints } from "../../watch/server.js";
import { addLockOptions, type LockOptionValues, reconcileSettings } from "../lock-options.js";
import { addShardOption, DEFAULT_POLICY_PATH, todayOption } from "../policy-input.js";
import { VERSION } from "../version.js";
import type { SetExit } from "./set-exit.js";

interface WatchOptions extends LockOptionValues {
  readonly git?: string;
  readonly branch: string;
  readonly interval: string;
  readonly listen: string;
  readonly logFormat: LogFormat;
  readonly applyPending?: boolean;
  readonly today?: string;
  readonly shard?: Shard;
}

/**
 * The default --listen: outside Prometheus' exporter port range (9100-9999, every port of it
 * allocated to some exporter; 9464 is OpenTelemetry's Prometheus exporter).
 */
export const DEFAULT_LISTEN = "127.0.0.1:8947";

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
  redactCredentials(
    e instanceof CordonError ? [e.message, ...e.details].join("; ") : e instanceof Error ? e.message : String(e),
  );

/** Why a commit is bad, in one line: the first policy errors (file:line:col message), or the error. */
function badWhy(e: PolicyError): string {
  if (!(e instanceof PolicyErrorWithDiagnostics)) return messageOf(e);
  const errors = e.diagnostics.filter((d) => d.severity === "error");
  const at = (d: (typeof errors)[number]) =>
    `${d.file}${d.position ? `:${d.position.line}:${d.position.column}` : ""} ${d.message}`;
  return `${errors.slice(0, 2).map(at).join("; ")}${errors.length > 2 ? ` (+${errors.length - 2} more)` : ""}`;
}

/** The metadata.name of the policy that declares a change (its origin), UNDECLARED when none does. */
const policyNamer =
  (policies: readonly LoadedPolicy[]) =>
  (c: Change): string =>
    policies.find(
      (l) => c.origin !== null && l.source.file === c.origin.file && l.source.document === c.origin.document,
    )?.policy.metadata.name ?? UNDECLARED;

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
    .option("--listen <host:port>", "address for /healthz, /readyz and /metrics", DEFAULT_LISTEN)
    .addOption(new Option("--log-format <format>", "log format on stderr").choices(["text", "json"]).default("text"))
    .option("--apply-pending", "also apply policy changes that were never applied (not only drift)")
    .option(
      "--today <date>",
      "the day (YYYY-MM-DD, UTC) for expiry dates (default: the current day at each reconcile; for tests and replays)",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ cordon watch policies/ --interval 10m",
        "  $ cordon watch --git https://github.com/acme/network-policies.git --branch main --log-format json",
      ].join("\n"),
    );
  addShardOption(addLockOptions(command)).action(async (paths: string[], options: WatchOptions) => {
    const intervalMs = parseDuration(options.interval, "--interval");
    if (options.today !== undefined) todayOption(options.today);
    const listen = parseListen(options.listen);
    const settings = reconcileSettings(options, "watch");
    const log: Logger = makeLogger(options.logFormat);
    // prom-client is loaded only by watch (docs/performance.md: start-up cost of every command).
    const metrics = (await import("../../watch/metrics.js")).createMetrics({ version: VERSION, node: process.version });
    const session = createAwsSession(undefined, { command: "watch" });
    const source =
      options.git !== undefined ? (await import("../../watch/git.js")).gitSource(options.git, options.branch) : null;
    const relative = paths.length > 0 ? paths : [DEFAULT_POLICY_PATH];
    const policyPaths = source === null ? relative : relative.map((p) => (isAbsolute(p) ? p : join(source.dir, p)));
    let readiness: Readiness = { state: "not-ready", why: "no successful reconcile yet" };
    // The policies of the last reconcile that could plan them, and the commit they came from.
    let lastGood: { readonly loaded: Loaded; readonly commit?: string; readonly at: string } | undefined;
    // Warnings given once per process, not once per reconcile (no bucket for records…).
    const warned = new Set<string>();
    const endpoints = await startEndpoints(listen, metrics.registry, () => readiness);
    log("info", "watch started", {
      ...(options.shard !== undefined ? { shard: shardLabel(options.shard) } : {}),
      version: VERSION,
      listen: endpoints.url,
      interval: options.interval,
      source: options.git !== undefined ? redactCredentials(options.git) : relative.join(","),
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

    /** One reconcile of the given policies: observe, classify, correct. */
    const reconcileWith = async (load: () => Loaded, today: string, commit: string | undefined) =>
      await reconcile(
        {
          mode: { kind: "correct", pending: options.applyPending === true },
          load,
          today,
          wording: "correction",
          hooks: {
            drifted: (report, act, run) => {
              metrics.observeReport(report, run.plan.changes, policyNamer(run.loaded.policies));
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
              // An entry past its date is logged as "expired", with the entries and their dates. Drift
              // that opens access is an error, other drift a warning; pending changes are news.
              for (const i of report.items)
                log(
                  i.opensAccess ? "error" : i.status === "pending" ? "info" : "warn",
                  i.expired !== undefined ? "expired" : i.status,
                  {
                    address: i.address,
                    mode: i.mode,
                    reason: i.reason,
                  },
                );
            },
            onEvent: (e) => {
              if (e.type !== "outcome") return;
              metrics.corrections.inc({
                account: e.change.target.account,
                region: e.change.target.region,
                kind: e.change.kind,
                outcome: e.outcome.status,
              });
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

    const logPolicyErrors = (e: unknown) => {
      if (!(e instanceof PolicyErrorWithDiagnostics)) return;
      for (const d of e.diagnostics.filter((x) => x.severity === "error")) {
        log("error", "policy error", {
          file: d.file,
          line: d.position?.line,
          column: d.position?.column,
          code: d.code,
          message: d.message,
        });
      }
    };

    const step = async (): Promise<void> => {
      const started = performance.now();
      const end = metrics.reconcileDuration.startTimer();
      let result: "success" | "degraded" = "success";
      try {
        const commit = source !== null ? await source.sync() : undefined;
        const today = options.today ?? todayUtc();
        let loaded: Loaded | undefined;
        try {
          await reconcileWith(
            () => {
              loaded = loadValidPolicies(policyPaths, today, options.shard);
              return loaded;
            },
            today,
            commit,
          );
          if (loaded !== undefined)
            lastGood = { loaded, at: new Date().toISOString(), ...(commit !== undefined ? { commit } : {}) };
          readiness = { state: "ready" };
          metrics.degraded.set(0);
        } catch (e) {
          // Bad policies at the tip: keep correcting with the last good ones, and say so.
          if (!(e instanceof PolicyError) || lastGood === undefined) throw e;
          logPolicyErrors(e);
          metrics.errors.inc({ account: "", region: "", type: errorType(e) });
          const good = lastGood;
          const bad = commit !== undefined ? `commit ${commit}` : "the policies";
          const using =
            good.commit !== undefined
              ? `the last good commit ${good.commit}`
              : `the last good policies (read ${good.at})`;
          const why = badWhy(e);
          const is = commit !== undefined ? "is" : "are";
          log("error", `${bad} ${is} bad; correcting with ${using}`, {
            ...(commit !== undefined ? { badCommit: commit } : {}),
            ...(good.commit !== undefined ? { goodCommit: good.commit } : {}),
            error: why,
          });
          readiness = { state: "degraded", why: `${bad} ${is} bad (${why}); correcting with ${using}` };
          metrics.degraded.set(1);
          result = "degraded";
          await reconcileWith(() => good.loaded, today, good.commit);
        }
        end({ result });
        metrics.reconciles.inc({ result });
        if (result === "success") metrics.lastSuccess.set(Date.now() / 1000);
        log("info", "reconciled", {
          ms: Math.round(performance.now() - started),
          ...(result === "degraded" ? { degraded: true } : {}),
        });
      } catch (e) {
        end({ result: "error" });
        metrics.reconciles.inc({ result: "error" });
        metrics.errors.inc({ account: "", region: "", type: errorType(e) });
        logPolicyErrors(e);
        if (readiness.state === "not-ready")
          readiness = { state: "not-ready", why: `the reconciles fail: ${messageOf(e)}` };
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
