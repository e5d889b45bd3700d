// The watch loop's Prometheus metrics (prom-client), on a registry of their own; the list, with
// labels, is in docs/operations.md ("Metrics").
//   cordon_build_info                          gauge 1, by version and node (the Node.js version)
//   cordon_reconcile_duration_seconds          histogram, by result (success | degraded | error)
//   cordon_reconciles_total                    counter, by result
//   cordon_last_success_timestamp_seconds      gauge: end of the last successful reconcile (not degraded)
//   cordon_degraded                            gauge: 1 while correcting with the last good commit
//   cordon_drifted_resources                   gauge, by account, region, policy, kind: drift found by the last reconcile (before correcting)
//   cordon_pending_resources                   gauge, by account, region, policy, kind: policy changes not applied
//   cordon_drift_detected_total                counter, by account, region, policy, kind: each drifted resource each reconcile found
//   cordon_corrections_total                   counter, by account, region, kind and outcome (applied | failed | skipped)
//   cordon_aws_api_calls_total                 counter, by service, operation, outcome (success | the AWS error code)
//   cordon_errors_total                        counter, by type (aws:<code>, policy, lock, stale-plan, git, internal…)
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { onAwsCall } from "../aws/call-events.js";
import type { Change } from "../model/change.js";
import type { DriftReport } from "../model/drift.js";

/** The labels of the drift and pending gauges and of the drift counter. */
type ResourceLabel = "account" | "region" | "policy" | "kind";

export interface WatchMetrics {
  readonly registry: Registry;
  readonly reconcileDuration: Histogram<"result">;
  readonly reconciles: Counter<"result">;
  readonly lastSuccess: Gauge;
  readonly degraded: Gauge;
  readonly drifted: Gauge<ResourceLabel>;
  readonly pending: Gauge<ResourceLabel>;
  readonly driftDetected: Counter<ResourceLabel>;
  readonly corrections: Counter<"account" | "region" | "kind" | "outcome">;
  readonly apiCalls: Counter<"account" | "region" | "service" | "operation" | "outcome">;
  readonly errors: Counter<"account" | "region" | "type">;
  /**
   * Sets the drifted/pending gauges from a report and counts its drift: every (account, region,
   * policy, kind) of the report or of `checked` (the changes the reconcile looked at) gets a
   * sample, 0 when clean, so a dashboard sees 0 rather than nothing. `policyOf` names the policy
   * (metadata.name) that declares a change; UNDECLARED (src/watch/labels.ts) for none.
   */
  observeReport(report: DriftReport, checked: readonly Change[], policyOf: (c: Change) => string): void;
  /** Stops counting AWS calls. */
  close(): void;
}

export function createMetrics(build: { readonly version: string; readonly node: string }): WatchMetrics {
  const registry = new Registry();
  new Gauge({
    name: "cordon_build_info",
    help: "Always 1: the Cordon version and the Node.js version running it",
    labelNames: ["version", "node"] as const,
    registers: [registry],
  }).set({ version: build.version, node: build.node }, 1);
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
  const degraded = new Gauge({
    name: "cordon_degraded",
    help: "1 while the policies at the branch's tip are bad (invalid, or no plan can be made) and the last good commit is used",
    registers: [registry],
  });
  degraded.set(0);
  const resourceLabels = ["account", "region", "policy", "kind"] as const;
  const drifted = new Gauge({
    name: "cordon_drifted_resources",
    help: "Resources changed outside Cordon since the last apply, as found by the last reconcile",
    labelNames: resourceLabels,
    registers: [registry],
  });
  const pending = new Gauge({
    name: "cordon_pending_resources",
    help: "Resources whose policy changed and was never applied, as found by the last reconcile",
    labelNames: resourceLabels,
    registers: [registry],
  });
  const driftDetected = new Counter({
    name: "cordon_drift_detected_total",
    help: "Drifted resources found, counted once per resource per reconcile that finds it",
    labelNames: resourceLabels,
    registers: [registry],
  });
  const corrections = new Counter({
    name: "cordon_corrections_total",
    help: "Changes made to correct drift (or apply pending changes with --apply-pending), by target, kind and outcome",
    labelNames: ["account", "region", "kind", "outcome"] as const,
    registers: [registry],
  });
  const apiCalls = new Counter({
    name: "cordon_aws_api_calls_total",
    help: "AWS API calls, by target (account, region), service, operation and outcome (success, or the AWS error code)",
    labelNames: ["account", "region", "service", "operation", "outcome"] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: "cordon_errors_total",
    help: "Errors, by target and type: aws:<code> for each failed AWS API call (with its account and region); policy, aws, lock, stale-plan, partial-apply, git, internal… for each failed reconcile (account and region empty)",
    labelNames: ["account", "region", "type"] as const,
    registers: [registry],
  });
  // Every series ever given a sample, as its labels' JSON: set to 0 when a reconcile finds it clean.
  const seen = new Map<string, Record<ResourceLabel, string>>();
  const off = onAwsCall((e) => {
    const target = { account: e.account, region: e.region };
    apiCalls.inc({ ...target, service: e.service, operation: e.operation, outcome: e.errorCode ?? "success" });
    if (e.errorCode !== undefined) errors.inc({ ...target, type: `aws:${e.errorCode}` });
  });
  return {
    registry,
    reconcileDuration,
    reconciles,
    lastSuccess,
    degraded,
    drifted,
    pending,
    driftDetected,
    corrections,
    apiCalls,
    errors,
    observeReport(report, checked, policyOf) {
      const labelsOf = (c: Change): Record<ResourceLabel, string> => ({
        account: c.target.account,
        region: c.target.region,
        policy: policyOf(c),
        kind: c.kind,
      });
      const key = (l: Record<ResourceLabel, string>) => JSON.stringify(l);
      for (const c of checked) seen.set(key(labelsOf(c)), labelsOf(c));
      const d = new Map<string, number>();
      const p = new Map<string, number>();
      for (const i of report.items) {
        const l = labelsOf(i.change);
        const k = key(l);
        seen.set(k, l);
        if (i.status === "drift" || i.status === "drift+pending") {
          d.set(k, (d.get(k) ?? 0) + 1);
          driftDetected.inc(l);
        }
        if (i.status === "pending" || i.status === "drift+pending") p.set(k, (p.get(k) ?? 0) + 1);
      }
      for (const [k, l] of seen) {
        drifted.set(l, d.get(k) ?? 0);
        pending.set(l, p.get(k) ?? 0);
      }
    },
    close: off,
  };
}
