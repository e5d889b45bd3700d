// The control API under /_sandbox/ (JSON in, JSON out) and the in-process handle tests use:
// counters by (service, operation), a bounded request log, faults, configuration, seeding,
// reset and a state dump.

import { parseEstateText, seedEstate, validateEstateObject } from "./estate.js";
import type { FaultConfig, Faults } from "./faults.js";
import { identities, setKeyPolicy } from "./identity.js";
import type { PersistenceStats, StateDump, Store } from "./store.js";
import {
  type DeliveryReport,
  type DeliverySink,
  deliverTraffic,
  TRAFFIC_SCENARIOS,
  type TrafficOptions,
  type TrafficScenario,
} from "./traffic.js";
import {
  type Estate,
  FLOW_LOG_RULES,
  type FlowLogRule,
  type SandboxConfig,
  type SandboxResponse,
  type ServiceContext,
  type ServiceModule,
  type ServiceName,
} from "./types.js";

export const CONTROL_PREFIX = "/_sandbox/";

export interface RequestLogEntry {
  readonly requestId: string;
  readonly time: string;
  readonly service: ServiceName | "unknown";
  readonly operation: string;
  readonly accessKeyId: string;
  readonly account: string;
  /** The caller's ARN: for an AssumeRole session, arn:aws:sts::<account>:assumed-role/<role>/<session name>. */
  readonly callerArn: string;
  readonly region: string;
  readonly status: number;
  /** Wire error code when the answer was an error. */
  readonly errorCode?: string;
  /**
   * "denied", "throttle", "error" when the answer came from the allow-list or a fault, not the
   * service; "lostResponse" when the service performed the request and a fault replaced its answer.
   */
  readonly injected?: "denied" | "throttle" | "error" | "lostResponse";
  /** The IAM actions evaluated for the request (only for a caller with an identity policy). */
  readonly iamActions?: readonly string[];
  readonly ms: number;
}

export interface Stats {
  record(entry: RequestLogEntry): void;
  counters(): Record<string, Record<string, number>>;
  resetCounters(): void;
  requests(): RequestLogEntry[];
  clearRequests(): void;
}

export function createStats(maxLog = 1000): Stats {
  let counters = new Map<string, Map<string, number>>();
  let log: RequestLogEntry[] = [];
  return {
    record(entry) {
      let byOp = counters.get(entry.service);
      if (byOp === undefined) {
        byOp = new Map();
        counters.set(entry.service, byOp);
      }
      byOp.set(entry.operation, (byOp.get(entry.operation) ?? 0) + 1);
      log.push(entry);
      if (log.length > maxLog * 2) log = log.slice(log.length - maxLog);
    },
    counters: () =>
      Object.fromEntries([...counters].sort().map(([s, ops]) => [s, Object.fromEntries([...ops].sort())])),
    resetCounters() {
      counters = new Map();
    },
    requests: () => log.slice(Math.max(0, log.length - maxLog)),
    clearRequests() {
      log = [];
    },
  };
}

export interface Control {
  counters(): Record<string, Record<string, number>>;
  resetCounters(): void;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  /** AWS requests received and not yet answered (a test waits for 0 before it looks at the state). */
  inFlight(): number;
  faults(): FaultConfig;
  /** Replaces the fault configuration (throws Error on an invalid one). */
  setFaults(config: FaultConfig): void;
  config(): SandboxConfig;
  /** Merges a partial configuration (throws Error on an invalid value). */
  setConfig(partial: Partial<SandboxConfig>): SandboxConfig;
  /** Seeds an estate (object, or YAML/JSON text) on top of the current state. */
  seed(estate: Estate | string, source?: string): void;
  /** Gives an access key or role ARN an identity policy (parsed JSON); null removes it. */
  setIamPolicy(key: string, policy: unknown): void;
  /** Empties the state, counters, request log and faults; the configuration stays. */
  reset(): void;
  state(): StateDump;
  /** Writes of the --state file so far (zeros without one). */
  persistence(): PersistenceStats;
  /**
   * Delivers the synthetic flow-log files of [from, to) (simulated time) for every flow log whose
   * delivery succeeds (src/traffic.ts). `scenario`/`seed` default to the sandbox's `traffic` option.
   * With `sink`, files go to it instead of the buckets (benchmarks). Throws Error on bad input.
   */
  deliverTraffic(request: TrafficRequest): DeliveryReport;
  /** The sandbox clock: a fixed simulated time (Date or ISO text), or null for the real clock. */
  setClock(time: Date | string | number | null): void;
  /** The sandbox clock's time now. */
  now(): Date;
  /** Answers one control-API request; `path` starts after "/_sandbox/". */
  http(method: string, path: string, body: Buffer): SandboxResponse;
}

export interface TrafficRequest {
  readonly from: Date | string | number;
  readonly to: Date | string | number;
  readonly scenario?: TrafficScenario;
  readonly seed?: number;
  readonly sink?: DeliverySink;
}

function instant(value: unknown, name: string): number {
  const t =
    value instanceof Date
      ? value.getTime()
      : typeof value === "number"
        ? value
        : typeof value === "string"
          ? Date.parse(value)
          : Number.NaN;
  if (!Number.isFinite(t))
    throw new Error(`traffic: ${name} must be a time (ISO 8601 or epoch ms), got ${JSON.stringify(value)}`);
  return t;
}

/** Checks a scenario/seed pair (CLI flags, startSandbox options, control requests). */
export function validateTraffic(
  value: { scenario?: unknown; seed?: unknown },
  fallback?: TrafficOptions,
): TrafficOptions {
  const scenario = value.scenario ?? fallback?.scenario;
  if (!TRAFFIC_SCENARIOS.includes(scenario as TrafficScenario)) {
    throw new Error(
      `traffic: scenario must be one of ${TRAFFIC_SCENARIOS.join(", ")}, got ${JSON.stringify(scenario ?? null)}`,
    );
  }
  const seed = value.seed ?? fallback?.seed ?? 1;
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`traffic: seed must be a whole number from 0 to 4294967295, got ${JSON.stringify(seed)}`);
  }
  return { scenario: scenario as TrafficScenario, seed };
}

export interface ControlDeps {
  readonly store: Store;
  readonly faults: Faults;
  readonly stats: Stats;
  readonly ctx: ServiceContext;
  readonly modules: readonly ServiceModule[];
  readonly inFlight: () => number;
  /** The sandbox's traffic scenario and seed (startSandbox `traffic`), if any. */
  readonly traffic?: TrafficOptions;
  readonly clock: { time: number | null };
}

const json = (status: number, value: unknown): SandboxResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

export function createControl(deps: ControlDeps): Control {
  const { store, faults, stats, ctx, modules } = deps;
  const control: Control = {
    counters: () => stats.counters(),
    resetCounters: () => stats.resetCounters(),
    requests: () => stats.requests(),
    clearRequests: () => stats.clearRequests(),
    inFlight: () => deps.inFlight(),
    faults: () => faults.config(),
    setFaults: (config) => faults.set(config),
    config: () => ({ ...store.config }),
    setConfig(partial) {
      Object.assign(store.config, validateConfig(partial));
      return { ...store.config };
    },
    seed(estate, source = "estate") {
      const parsed =
        typeof estate === "string" ? parseEstateText(estate, source) : validateEstateObject(estate, source);
      seedEstate(parsed, ctx, modules);
      store.touch();
    },
    setIamPolicy(key, policy) {
      setKeyPolicy(identities(ctx), key, policy);
      store.touch();
    },
    reset() {
      store.reset();
      stats.resetCounters();
      stats.clearRequests();
      faults.set({});
    },
    state: () => store.dump(),
    persistence: () => store.persistence(),
    deliverTraffic(request) {
      const options = validateTraffic(request, deps.traffic);
      const from = instant(request.from, "from");
      const to = instant(request.to, "to");
      if (to <= from) throw new Error("traffic: to must be after from");
      if (to - from > 31 * 86_400_000) throw new Error("traffic: a window covers at most 31 days");
      return deliverTraffic(ctx, store.scopes("ec2"), options, from, to, request.sink);
    },
    setClock(time) {
      deps.clock.time = time === null ? null : instant(time, "time");
    },
    now: () => ctx.now(),
    http(method, path, body) {
      try {
        return route(control, method, path, body);
      } catch (e) {
        const details = (e as { details?: readonly string[] }).details;
        return json(400, { error: (e as Error).message, ...(details && details.length > 0 ? { details } : {}) });
      }
    },
  };
  return control;
}

function route(control: Control, method: string, path: string, body: Buffer): SandboxResponse {
  const readJson = (): unknown => {
    const text = body.toString("utf8").trim();
    if (text === "") return {};
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error(`request body is not JSON: ${(e as Error).message}`);
    }
  };
  switch (`${method} ${path.replace(/\/+$/, "")}`) {
    case "GET health":
      return json(200, { ok: true });
    case "GET counters":
      return json(200, control.counters());
    case "DELETE counters":
      control.resetCounters();
      return json(200, { ok: true });
    case "GET requests":
      return json(200, control.requests());
    case "DELETE requests":
      control.clearRequests();
      return json(200, { ok: true });
    case "GET faults":
      return json(200, control.faults());
    case "POST faults":
      control.setFaults(readJson() as FaultConfig);
      return json(200, control.faults());
    case "DELETE faults":
      control.setFaults({});
      return json(200, { ok: true });
    case "GET config":
      return json(200, control.config());
    case "POST config":
      return json(200, control.setConfig(readJson() as Partial<SandboxConfig>));
    case "POST seed":
      control.seed(body.toString("utf8"), "request body");
      return json(200, { ok: true });
    case "POST reset":
      control.reset();
      return json(200, { ok: true });
    case "POST traffic": {
      const b = readJson() as Record<string, unknown>;
      const report = control.deliverTraffic({
        from: b.from as string,
        to: b.to as string,
        ...(b.scenario !== undefined ? { scenario: b.scenario as TrafficScenario } : {}),
        ...(b.seed !== undefined ? { seed: b.seed as number } : {}),
      });
      return json(200, report);
    }
    case "GET clock":
      return json(200, { time: control.now().toISOString() });
    case "POST clock": {
      const b = readJson() as { time?: string | number | null };
      control.setClock(b.time ?? null);
      return json(200, { time: control.now().toISOString() });
    }
    case "GET state":
      return json(200, control.state());
    case "GET stats":
      return json(200, {
        cpu: process.cpuUsage(),
        memory: process.memoryUsage(),
        uptime: process.uptime(),
        stateFile: control.persistence(),
      });
    default:
      if (method === "PUT" && path.startsWith("iam/")) {
        control.setIamPolicy(decodeURIComponent(path.slice("iam/".length)), readJson());
        return json(200, { ok: true });
      }
      if (method === "DELETE" && path.startsWith("iam/")) {
        control.setIamPolicy(decodeURIComponent(path.slice("iam/".length)), null);
        return json(200, { ok: true });
      }
      return json(404, { error: `no control endpoint ${method} ${CONTROL_PREFIX}${path}` });
  }
}

function validateConfig(value: unknown): Partial<SandboxConfig> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error("config: expected an object");
  const v = value as Record<string, unknown>;
  const ints: Record<string, [number, number]> = {
    naclEntryQuota: [1, 1000],
    webAclAssociationDelayMs: [0, 3_600_000],
    athenaQueryDelayMs: [0, 3_600_000],
    defaultPageSize: [1, 10_000],
  };
  for (const [k, x] of Object.entries(v)) {
    const range = ints[k];
    if (range !== undefined) {
      if (typeof x !== "number" || !Number.isInteger(x) || x < range[0] || x > range[1]) {
        throw new Error(`config: ${k} must be an integer between ${range[0]} and ${range[1]}`);
      }
    } else if (k === "wafAlwaysNextMarker" || k === "athenaQueriesHang") {
      if (typeof x !== "boolean") throw new Error(`config: ${k} must be true or false`);
    } else if (k === "flowLogRule") {
      if (!FLOW_LOG_RULES.includes(x as FlowLogRule)) {
        throw new Error(`config: flowLogRule must be one of ${FLOW_LOG_RULES.join(", ")}`);
      }
    } else {
      throw new Error(`config: unknown setting "${k}"`);
    }
  }
  return v as Partial<SandboxConfig>;
}
