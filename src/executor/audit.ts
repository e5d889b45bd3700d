// The audit log: one JSON object per apply (and per drift correction) under
// cordon/audit/<YYYY-MM-DD>/<timestamp>-<id>.json in the bucket — who, when, which plan (digest),
// and the outcome of each change — plus the one-line summary printed at the end of the run.
import { randomBytes } from "node:crypto";
import { planDocumentDigest } from "../domain/fingerprint.js";
import { auditKey } from "../domain/record-keys.js";
import type { Outcome } from "../model/change.js";
import type { PlanDocument } from "../model/plan.js";
import type { Actor } from "./lock.js";
import type { ObjectStore } from "./objects.js";

export const AUDIT_FORMAT = "cordon.audit/v1";

export type AuditResult = "success" | "partial" | "failed" | "interrupted";

export interface AuditRecord {
  readonly format: typeof AUDIT_FORMAT;
  readonly id: string;
  readonly command: string;
  /**
   * Who made the changes: the caller ARN STS reported for the credentials (an assumed role's ARN
   * names the session, cordon-<command>-<run>-<actor>), several joined by ", " when targets were
   * reached as different callers; user@host only when no identity was checked.
   */
  readonly who: string;
  /** The caller ARNs, one per distinct identity (absent when no identity was checked). */
  readonly callers?: readonly string[];
  /** The person or CI actor behind the run (GITHUB_ACTOR or user@host). */
  readonly actor?: string;
  readonly ciRunId?: string;
  readonly ciRunUrl?: string;
  readonly cordonVersion: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly result: AuditResult;
  readonly planDigest: string;
  readonly policyDigest: string;
  readonly targets: readonly string[];
  readonly summary: { readonly applied: number; readonly failed: number; readonly skipped: number };
  readonly outcomes: readonly Outcome[];
  readonly problems: readonly { readonly address: string; readonly message: string }[];
  /** The error that ended the run, when one did. */
  readonly error?: string;
  /** IDs of the locks held during the run. */
  readonly locks: readonly string[];
}

/**
 * The plan's digest (planDocumentDigest): the one a saved plan file carries, so the audit record
 * names the file that was reviewed; computed the same way for a plan never written to a file.
 */
export const planDigest = (plan: PlanDocument): string => plan.digest ?? planDocumentDigest(plan);

export const newAuditId = (): string => randomBytes(4).toString("hex");

export interface AuditInput {
  readonly id: string;
  readonly command: string;
  readonly actor: Actor;
  /** The caller ARNs of the run's identity checks. */
  readonly callers?: readonly string[];
  readonly cordonVersion: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly plan: PlanDocument;
  readonly outcomes: readonly Outcome[];
  readonly problems: readonly { readonly address: string; readonly message: string }[];
  readonly error?: string;
  readonly interrupted?: boolean;
  readonly locks: readonly string[];
}

export function auditRecord(input: AuditInput): AuditRecord {
  const count = (s: Outcome["status"]) => input.outcomes.filter((o) => o.status === s).length;
  const summary = { applied: count("applied"), failed: count("failed"), skipped: count("skipped") };
  const result: AuditResult = input.interrupted
    ? "interrupted"
    : input.error !== undefined && summary.applied === 0
      ? "failed"
      : input.error !== undefined || summary.failed > 0 || input.problems.length > 0
        ? "partial"
        : "success";
  return {
    format: AUDIT_FORMAT,
    id: input.id,
    command: input.command,
    who: input.callers !== undefined && input.callers.length > 0 ? input.callers.join(", ") : input.actor.who,
    ...(input.callers !== undefined && input.callers.length > 0
      ? { callers: [...input.callers], actor: input.actor.who }
      : {}),
    ...(input.actor.ciRunId !== undefined ? { ciRunId: input.actor.ciRunId } : {}),
    ...(input.actor.ciRunUrl !== undefined ? { ciRunUrl: input.actor.ciRunUrl } : {}),
    cordonVersion: input.cordonVersion,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    result,
    planDigest: planDigest(input.plan),
    policyDigest: input.plan.policyDigest,
    targets: input.plan.targets.map((t) => `${t.account}/${t.region}`),
    summary,
    outcomes: [...input.outcomes],
    problems: [...input.problems],
    ...(input.error !== undefined ? { error: input.error } : {}),
    locks: [...input.locks],
  };
}

export async function writeAudit(store: ObjectStore, record: AuditRecord): Promise<string> {
  const key = auditKey(new Date(record.startedAt), record.id);
  await store.put(key, `${JSON.stringify(record, null, 2)}\n`, { ifNoneMatch: true });
  return `${store.where}/${key}`;
}

/** "Audit 1a2b3c4d: success — 3 applied, 0 failed, 0 skipped by alice@host, plan 3f2a1c9e0b7d → s3://b/cordon/audit/…" */
export function auditLine(record: AuditRecord, locations: readonly string[]): string {
  const s = record.summary;
  const where = locations.length > 0 ? ` → ${locations.join(", ")}` : " (not written)";
  return `Audit ${record.id}: ${record.result} — ${s.applied} applied, ${s.failed} failed, ${s.skipped} skipped by ${record.who}, plan ${record.planDigest.slice(0, 12)}${where}`;
}
