// The lock options of every command that changes AWS (apply, drift --correct, watch), read into the
// reconcile's settings (src/executor/reconcile.ts), and the CLI's reconcile context: waiting and
// warnings on stderr, the audit line on stdout (and the step summary in GitHub Actions).
import type { Command } from "commander";
import type { AwsSession } from "../aws/config.js";
import { formatDuration, parseDuration } from "../domain/duration.js";
import { DEFAULT_LOCK_TTL_MS, lockTtlFloorMessage, MIN_LOCK_TTL_MS } from "../executor/lock.js";
import type { ReconcileContext, ReconcileSettings } from "../executor/lock-and-audit.js";
import { UsageError } from "../model/errors.js";
import { appendStepSummary, inGithubActions, setOutputs } from "./github.js";
import { err, out } from "./output.js";
import { VERSION } from "./version.js";

/** The lock/audit options every changing command takes. */
export interface LockOptionValues {
  readonly lock?: boolean;
  readonly lockBucket?: string;
  readonly lockTtl?: string;
  readonly lockTimeout?: string;
}

/** Adds --no-lock, --lock-bucket, --lock-ttl and --lock-timeout to a command that changes AWS. */
export function addLockOptions(command: Command): Command {
  return command
    .option("--no-lock", "do not take the apply lock (the audit record is still written)")
    .option(
      "--lock-bucket <name>",
      "bucket for the lock, audit log and applied record (default: the policies' flow-log bucket; blocking-only policies name none, so pass it to have them)",
    )
    .option(
      "--lock-ttl <duration>",
      `the lock expires after this long if its holder dies (renewed every third of it while held; at least ${formatDuration(MIN_LOCK_TTL_MS)}, so a slow S3 round trip or a paused process cannot let it lapse mid-apply)`,
      (value: string) => {
        checkLockTtl(value); // at parse time: refused before anything is read from AWS
        return value;
      },
      formatDuration(DEFAULT_LOCK_TTL_MS),
    )
    .option("--lock-timeout <duration>", "wait this long for a lock held by another run (0s: fail at once)", "0s");
}

/** --lock-ttl in ms; a malformed value or one below MIN_LOCK_TTL_MS is a UsageError (naming the floor). */
function checkLockTtl(text: string): number {
  const ms = parseDuration(text, "--lock-ttl");
  if (ms < MIN_LOCK_TTL_MS) throw new UsageError(lockTtlFloorMessage(`--lock-ttl ${text}`));
  return ms;
}

/** Reads the lock options; a --lock-ttl below MIN_LOCK_TTL_MS is a UsageError naming the floor. */
export function reconcileSettings(options: LockOptionValues, command: string): ReconcileSettings {
  const lockTtlMs = checkLockTtl(options.lockTtl ?? formatDuration(DEFAULT_LOCK_TTL_MS));
  return {
    lock: options.lock !== false,
    ...(options.lockBucket !== undefined ? { lockBucket: options.lockBucket } : {}),
    lockTtlMs,
    lockTimeoutMs: parseDuration(options.lockTimeout ?? "0s", "--lock-timeout"),
    command,
  };
}

/**
 * The CLI's reconcile context: waiting and warnings on stderr, the audit line on stdout (and the
 * step summary in Actions); SIGINT/SIGTERM release the locks and write the audit record first.
 */
export function cliReconcileContext(session: AwsSession, settings: ReconcileSettings): ReconcileContext {
  const report = (line: string) => {
    out(line);
    appendStepSummary(`\`${line}\``);
    // In Actions the step's output audit-record says where the record went (the locations after
    // "→" in the audit line, src/executor/audit.ts), for the comment on the merged pull request.
    if (inGithubActions()) setOutputs({ "audit-record": / → (.+)$/.exec(line)?.[1] ?? "" });
  };
  return { session, settings, cordonVersion: VERSION, log: (l) => err(l), report, handleSignals: true };
}
