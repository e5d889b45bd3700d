// Fault injection: latency, throttling with the service's own error, 5xx errors, lost responses
// (the request is performed, then answered with a 5xx, so the client retries a request that
// already took effect), forced WAF lock conflicts. Rules fire by rate (a seeded, deterministic
// RNG) or on the Nth matching call.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { SandboxError } from "./errors.js";
import type { FaultHooks, ServiceName } from "./types.js";

export type FaultKind = "latency" | "throttle" | "error" | "lostResponse" | "lockConflict";
const KINDS: readonly FaultKind[] = ["latency", "throttle", "error", "lostResponse", "lockConflict"];
const SERVICES: readonly ServiceName[] = ["ec2", "elbv2", "sts", "s3", "glue", "wafv2", "athena"];

export interface FaultRule {
  readonly kind: FaultKind;
  /** Match only this service / operation (absent = any). */
  readonly service?: ServiceName;
  readonly operation?: string;
  /**
   * Match only calls that name this resource id in a form parameter (EC2: `ResourceId.N`,
   * `FlowLogId.N`, `NetworkAclId`...): e.g. fail every CreateFlowLogs call that includes one VPC.
   */
  readonly resource?: string;
  /** Probability per matching call, 0..1. Without `rate` and `nth` the rule fires on every matching call. */
  readonly rate?: number;
  /** Fire from the Nth matching call on (1-based), `times` times (default once). */
  readonly nth?: number;
  /** Fire at most this many times (default: unlimited, or 1 with `nth`). */
  readonly times?: number;
  /**
   * `error`, `lostResponse`: HTTP status (default 500) and wire code (default the service's
   * internal error code) of the answer.
   */
  readonly status?: number;
  readonly code?: string;
  readonly message?: string;
  /** `latency`: added delay in ms. */
  readonly latencyMs?: number;
}

export interface FaultConfig {
  /** Delay added to every request, ms. */
  readonly latencyMs?: number;
  /** Probability that any request is throttled with its service's throttling error. */
  readonly throttleRate?: number;
  /** RNG seed (default 1): the same seed and request sequence give the same faults. */
  readonly seed?: number;
  readonly rules?: readonly FaultRule[];
}

export type InjectedFault =
  | { readonly kind: "throttle" }
  | { readonly kind: "error"; readonly status: number; readonly code?: string; readonly message?: string }
  /** Perform the request, then answer with this error instead of its response. */
  | { readonly kind: "lostResponse"; readonly status: number; readonly code?: string; readonly message?: string };

export interface Decision {
  readonly latencyMs: number;
  readonly fault: InjectedFault | null;
}

export interface Faults extends FaultHooks {
  config(): FaultConfig;
  /** Replaces the configuration and restarts every rule's counters and the RNG. */
  set(config: FaultConfig): void;
  /**
   * Decides, for one request already routed to (service, operation), what to inject. `form`: the
   * request's form parameters (query protocols), which rules with `resource` look at.
   */
  decide(service: ServiceName, operation: string, form?: URLSearchParams): Decision;
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createFaults(initial: FaultConfig = {}): Faults {
  let cfg: FaultConfig = {};
  let random = rng(1);
  let matched: number[] = [];
  let fired: number[] = [];

  const fires = (
    i: number,
    rule: FaultRule,
    service: ServiceName,
    operation: string,
    form?: URLSearchParams,
  ): boolean => {
    if (rule.service !== undefined && rule.service !== service) return false;
    if (rule.operation !== undefined && rule.operation !== operation) return false;
    if (rule.resource !== undefined && ![...(form?.values() ?? [])].includes(rule.resource)) return false;
    const m = (matched[i] ?? 0) + 1;
    matched[i] = m;
    const limit = rule.times ?? (rule.nth !== undefined ? 1 : Number.POSITIVE_INFINITY);
    if ((fired[i] ?? 0) >= limit) return false;
    let hit: boolean;
    if (rule.nth !== undefined) hit = m >= rule.nth;
    else if (rule.rate !== undefined) hit = random() < rule.rate;
    else hit = true;
    if (hit) fired[i] = (fired[i] ?? 0) + 1;
    return hit;
  };

  const api: Faults = {
    config: () => cfg,
    set(config) {
      cfg = validateFaultConfig(config);
      random = rng(cfg.seed ?? 1);
      matched = [];
      fired = [];
    },
    decide(service, operation, form) {
      let latencyMs = cfg.latencyMs ?? 0;
      let fault: InjectedFault | null = null;
      const rules = cfg.rules ?? [];
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i] as FaultRule;
        if (rule.kind === "lockConflict") continue;
        if (rule.kind !== "latency" && fault !== null) continue;
        if (!fires(i, rule, service, operation, form)) continue;
        switch (rule.kind) {
          case "latency":
            latencyMs += rule.latencyMs ?? 0;
            break;
          case "throttle":
            fault = { kind: "throttle" };
            break;
          case "error":
          case "lostResponse":
            fault = {
              kind: rule.kind,
              status: rule.status ?? 500,
              ...(rule.code !== undefined ? { code: rule.code } : {}),
              ...(rule.message !== undefined ? { message: rule.message } : {}),
            };
            break;
        }
      }
      if (fault === null && cfg.throttleRate !== undefined && cfg.throttleRate > 0 && random() < cfg.throttleRate) {
        fault = { kind: "throttle" };
      }
      return { latencyMs, fault };
    },
    shouldForceLockConflict(operation) {
      const rules = cfg.rules ?? [];
      let hit = false;
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i] as FaultRule;
        if (rule.kind === "lockConflict" && fires(i, rule, "wafv2", operation)) hit = true;
      }
      return hit;
    },
  };
  api.set(initial);
  return api;
}

/** Checks a fault configuration from the control API or flags; throws Error with a readable message. */
export function validateFaultConfig(value: unknown): FaultConfig {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error("faults: expected an object");
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (!["latencyMs", "throttleRate", "seed", "rules"].includes(k)) throw new Error(`faults: unknown field "${k}"`);
  }
  num(v["latencyMs"], "latencyMs", 0);
  num(v["throttleRate"], "throttleRate", 0, 1);
  num(v["seed"], "seed");
  if (v["rules"] !== undefined && !Array.isArray(v["rules"])) throw new Error("faults: rules must be a list");
  const rules = (v["rules"] as unknown[] | undefined) ?? [];
  rules.forEach((r, i) => {
    const at = `rules[${i}]`;
    if (r === null || typeof r !== "object") throw new Error(`faults: ${at} must be an object`);
    const rule = r as Record<string, unknown>;
    const allowed = [
      "kind",
      "service",
      "operation",
      "resource",
      "rate",
      "nth",
      "times",
      "status",
      "code",
      "message",
      "latencyMs",
    ];
    for (const k of Object.keys(rule)) if (!allowed.includes(k)) throw new Error(`faults: ${at} unknown field "${k}"`);
    if (!KINDS.includes(rule["kind"] as FaultKind))
      throw new Error(`faults: ${at}.kind must be one of ${KINDS.join(", ")}`);
    if (rule["service"] !== undefined && !SERVICES.includes(rule["service"] as ServiceName)) {
      throw new Error(`faults: ${at}.service must be one of ${SERVICES.join(", ")}`);
    }
    if (rule["operation"] !== undefined && typeof rule["operation"] !== "string") {
      throw new Error(`faults: ${at}.operation must be a string`);
    }
    if (rule["resource"] !== undefined && (typeof rule["resource"] !== "string" || rule["resource"] === "")) {
      throw new Error(`faults: ${at}.resource must be a non-empty string`);
    }
    num(rule["rate"], `${at}.rate`, 0, 1);
    num(rule["nth"], `${at}.nth`, 1);
    num(rule["times"], `${at}.times`, 1);
    num(rule["status"], `${at}.status`, 400, 599);
    num(rule["latencyMs"], `${at}.latencyMs`, 0);
  });
  return v as FaultConfig;
}

function num(value: unknown, name: string, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(
      `faults: ${name} must be a number${min > Number.NEGATIVE_INFINITY ? ` between ${min} and ${max}` : ""}`,
    );
  }
}

/**
 * The `--faults` flag: inline JSON (starts with "{") or a JSON/YAML file, in the format of
 * `POST /_sandbox/faults`. Throws a usage SandboxError naming the file or the bad field.
 */
export function loadFaultsArg(value: string): FaultConfig {
  const inline = value.trimStart().startsWith("{");
  const source = inline ? "--faults" : value;
  let text = value;
  if (!inline) {
    try {
      text = readFileSync(value, "utf8");
    } catch (e) {
      throw new SandboxError(
        "usage",
        `cannot read faults file ${value}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    throw new SandboxError("usage", `${source} is not valid JSON or YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  try {
    return validateFaultConfig(parsed);
  } catch (e) {
    throw new SandboxError("usage", `${source}: ${(e as Error).message.replace(/^faults: /, "")}`);
  }
}
