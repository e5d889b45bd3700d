// The watch loop's Prometheus metrics (prom-client), on a registry of their own.
//   cordon_reconcile_duration_seconds          histogram, by result (success | error)
//   cordon_reconciles_total                    counter, by result
//   cordon_last_success_timestamp_seconds      gauge: end of the last successful reconcile
//   cordon_drifted_resources                   gauge, by kind: drift found by the last reconcile (before correcting)
//   cordon_pending_resources                   gauge, by kind: policy changes not applied
//   cordon_corrections_total                   counter, by kind and outcome (applied | failed | skipped)
//   cordon_aws_api_calls_total                 counter, by operation (every call through src/aws/adapters)
//   cordon_errors_total                        counter, by type (aws:<code>, policy, lock, stale-plan, git, internal…)
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { onAwsCall } from "../aws/call-events.js";
import type { DriftReport } from "../model/drift.js";

export interface WatchMetrics {
  readonly registry: Registry;
  readonly reconcileDuration: Histogram<"result">;
  readonly reconciles: Counter<"result">;
  readonly lastSuccess: Gauge;
  readonly drifted: Gauge<"kind">;
  readonly pending: Gauge<"kind">;
  readonly corrections: Counter<"kind" | "outcome">;
  readonly apiCalls: Counter<"operation">;
  readonly errors: Counter<"type">;
  /**
   * Sets the drifted/pending gauges from a report: every kind in it or in `checked` (the kinds the
   * reconcile looked at) gets a sample, 0 when clean, so a dashboard sees 0 rather than nothing.
   */
  observeReport(report: DriftReport, checked?: Iterable<string>): void;
  /** Stops counting AWS calls. */
  close(): void;
}

export function createMetrics(): WatchMetrics {
  const registry = new Registry();
  const reconcileDuration = new Histogram({
    name: "cordon_reconcile_duration_seconds",
    help: "Duration of one reconcile (pull, observe, classify, correct)",
    labelNames: ["result"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const reconciles = new Counter({
    name: "cordon_reconciles_total",
    help: "Reconciles run, by result",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: "cordon_last_success_timestamp_seconds",
    help: "Unix time at which the last successful reconcile ended",
    registers: [registry],
  });
  const drifted = new Gauge({
    name: "cordon_drifted_resources",
    help: "Resources changed outside Cordon since the last apply, as found by the last reconcile",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const pending = new Gauge({
    name: "cordon_pending_resources",
    help: "Resources whose policy changed and was never applied, as found by the last reconcile",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const corrections = new Counter({
    name: "cordon_corrections_total",
    help: "Changes made to correct drift (or apply pending changes with --apply-pending), by outcome",
    labelNames: ["kind", "outcome"] as const,
    registers: [registry],
  });
  const apiCalls = new Counter({
    name: "cordon_aws_api_calls_total",
    help: "AWS API calls, by operation",
    labelNames: ["operation"] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: "cordon_errors_total",
    help: "Errors, by type: aws:<code> for each failed AWS API call; policy, aws, lock, stale-plan, partial-apply, git, internal… for each failed reconcile",
    labelNames: ["type"] as const,
    registers: [registry],
  });
  const seenKinds = new Set<string>();
  const off = onAwsCall((e) => {
    apiCalls.inc({ operation: e.operation });
    if (e.errorCode !== undefined) errors.inc({ type: `aws:${e.errorCode}` });
  });
  return {
    registry,
    reconcileDuration,
    reconciles,
    lastSuccess,
    drifted,
    pending,
    corrections,
    apiCalls,
    errors,
    observeReport(report, checked = []) {
      for (const k of checked) seenKinds.add(k);
      const d = new Map<string, number>();
      const p = new Map<string, number>();
      for (const i of report.items) {
        seenKinds.add(i.kind);
        if (i.status === "drift" || i.status === "drift+pending") d.set(i.kind, (d.get(i.kind) ?? 0) + 1);
        if (i.status === "pending" || i.status === "drift+pending") p.set(i.kind, (p.get(i.kind) ?? 0) + 1);
      }
      for (const k of seenKinds) {
        drifted.set({ kind: k }, d.get(k) ?? 0);
        pending.set({ kind: k }, p.get(k) ?? 0);
      }
    },
    close: off,
  };
}
