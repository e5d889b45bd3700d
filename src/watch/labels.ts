// Metric label values that the CLI needs without loading prom-client (src/watch/metrics.ts is loaded
// only when watch runs: docs/performance.md).

/** The `policy` label of resources no loaded policy declares (owned, no longer declared). */
export const UNDECLARED = "(undeclared)";
