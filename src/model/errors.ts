// The error family. Every error Cordon raises on purpose carries a stable `code`; the CLI
// (src/cli/main.ts) is the one place that turns them into messages and exit codes.
// Anything that is not a CordonError is a bug and is reported as "internal error".

export type ErrorCode =
  | "POLICY_INVALID"
  | "USAGE"
  | "AWS"
  | "CONFLICT"
  | "STALE_PLAN"
  | "LOCKED"
  | "PARTIAL_APPLY"
  | "IO"
  | "CANCELLED";

export class CordonError extends Error {
  readonly code: ErrorCode;
  /** Extra lines printed under the message (hints, per-item details). */
  readonly details: readonly string[];
  constructor(code: ErrorCode, message: string, details: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** The policies are invalid; the diagnostics have been (or will be) printed by the caller. */
export class PolicyError extends CordonError {
  constructor(message: string, details: readonly string[] = []) {
    super("POLICY_INVALID", message, details);
  }
}

/** Bad command-line usage: unknown flag value, missing file, refused confirmation. */
export class UsageError extends CordonError {
  constructor(message: string, details: readonly string[] = []) {
    super("USAGE", message, details);
  }
}

/** An AWS call failed in a way the engine could not absorb. `resource` names the AWS resource. */
export class AwsError extends CordonError {
  readonly awsCode: string;
  readonly resource: string;
  readonly operation: string;
  /** HTTP status of the failed call, when known (classifies unmodeled 5xx / 403 answers). */
  readonly httpStatus?: number;
  constructor(operation: string, resource: string, awsCode: string, message: string, httpStatus?: number) {
    super("AWS", `${operation} on ${resource} failed: ${awsCode}: ${message}`);
    this.awsCode = awsCode;
    this.resource = resource;
    this.operation = operation;
    if (httpStatus !== undefined) this.httpStatus = httpStatus;
  }
}

/** Something else changed the resource while we were working on it (e.g. WAF lock token, retries exhausted). */
export class ConflictError extends CordonError {
  constructor(message: string, details: readonly string[] = []) {
    super("CONFLICT", message, details);
  }
}

/** A saved plan no longer matches live AWS or the policies; re-plan. */
export class StalePlanError extends CordonError {
  constructor(message: string, details: readonly string[] = []) {
    super("STALE_PLAN", message, details);
  }
}

/** Apply changed some resources but not all (or AWS does not match afterwards); a re-run converges. */
export class PartialApplyError extends CordonError {
  /** What verification found still different after the apply (recorded in the audit record). */
  readonly problems: readonly { readonly address: string; readonly message: string }[];
  constructor(
    message: string,
    details: readonly string[] = [],
    problems: readonly { readonly address: string; readonly message: string }[] = [],
  ) {
    super("PARTIAL_APPLY", message, details);
    this.problems = problems;
  }
}

/** Another apply holds the lock. */
export class LockedError extends CordonError {
  constructor(message: string, details: readonly string[] = []) {
    super("LOCKED", message, details);
  }
}

/** Reading or writing a local file failed. */
export class IoError extends CordonError {
  constructor(message: string, details: readonly string[] = []) {
    super("IO", message, details);
  }
}

/** The run was interrupted (Ctrl-C: the abort signal); what it started was stopped. The CLI exits 130. */
export class CancelledError extends CordonError {
  constructor(message: string, details: readonly string[] = []) {
    super("CANCELLED", message, details);
  }
}

/** A query could not run or failed (engine error, refused scan, failed state); names the query. */
export class QueryError extends CordonError {
  /** Athena's QueryExecutionId, when the query was started. */
  readonly queryId: string | undefined;
  constructor(message: string, details: readonly string[] = [], queryId?: string) {
    super("AWS", message, details);
    this.queryId = queryId;
  }
}

export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
