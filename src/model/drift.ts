// A drift report: for each resource Cordon manages, whether live AWS differs from what Cordon last
// applied (drift) and whether the policies changed since (pending). Types only; the executor
// classifies (src/executor/drift.ts), the renderers and watch's metrics read the report.
import type { Change, FieldDiff } from "./change.js";
import type { Address, Kind, ManagementMode, TargetRef } from "./resource.js";

export type DriftStatus = "clean" | "drift" | "pending" | "drift+pending";

export interface DriftItem {
  readonly address: Address;
  readonly kind: Kind;
  readonly name: string;
  readonly target: TargetRef;
  readonly mode: ManagementMode;
  readonly status: DriftStatus;
  /** Live AWS (normalised), null when it does not exist. */
  readonly live: unknown;
  /** What Cordon last applied, when the record has it (null: unknown or never applied). */
  readonly applied: unknown;
  /** The policies' spec, null when no longer declared. */
  readonly desired: unknown;
  readonly appliedDigest: string | null;
  readonly appliedFrom: "record" | "tag" | null;
  /** What changed outside Cordon: `before` = applied, `after` = live. */
  readonly driftFields: readonly FieldDiff[];
  /** What the policies changed: `before` = applied, `after` = desired. */
  readonly pendingFields: readonly FieldDiff[];
  readonly reason: string;
  /**
   * Present when the change only removes entries past their `expires` date (the policies are
   * otherwise the ones last applied): why, one per entry ("198.51.100.0/24 expired on 2026-12-31
   * (INC-42)"). Such a change is in the reviewed policy: drift --correct and watch apply it.
   */
  readonly expired?: readonly string[];
  /** The plan's change for this resource: the action that makes AWS match the policies. */
  readonly change: Change;
  /**
   * The drift opens access: a block removed or narrowed, a security control deleted, or something
   * Cordon does not manage placed so that its control does nothing (`exposures`). Reported at
   * error level (logs, annotations); other drift and pending changes are warnings.
   */
  readonly opensAccess: boolean;
  /** What opens access around Cordon's control that Cordon never changes (--correct cannot undo it). */
  readonly exposures: readonly string[];
}

/** The level a drift item is reported at: "error" when it opens access, otherwise "warning". */
export const driftSeverity = (i: Pick<DriftItem, "opensAccess">): "error" | "warning" =>
  i.opensAccess ? "error" : "warning";

export interface DriftSummary {
  readonly checked: number;
  readonly clean: number;
  readonly drift: number;
  readonly pending: number;
  /** Counted in drift and in pending too. */
  readonly both: number;
}

export interface DriftReport {
  readonly format: "cordon.drift/v1";
  readonly createdAt: string;
  readonly policyDigest: string;
  readonly summary: DriftSummary;
  /** Every resource that is not clean, in plan order. */
  readonly items: readonly DriftItem[];
  /** What limits the report, once each (a target with no applied record to read…). */
  readonly notes: readonly string[];
}
