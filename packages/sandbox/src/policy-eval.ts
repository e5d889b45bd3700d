// A small IAM resource-policy evaluator, enough to decide whether a bucket policy lets a service
// principal (delivery.logs.amazonaws.com) perform an action on an object. Supported: Effect,
// Principal ("*" or {Service}), Action/NotAction and Resource/NotResource with wildcards, and the
// condition operators String(Not)Equals, String(Not)Like, Arn(Not)Equals, Arn(Not)Like (with
// IfExists). A statement with an unsupported operator never matches. An explicit Deny wins.
import { wildcardMatch } from "./identity.js";

export interface ServiceRequest {
  readonly service: string;
  readonly action: string;
  readonly resource: string;
  /** Condition keys (case-insensitive), e.g. aws:SourceAccount. */
  readonly context: Readonly<Record<string, string>>;
}

export type Decision = "allow" | "explicit-deny" | "implicit-deny";

const asList = (v: unknown): string[] =>
  typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** Evaluates a policy document (JSON text or parsed). Unparseable policies allow nothing. */
export function evaluatePolicy(policy: string | Record<string, unknown> | null, req: ServiceRequest): Decision {
  if (policy === null) return "implicit-deny";
  let doc: unknown = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return "implicit-deny";
    }
  }
  const raw = (doc as { Statement?: unknown } | null)?.Statement;
  const statements = Array.isArray(raw) ? raw : raw !== undefined ? [raw] : [];
  let allowed = false;
  for (const s of statements) {
    if (s === null || typeof s !== "object") continue;
    const st = s as Record<string, unknown>;
    if (!statementApplies(st, req)) continue;
    if (st["Effect"] === "Deny") return "explicit-deny";
    if (st["Effect"] === "Allow") allowed = true;
  }
  return allowed ? "allow" : "implicit-deny";
}

function statementApplies(st: Record<string, unknown>, req: ServiceRequest): boolean {
  if (!principalMatches(st["Principal"], req.service)) return false;
  if (st["Action"] !== undefined && !asList(st["Action"]).some((a) => wildcardMatch(a, req.action))) return false;
  if (st["NotAction"] !== undefined && asList(st["NotAction"]).some((a) => wildcardMatch(a, req.action))) return false;
  if (st["Action"] === undefined && st["NotAction"] === undefined) return false;
  if (st["Resource"] !== undefined && !asList(st["Resource"]).some((r) => wildcardMatch(r, req.resource, false))) {
    return false;
  }
  if (st["NotResource"] !== undefined && asList(st["NotResource"]).some((r) => wildcardMatch(r, req.resource, false))) {
    return false;
  }
  if (st["Resource"] === undefined && st["NotResource"] === undefined) return false;
  return conditionsMatch(st["Condition"], req.context);
}

function principalMatches(principal: unknown, service: string): boolean {
  if (principal === "*") return true;
  if (principal === null || typeof principal !== "object") return false;
  return asList((principal as Record<string, unknown>)["Service"]).includes(service);
}

export function conditionsMatch(condition: unknown, context: Readonly<Record<string, string>>): boolean {
  if (condition === undefined) return true;
  if (condition === null || typeof condition !== "object") return false;
  const lower = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [operator, block] of Object.entries(condition as Record<string, unknown>)) {
    if (block === null || typeof block !== "object") return false;
    const ifExists = operator.endsWith("IfExists");
    const op = ifExists ? operator.slice(0, -"IfExists".length) : operator;
    for (const [key, expected] of Object.entries(block as Record<string, unknown>)) {
      const actual = lower.get(key.toLowerCase());
      const values = asList(expected);
      if (actual === undefined) {
        if (ifExists) continue;
        if (op.includes("Not")) continue;
        return false;
      }
      const result = compare(op, actual, values);
      if (result === null || !result) return false;
    }
  }
  return true;
}

function compare(op: string, actual: string, values: readonly string[]): boolean | null {
  switch (op) {
    case "StringEquals":
    case "ArnEquals":
      return values.includes(actual);
    case "StringNotEquals":
    case "ArnNotEquals":
      return !values.includes(actual);
    case "StringEqualsIgnoreCase":
      return values.some((v) => v.toLowerCase() === actual.toLowerCase());
    case "StringLike":
    case "ArnLike":
      return values.some((v) => wildcardMatch(v, actual, false));
    case "StringNotLike":
    case "ArnNotLike":
      return !values.some((v) => wildcardMatch(v, actual, false));
    default:
      return null;
  }
}
