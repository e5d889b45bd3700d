// WAF normalisation for the blocking kinds: IP sets (split, limits, set comparison), Cordon's web
// ACL rules (geo + IP-set block rules, priorities, visibility, capacity), the shared-mode merge,
// the diffs, and the Create/UpdateWebACL bodies. Pure and synchronous.
//
// Rule order (owned mode priorities 0, 1, 2; shared mode the same relative order):
//   <prefix>block-ipv4, <prefix>block-ipv6, <prefix>block-countries.
// Addresses first because they are the precise, incident-driven blocks; all three are Block rules,
// so the order only decides which rule's metric counts a request matching several.
//
// IP-set references. The IP set's ARN exists only once AWS created it, so a desired rule refers to
// it as `cordon-ref:<address of the wafv2.ipSet resource>`. Diffs compare a reference with a live
// ARN by (account, region, IP set name), which the ARN spells out; the executor calls
// resolveIpSetRefs() with the ARNs it observed or created (the web ACL depends on its IP sets, so
// they are known by then) before CreateWebACL / UpdateWebACL.
import type { FieldDiff } from "../model/change.js";
import type { Address } from "../model/resource.js";
import {
  IP_SET_REF_PREFIX,
  type IpSetSpec,
  type Tags,
  WAF_LIMITS,
  type WafForeignRule,
  type WafRule,
  type WafStatement,
  type WafVisibilityConfig,
  type WebAclSpec,
} from "../model/specs.js";
import { aggregate, type Cidr, cidrOf, compareCidr, formatCidr } from "./cidr.js";
import { type BlockingDiff, coveredBy } from "./nacl.js";

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/**
 * A CloudWatch metric name WAF accepts, derived from a web ACL or rule name: only letters, digits,
 * hyphen and underscore (anything else becomes "_"), 1–255 characters, never "All" or
 * "Default_Action" (reserved by WAF; prefixed with "cordon-").
 */
export function wafMetricName(name: string): string {
  let m = name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 255);
  if (m === "") m = "cordon";
  if (m === "All" || m === "Default_Action") m = `cordon-${m}`;
  return m;
}

export const visibilityFor = (name: string): WafVisibilityConfig => ({
  SampledRequestsEnabled: true,
  CloudWatchMetricsEnabled: true,
  MetricName: wafMetricName(name),
});

export const ipSetName = (webAclName: string, version: "IPV4" | "IPV6"): string =>
  `${webAclName}-blocked-${version === "IPV4" ? "ipv4" : "ipv6"}`;

/** True for a name ipSetName() makes: only such IP sets are candidates for discovery. */
export const isCordonIpSetName = (name: string): boolean => /-blocked-ipv[46]$/.test(name);

export const RULE_SUFFIX = { ipv4: "block-ipv4", ipv6: "block-ipv6", countries: "block-countries" } as const;

// ---------------------------------------------------------------------------------------------
// IP sets
// ---------------------------------------------------------------------------------------------

/**
 * The two IP sets for a web ACL, from the blocks to enforce (aggregated here: the smallest exact
 * cover), one per address family. The caller declares only the sets with addresses (no empty set,
 * no rule over one: docs/plan-output.md, "IPv4 and IPv6 IP sets"). `problems` says when a set
 * exceeds WAF's fixed 10,000-address limit, with the counts.
 */
export function ipSetSpecs(
  webAclName: string,
  blocks: readonly Cidr[],
  tags: Tags,
  declared: number = blocks.length,
): { readonly ipv4: IpSetSpec; readonly ipv6: IpSetSpec; readonly problems: readonly string[] } {
  const agg = aggregate(blocks);
  const problems: string[] = [];
  const make = (version: "IPV4" | "IPV6"): IpSetSpec => {
    const family = version === "IPV4" ? "ipv4" : "ipv6";
    const addresses = agg.filter((c) => c.family === family).map(formatCidr);
    const name = ipSetName(webAclName, version);
    if (addresses.length > WAF_LIMITS.addressesPerIpSet) {
      problems.push(
        `WAF IP set ${name}: ${addresses.length} ${family === "ipv4" ? "IPv4" : "IPv6"} CIDRs after aggregation (from ${declared} declared entries of both families), above WAF's fixed limit of ${WAF_LIMITS.addressesPerIpSet} per IP set`,
      );
    }
    return { name, scope: "REGIONAL", ipAddressVersion: version, addresses, tags };
  };
  return { ipv4: make("IPV4"), ipv6: make("IPV6"), problems };
}

/** Live addresses as WAF returns them, in the spec's form (canonical, sorted; set semantics). */
export function normalizeIpSetAddresses(addresses: readonly string[]): string[] {
  const blocks: Cidr[] = [];
  const unparsed: string[] = [];
  for (const a of addresses) {
    const c = cidrOf(a);
    if (c === null) unparsed.push(a);
    else blocks.push(c);
  }
  const unique = new Map(blocks.map((b) => [formatCidr(b), b]));
  return [...[...unique.values()].sort(compareCidr).map(formatCidr), ...unparsed.sort()];
}

const pointerEscape = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");

function tagDiffs(desired: Tags | null, live: Tags | null): FieldDiff[] {
  if (desired === null) return [];
  const l = live ?? {};
  const fields: FieldDiff[] = [];
  for (const k of [...new Set([...Object.keys(desired), ...Object.keys(l)])].sort()) {
    if (desired[k] !== l[k])
      fields.push({ path: `/tags/${pointerEscape(k)}`, before: l[k] ?? null, after: desired[k] ?? null });
  }
  return fields;
}

/**
 * wafv2.ipSet diff: one field per address added (before null) or removed (after null), at
 * "/addresses/<escaped CIDR>"; tags per key. A different IP version forces a replacement (it is
 * fixed at creation). Removing an address broadens access unless the remaining set still covers it.
 */
export function ipSetDiff(desired: IpSetSpec, live: IpSetSpec): BlockingDiff {
  const d = new Set(desired.addresses);
  const l = new Set(normalizeIpSetAddresses(live.addresses));
  const fields: FieldDiff[] = [];
  const after: Cidr[] = [];
  for (const a of d) {
    const c = cidrOf(a);
    if (c !== null) after.push(c);
  }
  const notes: string[] = [];
  for (const a of l) {
    if (d.has(a)) continue;
    fields.push({ path: `/addresses/${pointerEscape(a)}`, before: a, after: null });
    const c = cidrOf(a);
    if (c === null || !coveredBy(c, after)) notes.push(`${a} stops being blocked by WAF IP set ${live.name}`);
  }
  for (const a of d) if (!l.has(a)) fields.push({ path: `/addresses/${pointerEscape(a)}`, before: null, after: a });
  fields.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  const replace = desired.ipAddressVersion !== live.ipAddressVersion;
  if (replace) {
    fields.unshift({
      path: "/ipAddressVersion",
      before: live.ipAddressVersion,
      after: desired.ipAddressVersion,
      forcesReplacement: true,
    });
  }
  fields.push(...tagDiffs(desired.tags, live.tags));
  return { fields, replace, broadensAccess: notes.length > 0, notes };
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

export const ipSetRef = (address: Address): string => `${IP_SET_REF_PREFIX}${address}`;
export const isIpSetRef = (arn: string): boolean => arn.startsWith(IP_SET_REF_PREFIX);

const IP_SET_ARN = /^arn:[^:]+:wafv2:([^:]*):(\d{12}):regional\/ipset\/([^/]+)\/[^/]+$/;
const IP_SET_ADDRESS = /^(\d{12})\/([^/]+)\/wafv2\.ipSet\/(.+)$/;

/** "account/region/name" for a placeholder reference or a real regional IP-set ARN; null otherwise. */
export function ipSetIdentity(arnOrRef: string): string | null {
  if (isIpSetRef(arnOrRef)) {
    const m = IP_SET_ADDRESS.exec(arnOrRef.slice(IP_SET_REF_PREFIX.length));
    return m === null ? null : `${m[1]}/${m[2]}/${m[3]}`;
  }
  const m = IP_SET_ARN.exec(arnOrRef);
  return m === null ? null : `${m[2]}/${m[1]}/${m[3]}`;
}

const WEB_ACL_ARN = /^arn:[^:]+:wafv2:[^:]*:\d{12}:regional\/webacl\/([^/]+)\/[^/]+$/;
const ALB_ARN = /^arn:[^:]+:elasticloadbalancing:[^:]*:\d{12}:loadbalancer\/app\/([^/]+)\/[^/]+$/;

/** The web ACL name in a regional web ACL ARN, or null. */
export const webAclNameOf = (arn: string): string | null => WEB_ACL_ARN.exec(arn)?.[1] ?? null;

/** The load balancer name in an Application Load Balancer ARN, or null. */
export const loadBalancerNameOf = (arn: string): string | null => ALB_ARN.exec(arn)?.[1] ?? null;

/**
 * The name of the IP set a reference names: the last segment of a `cordon-ref:` placeholder's
 * address, or the name inside a regional IP-set ARN (Cordon's, another policy's or a foreign
 * account's alike). Null for anything else.
 */
export function ipSetNameOfReference(arnOrRef: string): string | null {
  if (isIpSetRef(arnOrRef)) return IP_SET_ADDRESS.exec(arnOrRef.slice(IP_SET_REF_PREFIX.length))?.[3] ?? null;
  return IP_SET_ARN.exec(arnOrRef)?.[3] ?? null;
}

/** How a reference is shown to people: `ip set "edge-blocked-ipv4"`. */
export const ipSetDisplayName = (name: string): string => `ip set ${JSON.stringify(name)}`;

/**
 * Every IP-set reference (placeholder or ARN) inside `value` → how it is shown to people, for the
 * plan document's `references` (docs/plan-output.md, "References by name"). Empty when none.
 */
export function ipSetReferences(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) for (const x of v) walk(x, "");
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (key === "ARN" && typeof v === "string") {
      const name = ipSetNameOfReference(v);
      if (name !== null) out[v] = ipSetDisplayName(name);
    }
  };
  walk(value, "");
  return out;
}

/** Names of the regional IP sets that any of `rules` references (by real ARN), sorted, unique. */
export function referencedIpSetNames(rules: readonly unknown[]): string[] {
  const names = new Set<string>();
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) for (const x of v) walk(x, "");
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (key === "ARN" && typeof v === "string") {
      const m = IP_SET_ARN.exec(v);
      if (m?.[3] !== undefined) names.add(m[3]);
    }
  };
  walk(rules, "");
  return [...names].sort();
}

/** Geo match on every code, split into statements of at most 50 codes joined by an OrStatement. */
export function geoStatement(codes: readonly string[]): WafStatement {
  const sorted = [...new Set(codes)].sort();
  const max = WAF_LIMITS.countriesPerGeoStatement;
  if (sorted.length <= max) return { GeoMatchStatement: { CountryCodes: sorted } };
  const parts: WafStatement[] = [];
  for (let i = 0; i < sorted.length; i += max)
    parts.push({ GeoMatchStatement: { CountryCodes: sorted.slice(i, i + max) } });
  return { OrStatement: { Statements: parts } };
}

const blockRule = (name: string, priority: number, statement: WafStatement): WafRule => ({
  Name: name,
  Priority: priority,
  Statement: statement,
  Action: { Block: {} },
  VisibilityConfig: visibilityFor(name),
});

/** The addresses of a web ACL's IP sets: one per family, each absent when the family blocks nothing. */
export interface IpSetAddresses {
  readonly ipv4: Address | null;
  readonly ipv6: Address | null;
}

/**
 * Cordon's rules in their fixed order with priorities 0..n-1: the IPv4 and IPv6 IP-set rules
 * (each only when its set is declared: a rule never references an empty or absent set), then the
 * geo rule (when there is at least one country).
 */
export function cordonRules(input: {
  readonly prefix: string;
  readonly ipSets: IpSetAddresses | null;
  readonly countries: readonly string[];
}): WafRule[] {
  const rules: WafRule[] = [];
  const add = (suffix: string, statement: WafStatement) =>
    rules.push(blockRule(`${input.prefix}${suffix}`, rules.length, statement));
  if (input.ipSets?.ipv4 != null)
    add(RULE_SUFFIX.ipv4, { IPSetReferenceStatement: { ARN: ipSetRef(input.ipSets.ipv4) } });
  if (input.ipSets?.ipv6 != null)
    add(RULE_SUFFIX.ipv6, { IPSetReferenceStatement: { ARN: ipSetRef(input.ipSets.ipv6) } });
  if (input.countries.length > 0) add(RULE_SUFFIX.countries, geoStatement(input.countries));
  return rules;
}

/** WCU of a statement Cordon writes: geo 1, IP-set reference 1, a logical statement the sum of its parts. */
export function statementCapacity(s: WafStatement): number {
  if ("GeoMatchStatement" in s) return 1;
  if ("IPSetReferenceStatement" in s) return 1;
  return s.OrStatement.Statements.reduce((n, x) => n + statementCapacity(x), 0);
}

export const rulesCapacity = (rules: readonly WafRule[]): number =>
  rules.reduce((n, r) => n + statementCapacity(r.Statement), 0);

/**
 * Capacity check. Owned: the sum of Cordon's rules. Shared (with a live spec): the live ACL's
 * reported capacity, minus Cordon's live rules, plus Cordon's desired rules. Above 5,000 WCU is an
 * error; above 1,500 (what the base price covers) a warning.
 */
export function webAclCapacity(
  desired: WebAclSpec,
  live: WebAclSpec | null,
): { readonly wcu: number; readonly errors: readonly string[]; readonly warnings: readonly string[] } {
  const mine = rulesCapacity(desired.rules);
  const wcu =
    desired.ownership === "shared" && live?.capacity !== undefined
      ? live.capacity - rulesCapacity(live.rules) + mine
      : mine;
  const errors: string[] = [];
  const warnings: string[] = [];
  if (wcu > WAF_LIMITS.maxCapacity) {
    errors.push(
      `web ACL ${desired.name} would need ${wcu} WCU (Cordon's rules: ${mine}), above the limit of ${WAF_LIMITS.maxCapacity}`,
    );
  } else if (wcu > WAF_LIMITS.baseCapacity) {
    warnings.push(
      `web ACL ${desired.name} would use ${wcu} WCU (Cordon's rules: ${mine}); above ${WAF_LIMITS.baseCapacity} WCU AWS bills extra per 500 WCU`,
    );
  }
  return { wcu, errors, warnings };
}

/** Replaces every `cordon-ref:` ARN with the real one; throws when one is unknown (a dependency bug). */
export function resolveIpSetRefs(
  rules: readonly WafRule[],
  arnOf: (address: Address) => string | undefined,
): WafRule[] {
  const resolve = (s: WafStatement): WafStatement => {
    if ("IPSetReferenceStatement" in s) {
      const arn = s.IPSetReferenceStatement.ARN;
      if (!isIpSetRef(arn)) return s;
      const address = arn.slice(IP_SET_REF_PREFIX.length);
      const real = arnOf(address);
      if (real === undefined)
        throw new Error(`the ARN of IP set ${address} is not known yet: it must be observed or created first`);
      return { IPSetReferenceStatement: { ARN: real } };
    }
    if ("OrStatement" in s) return { OrStatement: { Statements: s.OrStatement.Statements.map(resolve) } };
    return s;
  };
  return rules.map((r) => ({ ...r, Statement: resolve(r.Statement) }));
}

/**
 * Shared mode: the full rule list to write. Every rule not named with `prefix` is kept exactly as
 * read (same object, same priority). Cordon's rules, in their order, take the lowest priorities
 * no foreign rule uses (so they run before foreign rules whenever priorities 0.. are free, and fill
 * the gaps otherwise). Sorted by priority.
 */
export function mergeSharedRules(
  liveRules: readonly WafForeignRule[],
  mine: readonly WafRule[],
  prefix: string,
): (WafForeignRule | WafRule)[] {
  const foreign = liveRules.filter((r) => !r.Name.startsWith(prefix));
  const used = new Set(foreign.map((r) => r.Priority));
  const placed: WafRule[] = [];
  let p = 0;
  for (const r of mine) {
    while (used.has(p)) p++;
    placed.push({ ...r, Priority: p });
    p++;
  }
  return [...foreign, ...placed].sort((a, b) => a.Priority - b.Priority);
}

// ---------------------------------------------------------------------------------------------
// Web ACL diff
// ---------------------------------------------------------------------------------------------

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** A rule in comparable form: canonical key order, geo codes sorted, IP-set ARNs by identity. */
function comparableRule(rule: unknown): string {
  const walk = (v: unknown, key: string): unknown => {
    if (Array.isArray(v)) {
      const items = v.map((x) => walk(x, ""));
      return key === "CountryCodes" ? [...items].sort() : items;
    }
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
      return out;
    }
    if (key === "ARN" && typeof v === "string") return ipSetIdentity(v) ?? v;
    return v;
  };
  return JSON.stringify(canonical(walk(rule, "")));
}

function countryCodes(s: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, key: string) => {
    if (Array.isArray(v)) for (const x of v) key === "CountryCodes" && typeof x === "string" ? out.add(x) : walk(x, "");
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(s, "");
  return out;
}

/** True when `after` blocks at least what the live block rule `before` blocked (by Cordon's own forms). */
function stillBlocks(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>> | undefined,
): boolean {
  if (!("Block" in ((before.Action as object | undefined) ?? {}))) return true;
  if (after === undefined || !("Block" in ((after.Action as object | undefined) ?? {}))) return false;
  const b = countryCodes(before.Statement);
  if (b.size > 0) {
    const a = countryCodes(after.Statement);
    return [...b].every((c) => a.has(c));
  }
  return comparableRule(before.Statement) === comparableRule(after.Statement);
}

/**
 * wafv2.webAcl diff over what Cordon owns. Owned: /defaultAction, /visibilityConfig, /tags/<key>,
 * and every rule at /rules/<name> (rules without the prefix in an owned ACL are removed). Shared:
 * only Cordon's rules, with the absolute priorities mergeSharedRules() gives them against the live
 * foreign rules. Fields compare canonical JSON (key order, country order, ARN vs reference).
 * Broadens access when a live block rule is removed, stops blocking, or loses countries.
 */
export function webAclDiff(desired: WebAclSpec, live: WebAclSpec): BlockingDiff {
  const fields: FieldDiff[] = [];
  const notes: string[] = [];
  const foreign = live.foreignRules ?? [];
  let wanted: readonly Readonly<Record<string, unknown>>[];
  let have: readonly Readonly<Record<string, unknown>>[];
  if (desired.ownership === "owned") {
    for (const [path, d, l] of [
      ["/defaultAction", desired.defaultAction, live.defaultAction],
      ["/visibilityConfig", desired.visibilityConfig, live.visibilityConfig],
    ] as const) {
      if (JSON.stringify(canonical(d)) !== JSON.stringify(canonical(l))) fields.push({ path, before: l, after: d });
    }
    if (live.defaultAction !== null && !("Allow" in live.defaultAction) && desired.defaultAction !== null) {
      notes.push(`web ACL ${desired.name}: default action changes from Block to Allow`);
    }
    wanted = desired.rules as unknown as Readonly<Record<string, unknown>>[];
    have = [...(live.rules as unknown as Readonly<Record<string, unknown>>[]), ...foreign];
  } else {
    const asForeign = live.rules as unknown as readonly WafForeignRule[];
    wanted = mergeSharedRules([...foreign, ...asForeign], desired.rules, desired.rulePrefix).filter((r) =>
      r.Name.startsWith(desired.rulePrefix),
    ) as unknown as readonly Readonly<Record<string, unknown>>[];
    have = live.rules as unknown as Readonly<Record<string, unknown>>[];
    const firstMine = Math.min(...wanted.map((r) => r.Priority as number));
    for (const r of foreign) {
      const action = (r.Action as object | undefined) ?? {};
      if (wanted.length > 0 && r.Priority < firstMine && ("Allow" in action || r.OverrideAction !== undefined)) {
        notes.push(
          `foreign rule ${r.Name} (priority ${r.Priority}) runs before Cordon's rules in web ACL ${desired.name}; requests it lets through are never blocked by Cordon`,
        );
      }
    }
  }
  const w = new Map(wanted.map((r) => [r.Name as string, r]));
  const h = new Map(have.map((r) => [r.Name as string, r]));
  for (const name of [...new Set([...w.keys(), ...h.keys()])].sort()) {
    const d = w.get(name);
    const l = h.get(name);
    if (d !== undefined && l !== undefined && comparableRule(d) === comparableRule(l)) continue;
    fields.push({ path: `/rules/${pointerEscape(name)}`, before: l ?? null, after: d ?? null });
    if (l !== undefined && !stillBlocks(l, d))
      notes.push(`rule ${name} of web ACL ${desired.name} stops blocking what it blocked`);
  }
  fields.push(...tagDiffs(desired.tags, live.tags));
  return { fields, replace: false, broadensAccess: notes.some((n) => !n.startsWith("foreign rule")), notes };
}

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

/** The members of GetWebACL's WebACL that UpdateWebACL takes back (everything else is read-only). */
export const WEB_ACL_UPDATE_KEYS: readonly string[] = [
  "Name",
  "Id",
  "DefaultAction",
  "Description",
  "Rules",
  "VisibilityConfig",
  "DataProtectionConfig",
  "CustomResponseBodies",
  "CaptchaConfig",
  "ChallengeConfig",
  "TokenDomains",
  "AssociationConfig",
  "OnSourceDDoSProtectionConfig",
  "ApplicationConfig",
];

/**
 * UpdateWebACL input from a fresh GetWebACL (read-modify-write): every updatable setting as read,
 * Cordon's part replaced. Owned: DefaultAction, VisibilityConfig and Rules are Cordon's. Shared:
 * only Cordon's rules change (mergeSharedRules), every other rule and setting is sent back as read.
 */
export function webAclUpdateInput(
  liveWebAcl: Readonly<Record<string, unknown>>,
  lockToken: string,
  desired: WebAclSpec,
  arnOf: (address: Address) => string | undefined,
): Record<string, unknown> {
  const input: Record<string, unknown> = { Scope: desired.scope, LockToken: lockToken };
  for (const k of WEB_ACL_UPDATE_KEYS) if (liveWebAcl[k] !== undefined) input[k] = liveWebAcl[k];
  const mine = resolveIpSetRefs(desired.rules, arnOf);
  if (desired.ownership === "owned") {
    input.DefaultAction = desired.defaultAction;
    input.VisibilityConfig = desired.visibilityConfig;
    input.Rules = mine;
  } else {
    const liveRules = (liveWebAcl.Rules as readonly WafForeignRule[] | undefined) ?? [];
    input.Rules = mergeSharedRules(liveRules, mine, desired.rulePrefix);
  }
  return input;
}

/** CreateWebACL input for an owned web ACL (Tags omitted when empty, as WAF prefers). */
export function webAclCreateInput(
  desired: WebAclSpec,
  arnOf: (address: Address) => string | undefined,
): Record<string, unknown> {
  const tags = Object.entries(desired.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  return {
    Name: desired.name,
    Scope: desired.scope,
    DefaultAction: desired.defaultAction ?? { Allow: {} },
    VisibilityConfig: desired.visibilityConfig ?? visibilityFor(desired.name),
    Rules: resolveIpSetRefs(desired.rules, arnOf),
    ...(tags.length > 0 ? { Tags: tags } : {}),
  };
}
