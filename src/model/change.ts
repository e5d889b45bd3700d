// Changes: what a plan proposes. Terraform-style: a replace is one change whose action says
// the order (create-then-delete keeps a security control in place throughout).
import type { Address, Kind, ManagementMode, Origin, RuleOrigin, TargetRef } from "./resource.js";

export type Action = "no-op" | "create" | "update" | "delete" | "create-then-delete" | "delete-then-create";

export interface FieldDiff {
  /** JSON pointer into the spec ("/trafficType", "/statements/1"). */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
  /** True when the field cannot change in place (forces replacement). */
  readonly forcesReplacement?: boolean;
}

/** What a kind's diff returns: the field diffs and whether the change needs a replacement. */
export interface DiffResult {
  readonly fields: readonly FieldDiff[];
  /** Fields that cannot change in place: the engine plans create-then-delete. */
  readonly replace: boolean;
  /**
   * Set by kinds that know it (NACL entries, WAF rules): the update removes or narrows a block.
   * Absent = false. Display only (Impact.broadensAccess).
   */
  readonly broadensAccess?: boolean;
  /**
   * How this replacement is carried out, said instead of the generic "the replacement is created
   * before the old one is deleted" (display only): e.g. a flow log whose new settings AWS may refuse
   * beside the old one on the same destination.
   */
  readonly replaceNote?: string;
  /**
   * Reviewer notes on an update, set by kinds that know them (display only): what stops being
   * blocked, foreign rules that run first. The planner adds them to the update's Impact.notes;
   * absent = none. (replaceNote speaks for a replacement; LiveMeta.notes for what observe found.)
   */
  readonly notes?: readonly string[];
}

/**
 * What a handler found in place at a desired resource's address that is not Cordon's (no ownership
 * marker): a bucket without Cordon's tag, entries in a NACL band Cordon never claimed, ...
 */
export interface Foreign {
  /** The AWS resource, named: "bucket cats-eyes-flow-logs", "the rule band 1–99 of network ACL acl-1". */
  readonly what: string;
  /** The rest of the sentence: "already exists and is not Cordon's". */
  readonly problem: string;
  /** One line per foreign item, when there are several (NACL entries, bucket-policy statements). */
  readonly details: readonly string[];
}

/** For people and CI gates only; the executor never reads it (docs/architecture.md, "Display data never drives execution"). */
export interface Impact {
  /** The change removes or narrows a block / allows more traffic / stops logging. */
  readonly broadensAccess: boolean;
  /** Destroys data or a monitoring control. */
  readonly destructive: boolean;
  /** Notes for the reviewer: "expired 2026-12-31, ticket INC-42", "foreign web ACL left alone". */
  readonly notes: readonly string[];
}

/**
 * A planned change. `action` is what reconciling would do; `mode` decides whether it is done:
 *   - mode "observe": the change is reported only — never executed, whatever its action
 *     (the reason starts with "observe mode: not changing").
 *   - mode "no-delete": the planner never emits "delete" for it (a resource no longer declared
 *     becomes a "no-op" whose reason says it is kept); replacements still run.
 *   - mode "enforce": executed as planned.
 * The executor runs a change iff isExecutable(change).
 */
export interface Change<S = unknown> {
  readonly address: Address;
  readonly kind: Kind;
  readonly name: string;
  readonly target: TargetRef;
  readonly action: Action;
  readonly before: S | null;
  readonly after: S | null;
  readonly fields: readonly FieldDiff[];
  /** Why: "missing in AWS", "differs from the policies: trafficType", "no longer declared". */
  readonly reason: string;
  readonly impact: Impact;
  readonly mode: ManagementMode;
  /** What apply must find when it re-observes; otherwise the plan is stale. */
  readonly observedFingerprint: string;
  readonly dependsOn: readonly Address[];
  readonly origin: Origin | null;
  /**
   * Top-level spec members that are context, not managed (the kind descriptor's contextFields): handlers
   * read them, renderers never show them. Absent when the kind has none.
   */
  readonly contextFields?: readonly string[];
  /**
   * Display only: spec members shown under the policy's name (`perHourPartition` →
   * `perHourPartitions`); the kind descriptor's fieldNames. Absent when the kind has none.
   */
  readonly fieldNames?: Readonly<Record<string, string>>;
  /**
   * Display only: each machine reference in `before` / `after` (a `cordon-ref:` placeholder, an IP
   * set's ARN) → how people see it (`ip set "edge-blocked-ipv4"`). Renderers show the right-hand
   * side, never the reference. Absent when the change holds none.
   */
  readonly references?: Readonly<Record<string, string>>;
  /**
   * Display only: a label for people beside the name, e.g. the VPC's or network ACL's Name tag
   * ("production"). Never part of the address (which stays the identifier in state, --target,
   * records and locks). Absent when there is none.
   */
  readonly label?: string;
  /**
   * True when this change takes over something found in place that was not Cordon's, because the
   * policy says `adopt: true`. The executor hands it to the handler (DesiredResource.adopt): a
   * handler refuses to change a resource that is not Cordon's unless it is set. Absent = false.
   */
  readonly adopting?: boolean;
  /**
   * Why each blocking rule of `after` is there: the declared entries (reason, ticket, expires) it
   * covers, in the order of `after`. Display only, for the renderers; absent for kinds that block
   * nothing and for no-op and delete changes.
   */
  readonly declared?: readonly RuleOrigin[];
}

/** True when apply must carry the change out: from action and mode only, never from display fields. */
export const isExecutable = (change: Pick<Change, "action" | "mode">): boolean =>
  change.action !== "no-op" && change.mode !== "observe";

/** Past tense: what happened when a change was applied (kept apart from the planned action). */
export type OutcomeStatus = "applied" | "skipped" | "failed";

export interface Outcome {
  readonly address: Address;
  readonly action: Action;
  readonly status: OutcomeStatus;
  readonly message?: string;
  readonly durationMs: number;
}
