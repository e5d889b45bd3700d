// WAFv2 (JSON 1.1, target prefix AWSWAF_20190729): IP sets, web ACLs, ALB associations, tags.
// State per (account, region): REGIONAL entities anywhere, CLOUDFRONT ones only in us-east-1.
//
// Decisions where AWS's behaviour is not documented (see docs/aws-behaviour.md, "WAFv2", the rules marked assumed):
// - more than 10,000 addresses in an IP set → WAFLimitsExceededException (it is a fixed quota);
// - two rules with the same name → WAFDuplicateItemException; the same priority →
//   WAFInvalidParameterException (Field RULE, Parameter Priority);
// - more than 50 country codes in one GeoMatchStatement → WAFInvalidParameterException;
// - AssociateWebACL on a load balancer that already has a web ACL replaces the association;
// - tag operations do not rotate the lock token.
import { assertNever } from "../errors.js";
import { decodeToken, encodeToken, jsonErrorResponse, jsonOperation, jsonResponse } from "../protocols/json.js";
import {
  ApiError,
  type EstateIpSet,
  type EstateWebAcl,
  type RegionEstate,
  type SandboxRequest,
  type SandboxResponse,
  type ServiceContext,
  type ServiceModule,
} from "../types.js";
import { lookupLoadBalancer, lookupLoadBalancerByName } from "./elbv2.js";
import { WAF_COUNTRY_CODES } from "./waf-countries.js";

type Scope = "REGIONAL" | "CLOUDFRONT";
type Json = Record<string, unknown>;

export interface WafTag {
  readonly Key: string;
  readonly Value: string;
}

export interface IpSetRecord {
  readonly id: string;
  readonly name: string;
  readonly scope: Scope;
  readonly arn: string;
  readonly version: "IPV4" | "IPV6";
  description?: string;
  addresses: string[];
  lockToken: string;
  tags: WafTag[];
}

export interface WebAclRecord {
  readonly id: string;
  readonly name: string;
  readonly scope: Scope;
  readonly arn: string;
  /** Epoch ms; the web ACL cannot be associated before createdAt + config.webAclAssociationDelayMs. */
  readonly createdAt: number;
  description?: string;
  defaultAction: Json;
  rules: Json[];
  visibilityConfig: Json;
  /** Optional members kept as sent (CustomResponseBodies, CaptchaConfig, TokenDomains, …). */
  extras: Json;
  capacity: number;
  /** ARNs of the IP sets the rules reference. */
  ipSetRefs: string[];
  lockToken: string;
  tags: WafTag[];
}

export interface WafState {
  ipSets: Record<string, IpSetRecord>;
  webAcls: Record<string, WebAclRecord>;
  /** Load balancer ARN → web ACL ARN. */
  associations: Record<string, string>;
}

const OPERATIONS = [
  "ListWebACLs",
  "GetWebACL",
  "CreateWebACL",
  "UpdateWebACL",
  "DeleteWebACL",
  "ListIPSets",
  "GetIPSet",
  "CreateIPSet",
  "UpdateIPSet",
  "DeleteIPSet",
  "AssociateWebACL",
  "DisassociateWebACL",
  "GetWebACLForResource",
  "ListResourcesForWebACL",
  "ListTagsForResource",
  "TagResource",
  "UntagResource",
  "CheckCapacity",
] as const;
type Op = (typeof OPERATIONS)[number];
const OPERATION_SET: ReadonlySet<string> = new Set(OPERATIONS);

/** Quotas (per account per region, or per entity). */
export const WAF_LIMITS = {
  webAcls: 100,
  ipSets: 100,
  addressesPerIpSet: 10_000,
  capacityPerWebAcl: 5_000,
  referencedSetsPerWebAcl: 50,
  countriesPerGeoStatement: 50,
  loadBalancersPerWebAcl: 100,
  tagsPerResource: 50,
} as const;

/** Optional CreateWebACL/UpdateWebACL members stored and echoed as sent. */
const WEB_ACL_EXTRAS = [
  "CustomResponseBodies",
  "CaptchaConfig",
  "ChallengeConfig",
  "TokenDomains",
  "AssociationConfig",
  "DataProtectionConfig",
  "OnSourceDDoSProtectionConfig",
  "ApplicationConfig",
] as const;

// ---------------------------------------------------------------- errors

const REASON_FORMAT = "The parameter contains formatting that is not valid.";
const REASON_EXACTLY_ONE = "You have used none or multiple values for a field that requires exactly one value.";

function invalidParam(field: string, parameter: string, reason: string = REASON_FORMAT): ApiError {
  return new ApiError(
    "WAFInvalidParameterException",
    `Error reason: ${reason}, field: ${field}, parameter: ${parameter}`,
    400,
    { Field: field, Parameter: parameter, Reason: reason },
  );
}

function nonexistent(): ApiError {
  return new ApiError(
    "WAFNonexistentItemException",
    "AWS WAF couldn't perform the operation because your resource doesn't exist. If you've just created a resource that you're using in this operation, you might just need to wait a few minutes.",
  );
}

function duplicate(): ApiError {
  return new ApiError(
    "WAFDuplicateItemException",
    "AWS WAF couldn't perform the operation because some resource in your request is a duplicate of an existing one.",
  );
}

function optimisticLock(): ApiError {
  return new ApiError(
    "WAFOptimisticLockException",
    "AWS WAF couldn't save your changes because you tried to update or delete a resource that has changed since you last retrieved it. Get the resource again, make any changes you need to make to the new copy, and retry your operation.",
  );
}

function associated(): ApiError {
  return new ApiError(
    "WAFAssociatedItemException",
    "AWS WAF couldn't perform the operation because your resource is being used by another resource or it's associated with another resource.",
  );
}

function limitsExceeded(what: string): ApiError {
  return new ApiError(
    "WAFLimitsExceededException",
    `AWS WAF couldn't perform the operation because you exceeded your resource limit (${what}). For more information, see WAF quotas in the WAF Developer Guide.`,
  );
}

function unavailable(): ApiError {
  return new ApiError(
    "WAFUnavailableEntityException",
    "AWS WAF couldn't retrieve a resource that you specified for this operation. If you've just created a resource that you're using in this operation, you might just need to wait a few minutes. It can take from a few seconds to a number of minutes for changes to propagate. Verify the resources that you are specifying in your request parameters and then retry the operation.",
  );
}

// ---------------------------------------------------------------- input readers

const NAME = /^[\w-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DESCRIPTION = /^[\w+=:#@/\-,.][\w+=:#@/\-,.\s]+[\w+=:#@/\-,.]$/;
const METRIC_NAME = /^[\w#:.\-/]{1,255}$/;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const HEADER_NAME = /^[a-zA-Z0-9-]{1,255}$/;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readString(body: Json, member: string, field: string, pattern?: RegExp): string {
  const value = body[member];
  if (typeof value !== "string" || value === "") throw invalidParam(field, member, REASON_EXACTLY_ONE);
  if (pattern !== undefined && !pattern.test(value)) throw invalidParam(field, member);
  return value;
}

function readScope(req: SandboxRequest): Scope {
  const value = req.json["Scope"];
  if (value !== "REGIONAL" && value !== "CLOUDFRONT") throw invalidParam("SCOPE_VALUE", "Scope");
  if (value === "CLOUDFRONT" && req.region !== "us-east-1") {
    throw invalidParam("SCOPE_VALUE", "Scope", "The scope is not valid.");
  }
  return value;
}

function readDescription(body: Json): string | undefined {
  const value = body["Description"];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > 256 || !DESCRIPTION.test(value)) {
    throw invalidParam("WEB_ACL", "Description");
  }
  return value;
}

function readTags(value: unknown): WafTag[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length === 0) throw invalidParam("TAGS", "Tags", REASON_EXACTLY_ONE);
  const tags: WafTag[] = [];
  for (const t of value) {
    if (!isObject(t) || typeof t["Key"] !== "string" || typeof t["Value"] !== "string") {
      throw invalidParam("TAGS", "Tags");
    }
    const key = t["Key"];
    const val = t["Value"];
    if (key.length < 1 || key.length > 128 || !TAG_CHARS.test(key)) throw invalidParam("TAGS", key);
    if (val.length > 256 || !TAG_CHARS.test(val)) throw invalidParam("TAGS", val);
    tags.push({ Key: key, Value: val });
  }
  return tags;
}

/** Merges `incoming` into `tags` (same key replaces); enforces the per-resource tag quota. */
function mergeTags(tags: readonly WafTag[], incoming: readonly WafTag[]): WafTag[] {
  const byKey = new Map(tags.map((t) => [t.Key, t]));
  for (const t of incoming) byKey.set(t.Key, t);
  if (byKey.size > WAF_LIMITS.tagsPerResource) throw limitsExceeded("50 tags per resource");
  return [...byKey.values()];
}

function pageLimit(req: SandboxRequest, ctx: ServiceContext): number {
  const raw = req.json["Limit"];
  if (raw === undefined || raw === null) return Math.min(100, ctx.config.defaultPageSize);
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1 || raw > 100)
    throw invalidParam("ENTITY_LIMIT", "Limit");
  return raw;
}

/**
 * One page of `items` (sorted by `key`) after NextMarker. With config.wafAlwaysNextMarker, the
 * last page also carries a NextMarker (a real AWS quirk); following it yields an empty page.
 */
function paginate<T>(
  req: SandboxRequest,
  ctx: ServiceContext,
  tag: string,
  items: readonly T[],
  key: (item: T) => string,
): { page: T[]; next?: string } {
  const limit = pageLimit(req, ctx);
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const marker = req.json["NextMarker"];
  let start = 0;
  if (marker !== undefined && marker !== null) {
    const after = typeof marker === "string" ? decodeToken(tag, marker) : undefined;
    if (after === undefined) throw invalidParam("ENTITY_LIMIT", "NextMarker");
    start = sorted.findIndex((item) => key(item) > after);
    if (start < 0) return { page: [] };
  }
  const page = sorted.slice(start, start + limit);
  const last = page[page.length - 1];
  if (start + limit < sorted.length && last !== undefined) return { page, next: encodeToken(tag, key(last)) };
  if (ctx.config.wafAlwaysNextMarker) return { page, next: encodeToken(tag, last === undefined ? "" : key(last)) };
  return { page };
}

// ---------------------------------------------------------------- addresses

/** Parses an IPv6 address into a bigint; null when malformed. */
function parseIpv6(text: string): bigint | null {
  let head = text;
  let tailV4: number[] | null = null;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tailV4 = parseIpv4Octets(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): string[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? groups : null;
  };
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  if (left === null || right === null) return null;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  if (tailV4 !== null) {
    value = (value >> 32n) << 32n;
    value |= BigInt(((tailV4[0]! << 24) | (tailV4[1]! << 16) | (tailV4[2]! << 8) | tailV4[3]!) >>> 0);
  }
  return value;
}

function parseIpv4Octets(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets;
}

/**
 * Why `address` is not a valid IP-set entry for `version` (null when it is): CIDR notation
 * required, right family, prefix 1–32 / 1–128 (no /0), no host bits set.
 */
export function ipSetAddressProblem(address: string, version: "IPV4" | "IPV6"): string | null {
  if (address.length < 1 || address.length > 50) return "length must be 1-50";
  const slash = address.indexOf("/");
  if (slash < 0) return "not in CIDR notation";
  const ip = address.slice(0, slash);
  const prefixText = address.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return "bad prefix length";
  const prefix = Number(prefixText);
  const isV6 = ip.includes(":");
  if ((version === "IPV4") === isV6) return `not an ${version === "IPV4" ? "IPv4" : "IPv6"} address`;
  if (!isV6) {
    const octets = parseIpv4Octets(ip);
    if (octets === null) return "malformed IPv4 address";
    if (prefix < 1 || prefix > 32) return "prefix length must be 1-32";
    const value = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
    const hostMask = prefix === 32 ? 0 : 0xffffffff >>> prefix;
    return (value & hostMask) === 0 ? null : "host bits set";
  }
  const value = parseIpv6(ip);
  if (value === null) return "malformed IPv6 address";
  if (prefix < 1 || prefix > 128) return "prefix length must be 1-128";
  const hostMask = (1n << BigInt(128 - prefix)) - 1n;
  return (value & hostMask) === 0n ? null : "host bits set";
}

function readAddresses(body: Json, version: "IPV4" | "IPV6"): string[] {
  const value = body["Addresses"];
  if (!Array.isArray(value)) throw invalidParam("IP_ADDRESS", "Addresses", REASON_EXACTLY_ONE);
  if (value.length > WAF_LIMITS.addressesPerIpSet) throw limitsExceeded("10,000 addresses per IP set");
  const out: string[] = [];
  for (const a of value) {
    if (typeof a !== "string" || ipSetAddressProblem(a, version) !== null) throw invalidParam("IP_ADDRESS", String(a));
    out.push(a);
  }
  return out;
}

// ---------------------------------------------------------------- rules and capacity

const MANAGED_RULE_GROUP_WCU: Readonly<Record<string, number>> = {
  AWSManagedRulesCommonRuleSet: 700,
  AWSManagedRulesAdminProtectionRuleSet: 100,
  AWSManagedRulesKnownBadInputsRuleSet: 200,
  AWSManagedRulesSQLiRuleSet: 200,
  AWSManagedRulesLinuxRuleSet: 200,
  AWSManagedRulesUnixRuleSet: 100,
  AWSManagedRulesWindowsRuleSet: 200,
  AWSManagedRulesPHPRuleSet: 100,
  AWSManagedRulesWordPressRuleSet: 100,
  AWSManagedRulesAmazonIpReputationList: 25,
  AWSManagedRulesAnonymousIpList: 50,
  AWSManagedRulesBotControlRuleSet: 50,
  AWSManagedRulesATPRuleSet: 50,
  AWSManagedRulesACFPRuleSet: 50,
  AWSManagedRulesAntiDDoSRuleSet: 50,
};

const STATEMENT_FIELDS: Readonly<Record<string, string>> = {
  GeoMatchStatement: "GEO_MATCH_STATEMENT",
  IPSetReferenceStatement: "IP_SET_REFERENCE_STATEMENT",
  AndStatement: "AND_STATEMENT",
  OrStatement: "OR_STATEMENT",
  NotStatement: "NOT_STATEMENT",
  ByteMatchStatement: "BYTE_MATCH_STATEMENT",
  SqliMatchStatement: "SQLI_MATCH_STATEMENT",
  XssMatchStatement: "XSS_MATCH_STATEMENT",
  SizeConstraintStatement: "SIZE_CONSTRAINT_STATEMENT",
  RegexMatchStatement: "STATEMENT",
  RegexPatternSetReferenceStatement: "REGEX_PATTERN_REFERENCE_STATEMENT",
  RuleGroupReferenceStatement: "RULE_GROUP_REFERENCE_STATEMENT",
  ManagedRuleGroupStatement: "MANAGED_RULE_SET_STATEMENT",
  RateBasedStatement: "RATE_BASED_STATEMENT",
  LabelMatchStatement: "LABEL_MATCH_STATEMENT",
  AsnMatchStatement: "STATEMENT",
};

/** What validating a statement needs: the IP sets it may reference and the references found. */
interface StatementScope {
  readonly state: WafState;
  readonly scope: Scope;
  readonly refs: Set<string>;
}

function checkForwardedIpConfig(config: unknown, field: string, withPosition: boolean): number {
  if (config === undefined) return 0;
  if (!isObject(config)) throw invalidParam(field, "ForwardedIPConfig");
  if (typeof config["HeaderName"] !== "string" || !HEADER_NAME.test(config["HeaderName"])) {
    throw invalidParam("HEADER_NAME", String(config["HeaderName"]));
  }
  if (config["FallbackBehavior"] !== "MATCH" && config["FallbackBehavior"] !== "NO_MATCH") {
    throw invalidParam("FALLBACK_BEHAVIOR", String(config["FallbackBehavior"]));
  }
  if (withPosition) {
    const position = config["Position"];
    if (position !== "FIRST" && position !== "LAST" && position !== "ANY")
      throw invalidParam("POSITION", String(position));
    return position === "ANY" ? 4 : 0;
  }
  return 0;
}

/** 10 WCU per text transformation other than NONE. */
function transformationsWcu(value: unknown): number {
  if (!Array.isArray(value) || value.length === 0) throw invalidParam("TEXT_TRANSFORMATION", "TextTransformations");
  return value.filter((t) => isObject(t) && t["Type"] !== "NONE").length * 10;
}

/** Validates one statement (recursively) and returns its capacity in WCU. */
function statementWcu(statement: unknown, sc: StatementScope): number {
  if (!isObject(statement)) throw invalidParam("STATEMENT", "Statement", REASON_EXACTLY_ONE);
  const keys = Object.keys(statement).filter((k) => statement[k] !== undefined && statement[k] !== null);
  if (keys.length !== 1) throw invalidParam("STATEMENT", "Statement", REASON_EXACTLY_ONE);
  const kind = keys[0]!;
  const field = STATEMENT_FIELDS[kind];
  const body = statement[kind];
  if (field === undefined) throw invalidParam("STATEMENT", kind);
  if (!isObject(body)) throw invalidParam(field, kind);
  switch (kind) {
    case "GeoMatchStatement": {
      const codes = body["CountryCodes"];
      if (!Array.isArray(codes) || codes.length === 0) throw invalidParam(field, "CountryCodes", REASON_EXACTLY_ONE);
      if (codes.length > WAF_LIMITS.countriesPerGeoStatement) {
        throw invalidParam(field, "CountryCodes", "The number of country codes exceeds the limit of 50.");
      }
      for (const code of codes) {
        if (typeof code !== "string" || !WAF_COUNTRY_CODES.has(code)) throw invalidParam(field, String(code));
      }
      checkForwardedIpConfig(body["ForwardedIPConfig"], "FORWARDED_IP_CONFIG", false);
      return 1;
    }
    case "IPSetReferenceStatement": {
      const arn = body["ARN"];
      if (typeof arn !== "string" || arn.length < 20) throw invalidParam(field, "ARN");
      const set = Object.values(sc.state.ipSets).find((s) => s.arn === arn && s.scope === sc.scope);
      if (set === undefined) throw nonexistent();
      sc.refs.add(arn);
      return 1 + checkForwardedIpConfig(body["IPSetForwardedIPConfig"], "IP_SET_FORWARDED_IP_CONFIG", true);
    }
    case "AndStatement":
    case "OrStatement": {
      const list = body["Statements"];
      if (!Array.isArray(list) || list.length < 2) throw invalidParam(field, "Statements");
      return list.reduce<number>((sum, s) => sum + statementWcu(s, sc), 0);
    }
    case "NotStatement":
      return statementWcu(body["Statement"], sc);
    case "ByteMatchStatement": {
      const position = body["PositionalConstraint"];
      const base = position === "CONTAINS" || position === "CONTAINS_WORD" ? 10 : 2;
      if (!["EXACTLY", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CONTAINS_WORD"].includes(String(position))) {
        throw invalidParam(field, "PositionalConstraint");
      }
      if (body["FieldToMatch"] === undefined) throw invalidParam("FIELD_TO_MATCH", "FieldToMatch", REASON_EXACTLY_ONE);
      return base + transformationsWcu(body["TextTransformations"]);
    }
    case "SqliMatchStatement":
      return (body["SensitivityLevel"] === "HIGH" ? 30 : 20) + transformationsWcu(body["TextTransformations"]);
    case "XssMatchStatement":
      return 40 + transformationsWcu(body["TextTransformations"]);
    case "SizeConstraintStatement":
      return 1 + transformationsWcu(body["TextTransformations"]);
    case "RegexMatchStatement":
      return 3 + transformationsWcu(body["TextTransformations"]);
    case "RegexPatternSetReferenceStatement":
    case "RuleGroupReferenceStatement":
      // Regex pattern sets and rule groups are not modelled: no reference can exist.
      throw nonexistent();
    case "ManagedRuleGroupStatement": {
      const wcu = body["VendorName"] === "AWS" ? MANAGED_RULE_GROUP_WCU[String(body["Name"])] : undefined;
      if (wcu === undefined) throw nonexistent();
      const scopeDown = body["ScopeDownStatement"];
      return wcu + (scopeDown === undefined ? 0 : statementWcu(scopeDown, sc));
    }
    case "RateBasedStatement": {
      const limit = body["Limit"];
      if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 10 || limit > 2_000_000_000) {
        throw invalidParam(field, "Limit");
      }
      const aggregate = body["AggregateKeyType"];
      if (!["IP", "FORWARDED_IP", "CUSTOM_KEYS", "CONSTANT"].includes(String(aggregate))) {
        throw invalidParam(field, "AggregateKeyType");
      }
      const keys = Array.isArray(body["CustomKeys"]) ? body["CustomKeys"].length : 0;
      const scopeDown = body["ScopeDownStatement"];
      return 2 + keys * 30 + (scopeDown === undefined ? 0 : statementWcu(scopeDown, sc));
    }
    case "LabelMatchStatement":
      if (body["Scope"] !== "LABEL" && body["Scope"] !== "NAMESPACE") throw invalidParam(field, "Scope");
      if (typeof body["Key"] !== "string" || body["Key"] === "") throw invalidParam(field, "Key");
      return 1;
    case "AsnMatchStatement":
      if (!Array.isArray(body["AsnList"]) || body["AsnList"].length === 0) throw invalidParam(field, "AsnList");
      return 1;
    default:
      throw invalidParam("STATEMENT", kind);
  }
}

function checkVisibilityConfig(value: unknown, field: string): void {
  if (!isObject(value)) throw invalidParam(field, "VisibilityConfig", REASON_EXACTLY_ONE);
  if (typeof value["SampledRequestsEnabled"] !== "boolean") throw invalidParam(field, "SampledRequestsEnabled");
  if (typeof value["CloudWatchMetricsEnabled"] !== "boolean") throw invalidParam(field, "CloudWatchMetricsEnabled");
  const metric = value["MetricName"];
  if (typeof metric !== "string" || !METRIC_NAME.test(metric) || metric === "All" || metric === "Default_Action") {
    throw invalidParam("METRIC_NAME", String(metric));
  }
}

function exactlyOneOf(value: unknown, allowed: readonly string[], field: string, parameter: string): void {
  if (!isObject(value)) throw invalidParam(field, parameter, REASON_EXACTLY_ONE);
  const keys = Object.keys(value).filter((k) => value[k] !== undefined && value[k] !== null);
  if (keys.length !== 1 || !allowed.includes(keys[0]!) || !isObject(value[keys[0]!])) {
    throw invalidParam(field, parameter, REASON_EXACTLY_ONE);
  }
}

/** Validates a rule list; returns the total capacity and the referenced IP-set ARNs. */
export function checkRules(rules: unknown, state: WafState, scope: Scope): { capacity: number; refs: string[] } {
  if (rules === undefined || rules === null) return { capacity: 0, refs: [] };
  if (!Array.isArray(rules)) throw invalidParam("RULE", "Rules");
  const names = new Set<string>();
  const priorities = new Set<number>();
  const sc: StatementScope = { state, scope, refs: new Set() };
  let capacity = 0;
  for (const rule of rules) {
    if (!isObject(rule)) throw invalidParam("RULE", "Rule");
    const name = rule["Name"];
    if (typeof name !== "string" || !NAME.test(name)) throw invalidParam("RULE", String(name));
    const priority = rule["Priority"];
    if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0) {
      throw invalidParam("RULE", "Priority");
    }
    if (names.has(name)) throw duplicate();
    if (priorities.has(priority)) throw invalidParam("RULE", "Priority", "A duplicate value was found for a field.");
    names.add(name);
    priorities.add(priority);
    checkVisibilityConfig(rule["VisibilityConfig"], "RULE");
    const statement = rule["Statement"];
    const isGroup =
      isObject(statement) &&
      (statement["ManagedRuleGroupStatement"] !== undefined || statement["RuleGroupReferenceStatement"] !== undefined);
    const hasAction = rule["Action"] !== undefined && rule["Action"] !== null;
    const hasOverride = rule["OverrideAction"] !== undefined && rule["OverrideAction"] !== null;
    if (isGroup) {
      if (hasAction || !hasOverride) throw invalidParam("OVERRIDE_ACTION", "OverrideAction", REASON_EXACTLY_ONE);
      exactlyOneOf(rule["OverrideAction"], ["Count", "None"], "OVERRIDE_ACTION", "OverrideAction");
    } else {
      if (hasOverride || !hasAction) throw invalidParam("RULE_ACTION", "RuleAction", REASON_EXACTLY_ONE);
      exactlyOneOf(rule["Action"], ["Block", "Allow", "Count", "Captcha", "Challenge"], "RULE_ACTION", "RuleAction");
    }
    capacity += statementWcu(statement, sc);
  }
  if (sc.refs.size > WAF_LIMITS.referencedSetsPerWebAcl) throw limitsExceeded("50 referenced sets per web ACL");
  return { capacity, refs: [...sc.refs].sort() };
}

// ---------------------------------------------------------------- entities

function arnFor(
  req: { region: string; account: string },
  scope: Scope,
  kind: "webacl" | "ipset",
  name: string,
  id: string,
): string {
  const where = scope === "REGIONAL" ? "regional" : "global";
  return `arn:aws:wafv2:${req.region}:${req.account}:${where}/${kind}/${name}/${id}`;
}

function wafState(req: SandboxRequest, ctx: ServiceContext): WafState {
  return ctx.state<WafState>("wafv2", req.account, req.region);
}

function summary(e: { name: string; id: string; description?: string; lockToken: string; arn: string }): Json {
  return {
    Name: e.name,
    Id: e.id,
    ...(e.description === undefined ? {} : { Description: e.description }),
    LockToken: e.lockToken,
    ARN: e.arn,
  };
}

/** The entity named by Name + Scope + Id (or ARN when `allowArn`); WAFNonexistentItemException otherwise. */
function findEntity<T extends { name: string; id: string; scope: Scope; arn: string }>(
  req: SandboxRequest,
  entities: Record<string, T>,
  allowArn: boolean,
): T {
  const arn = req.json["ARN"];
  if (allowArn && typeof arn === "string" && req.json["Id"] === undefined) {
    const found = Object.values(entities).find((e) => e.arn === arn);
    if (found === undefined) throw nonexistent();
    return found;
  }
  const scope = readScope(req);
  const name = readString(req.json, "Name", "RESOURCE_ARN", NAME);
  const id = readString(req.json, "Id", "RESOURCE_ARN");
  if (!UUID.test(id)) throw nonexistent();
  const found = entities[id];
  if (found === undefined || found.name !== name || found.scope !== scope) throw nonexistent();
  return found;
}

function checkLock(req: SandboxRequest, ctx: ServiceContext, op: Op, entity: { lockToken: string }): void {
  const token = readString(req.json, "LockToken", "RESOURCE_ARN");
  if (token !== entity.lockToken || ctx.faults?.shouldForceLockConflict(op)) throw optimisticLock();
}

function webAclOut(acl: WebAclRecord, account: string): Json {
  return {
    Name: acl.name,
    Id: acl.id,
    ARN: acl.arn,
    DefaultAction: acl.defaultAction,
    ...(acl.description === undefined ? {} : { Description: acl.description }),
    Rules: acl.rules,
    VisibilityConfig: acl.visibilityConfig,
    Capacity: acl.capacity,
    ManagedByFirewallManager: false,
    LabelNamespace: `awswaf:${account}:webacl:${acl.name}:`,
    RetrofittedByFirewallManager: false,
    ...acl.extras,
  };
}

function ipSetOut(set: IpSetRecord): Json {
  return {
    Name: set.name,
    Id: set.id,
    ARN: set.arn,
    ...(set.description === undefined ? {} : { Description: set.description }),
    IPAddressVersion: set.version,
    Addresses: set.addresses,
  };
}

/** The web ACL definition members of a Create/UpdateWebACL request, validated. */
function readWebAclDefinition(
  body: Json,
  state: WafState,
  scope: Scope,
): Pick<WebAclRecord, "defaultAction" | "rules" | "visibilityConfig" | "extras" | "capacity" | "ipSetRefs"> & {
  description: string | undefined;
} {
  exactlyOneOf(body["DefaultAction"], ["Allow", "Block"], "DEFAULT_ACTION", "DefaultAction");
  checkVisibilityConfig(body["VisibilityConfig"], "WEB_ACL");
  const description = readDescription(body);
  const { capacity, refs } = checkRules(body["Rules"], state, scope);
  if (capacity > WAF_LIMITS.capacityPerWebAcl) throw limitsExceeded(`web ACL capacity ${capacity} WCU exceeds 5,000`);
  const extras: Json = {};
  for (const key of WEB_ACL_EXTRAS) if (body[key] !== undefined && body[key] !== null) extras[key] = body[key];
  return {
    defaultAction: body["DefaultAction"] as Json,
    rules: (Array.isArray(body["Rules"]) ? body["Rules"] : []) as Json[],
    visibilityConfig: body["VisibilityConfig"] as Json,
    extras,
    capacity,
    ipSetRefs: refs,
    description,
  };
}

function nameTaken(entities: Record<string, { name: string; scope: Scope }>, name: string, scope: Scope): boolean {
  return Object.values(entities).some((e) => e.name === name && e.scope === scope);
}

/** Finds a web ACL or IP set by ARN (for tag operations and associations). */
function entityByArn(state: WafState, arn: unknown): WebAclRecord | IpSetRecord | undefined {
  if (typeof arn !== "string") return undefined;
  return (
    Object.values(state.webAcls).find((e) => e.arn === arn) ?? Object.values(state.ipSets).find((e) => e.arn === arn)
  );
}

/** The ALB a ResourceArn names, in the caller's account and region; throws as WAF does otherwise. */
function loadBalancerFor(req: SandboxRequest, ctx: ServiceContext): string {
  const arn = req.json["ResourceArn"];
  if (typeof arn !== "string" || arn.length < 20 || arn.length > 2048 || !arn.startsWith("arn:")) {
    throw invalidParam("RESOURCE_ARN", String(arn));
  }
  const lb = lookupLoadBalancer(ctx, arn);
  if (lb === null || lb.account !== req.account || lb.region !== req.region) throw nonexistent();
  if (lb.type !== "application") throw invalidParam("RESOURCE_ARN", arn, "The ARN isn't valid.");
  return lb.arn;
}

function webAclByArn(req: SandboxRequest, state: WafState, member: string): WebAclRecord {
  const arn = req.json[member];
  if (typeof arn !== "string" || arn.length < 20) throw invalidParam("RESOURCE_ARN", member);
  const acl = Object.values(state.webAcls).find((a) => a.arn === arn);
  if (acl === undefined) throw nonexistent();
  return acl;
}

// ---------------------------------------------------------------- operations

function handle(op: Op, req: SandboxRequest, ctx: ServiceContext): SandboxResponse {
  const state = wafState(req, ctx);
  const body = req.json;
  switch (op) {
    case "ListWebACLs": {
      const scope = readScope(req);
      const acls = Object.values(state.webAcls).filter((a) => a.scope === scope);
      const { page, next } = paginate(req, ctx, `webacls:${scope}`, acls, (a) => `${a.name}/${a.id}`);
      return jsonResponse(req, { WebACLs: page.map(summary), ...(next === undefined ? {} : { NextMarker: next }) });
    }
    case "ListIPSets": {
      const scope = readScope(req);
      const sets = Object.values(state.ipSets).filter((s) => s.scope === scope);
      const { page, next } = paginate(req, ctx, `ipsets:${scope}`, sets, (s) => `${s.name}/${s.id}`);
      return jsonResponse(req, { IPSets: page.map(summary), ...(next === undefined ? {} : { NextMarker: next }) });
    }
    case "GetWebACL": {
      const acl = findEntity(req, state.webAcls, true);
      return jsonResponse(req, { WebACL: webAclOut(acl, req.account), LockToken: acl.lockToken });
    }
    case "GetIPSet": {
      const set = findEntity(req, state.ipSets, false);
      return jsonResponse(req, { IPSet: ipSetOut(set), LockToken: set.lockToken });
    }
    case "CreateIPSet": {
      const scope = readScope(req);
      const name = readString(body, "Name", "IP_SET", NAME);
      const version = body["IPAddressVersion"];
      if (version !== "IPV4" && version !== "IPV6") throw invalidParam("IP_ADDRESS_VERSION", String(version));
      const description = readDescription(body);
      const addresses = readAddresses(body, version);
      const tags = readTags(body["Tags"]);
      if (tags.length > WAF_LIMITS.tagsPerResource) throw limitsExceeded("50 tags per resource");
      if (nameTaken(state.ipSets, name, scope)) throw duplicate();
      if (Object.keys(state.ipSets).length >= WAF_LIMITS.ipSets) throw limitsExceeded("100 IP sets per region");
      const id = ctx.newId("uuid");
      const set: IpSetRecord = {
        id,
        name,
        scope,
        arn: arnFor(req, scope, "ipset", name, id),
        version,
        ...(description === undefined ? {} : { description }),
        addresses,
        lockToken: ctx.newId("uuid"),
        tags,
      };
      state.ipSets[id] = set;
      ctx.touch();
      return jsonResponse(req, { Summary: summary(set) });
    }
    case "UpdateIPSet": {
      const set = findEntity(req, state.ipSets, false);
      const description = readDescription(body);
      const addresses = readAddresses(body, set.version);
      checkLock(req, ctx, op, set);
      set.addresses = addresses;
      if (description === undefined) delete set.description;
      else set.description = description;
      set.lockToken = ctx.newId("uuid");
      ctx.touch();
      return jsonResponse(req, { NextLockToken: set.lockToken });
    }
    case "DeleteIPSet": {
      const set = findEntity(req, state.ipSets, false);
      checkLock(req, ctx, op, set);
      if (Object.values(state.webAcls).some((a) => a.ipSetRefs.includes(set.arn))) throw associated();
      delete state.ipSets[set.id];
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "CreateWebACL": {
      const scope = readScope(req);
      const name = readString(body, "Name", "WEB_ACL", NAME);
      const def = readWebAclDefinition(body, state, scope);
      const tags = readTags(body["Tags"]);
      if (tags.length > WAF_LIMITS.tagsPerResource) throw limitsExceeded("50 tags per resource");
      if (nameTaken(state.webAcls, name, scope)) throw duplicate();
      if (Object.keys(state.webAcls).length >= WAF_LIMITS.webAcls) throw limitsExceeded("100 web ACLs per region");
      const id = ctx.newId("uuid");
      const { description, ...rest } = def;
      const acl: WebAclRecord = {
        id,
        name,
        scope,
        arn: arnFor(req, scope, "webacl", name, id),
        createdAt: ctx.now().getTime(),
        ...(description === undefined ? {} : { description }),
        ...rest,
        lockToken: ctx.newId("uuid"),
        tags,
      };
      state.webAcls[id] = acl;
      ctx.touch();
      return jsonResponse(req, { Summary: summary(acl) });
    }
    case "UpdateWebACL": {
      const acl = findEntity(req, state.webAcls, false);
      const def = readWebAclDefinition(body, state, acl.scope);
      checkLock(req, ctx, op, acl);
      acl.defaultAction = def.defaultAction;
      acl.rules = def.rules;
      acl.visibilityConfig = def.visibilityConfig;
      acl.extras = def.extras;
      acl.capacity = def.capacity;
      acl.ipSetRefs = def.ipSetRefs;
      if (def.description === undefined) delete acl.description;
      else acl.description = def.description;
      acl.lockToken = ctx.newId("uuid");
      ctx.touch();
      return jsonResponse(req, { NextLockToken: acl.lockToken });
    }
    case "DeleteWebACL": {
      const acl = findEntity(req, state.webAcls, false);
      checkLock(req, ctx, op, acl);
      if (Object.values(state.associations).includes(acl.arn)) throw associated();
      delete state.webAcls[acl.id];
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "CheckCapacity": {
      const scope = readScope(req);
      return jsonResponse(req, { Capacity: checkRules(body["Rules"], state, scope).capacity });
    }
    case "AssociateWebACL": {
      const acl = webAclByArn(req, state, "WebACLArn");
      const lbArn = loadBalancerFor(req, ctx);
      if (acl.scope !== "REGIONAL") throw invalidParam("RESOURCE_ARN", lbArn, "The ARN isn't valid.");
      if (ctx.now().getTime() < acl.createdAt + ctx.config.webAclAssociationDelayMs) throw unavailable();
      if (state.associations[lbArn] !== acl.arn) {
        const count = Object.values(state.associations).filter((a) => a === acl.arn).length;
        if (count >= WAF_LIMITS.loadBalancersPerWebAcl) throw limitsExceeded("100 load balancers per web ACL");
      }
      state.associations[lbArn] = acl.arn;
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "DisassociateWebACL": {
      const lbArn = loadBalancerFor(req, ctx);
      if (state.associations[lbArn] !== undefined) {
        delete state.associations[lbArn];
        ctx.touch();
      }
      return jsonResponse(req, {});
    }
    case "GetWebACLForResource": {
      const lbArn = loadBalancerFor(req, ctx);
      const aclArn = state.associations[lbArn];
      const acl = aclArn === undefined ? undefined : Object.values(state.webAcls).find((a) => a.arn === aclArn);
      return jsonResponse(req, acl === undefined ? {} : { WebACL: webAclOut(acl, req.account) });
    }
    case "ListResourcesForWebACL": {
      const acl = webAclByArn(req, state, "WebACLArn");
      const type = body["ResourceType"] ?? "APPLICATION_LOAD_BALANCER";
      const types = [
        "APPLICATION_LOAD_BALANCER",
        "API_GATEWAY",
        "APPSYNC",
        "COGNITO_USER_POOL",
        "APP_RUNNER_SERVICE",
        "VERIFIED_ACCESS_INSTANCE",
        "AMPLIFY",
      ];
      if (!types.includes(String(type))) throw invalidParam("RESOURCE_TYPE", String(type));
      const arns =
        type === "APPLICATION_LOAD_BALANCER"
          ? Object.entries(state.associations)
              .filter(([, a]) => a === acl.arn)
              .map(([lb]) => lb)
              .sort()
          : [];
      return jsonResponse(req, { ResourceArns: arns });
    }
    case "ListTagsForResource": {
      const entity = entityByArn(state, body["ResourceARN"]);
      if (entity === undefined) throw nonexistent();
      const { page, next } = paginate(req, ctx, `tags:${entity.arn}`, entity.tags, (t) => t.Key);
      return jsonResponse(req, {
        TagInfoForResource: { ResourceARN: entity.arn, TagList: page },
        ...(next === undefined ? {} : { NextMarker: next }),
      });
    }
    case "TagResource": {
      const entity = entityByArn(state, body["ResourceARN"]);
      const tags = readTags(body["Tags"]);
      if (tags.length === 0) throw invalidParam("TAGS", "Tags", REASON_EXACTLY_ONE);
      if (entity === undefined) throw nonexistent();
      entity.tags = mergeTags(entity.tags, tags);
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "UntagResource": {
      const entity = entityByArn(state, body["ResourceARN"]);
      const keys = body["TagKeys"];
      if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== "string")) {
        throw invalidParam("TAG_KEYS", "TagKeys", REASON_EXACTLY_ONE);
      }
      if (entity === undefined) throw nonexistent();
      entity.tags = entity.tags.filter((t) => !keys.includes(t.Key));
      ctx.touch();
      return jsonResponse(req, {});
    }
    default:
      return assertNever(op, "operation");
  }
}

// ---------------------------------------------------------------- seeding

function seedError(what: string, e: unknown): Error {
  const detail = e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
  return new Error(`estate ${what}: ${detail}`);
}

function seedIpSet(
  s: EstateIpSet,
  state: WafState,
  where: { account: string; region: string },
  ctx: ServiceContext,
): void {
  try {
    if (!NAME.test(s.name)) throw invalidParam("IP_SET", s.name);
    if (nameTaken(state.ipSets, s.name, "REGIONAL")) throw duplicate();
    const addresses = readAddresses({ Addresses: s.addresses }, s.ipAddressVersion);
    const id = ctx.newId("uuid");
    state.ipSets[id] = {
      id,
      name: s.name,
      scope: "REGIONAL",
      arn: arnFor(where, "REGIONAL", "ipset", s.name, id),
      version: s.ipAddressVersion,
      addresses,
      lockToken: ctx.newId("uuid"),
      tags: Object.entries(s.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    };
  } catch (e) {
    throw seedError(`IP set "${s.name}"`, e);
  }
}

/** Estate rules may name a seeded IP set instead of giving its ARN (the ids are generated). */
function resolveSetNames(value: unknown, state: WafState): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveSetNames(v, state));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (
      k === "IPSetReferenceStatement" &&
      isObject(v) &&
      typeof v["ARN"] === "string" &&
      !v["ARN"].startsWith("arn:")
    ) {
      const set = Object.values(state.ipSets).find((s) => s.name === v["ARN"] && s.scope === "REGIONAL");
      out[k] = { ...v, ARN: set?.arn ?? v["ARN"] };
    } else {
      out[k] = resolveSetNames(v, state);
    }
  }
  return out;
}

function seedWebAcl(
  a: EstateWebAcl,
  state: WafState,
  where: { account: string; region: string },
  ctx: ServiceContext,
): void {
  try {
    if (!NAME.test(a.name)) throw invalidParam("WEB_ACL", a.name);
    if (nameTaken(state.webAcls, a.name, "REGIONAL")) throw duplicate();
    const body: Json = {
      DefaultAction: a.defaultAction === "block" ? { Block: {} } : { Allow: {} },
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: a.name },
      Rules: resolveSetNames(a.rules ?? [], state),
    };
    const { description, ...def } = readWebAclDefinition(body, state, "REGIONAL");
    void description;
    const id = ctx.newId("uuid");
    const arn = arnFor(where, "REGIONAL", "webacl", a.name, id);
    state.webAcls[id] = {
      id,
      name: a.name,
      scope: "REGIONAL",
      arn,
      createdAt: 0,
      ...def,
      lockToken: ctx.newId("uuid"),
      tags: Object.entries(a.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    };
    for (const lbName of a.loadBalancers ?? []) {
      const lb = lookupLoadBalancerByName(ctx, where.account, where.region, lbName);
      if (lb === null)
        throw new Error(`load balancer "${lbName}" is not in the estate of ${where.account} ${where.region}`);
      if (lb.type !== "application") throw new Error(`load balancer "${lbName}" is not an application load balancer`);
      if (state.associations[lb.arn] !== undefined) throw new Error(`load balancer "${lbName}" already has a web ACL`);
      state.associations[lb.arn] = arn;
    }
  } catch (e) {
    throw seedError(`web ACL "${a.name}"`, e);
  }
}

function seed(estate: RegionEstate, account: string, region: string, ctx: ServiceContext): void {
  const state = ctx.state<WafState>("wafv2", account, region);
  const where = { account, region };
  for (const s of estate.ipSets ?? []) seedIpSet(s, state, where, ctx);
  for (const a of estate.webAcls ?? []) seedWebAcl(a, state, where, ctx);
  ctx.touch();
}

function errorResponse(error: ApiError, req: SandboxRequest): SandboxResponse {
  const lower = error.code === "WAFInvalidParameterException" || error.code === "WAFServiceLinkedRoleErrorException";
  return jsonErrorResponse(error, req, lower ? "message" : "Message");
}

export const wafv2: ServiceModule<WafState> = {
  name: "wafv2",
  protocol: "json",
  iamPrefix: "wafv2",
  throttle: { code: "ThrottlingException", status: 400 },
  operation: (req) => jsonOperation(req, "AWSWAF_20190729", OPERATION_SET),
  handle: (operation, req, ctx) => handle(operation as Op, req, ctx),
  errorResponse,
  initialState: () => ({ ipSets: {}, webAcls: {}, associations: {} }),
  seed,
};
