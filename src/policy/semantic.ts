// Semantic checks: what JSON Schema cannot say about a policy set (what it can say, such as which
// sections need which, is the schema's alone). Runs on documents that already
// passed schema validation (doc.value is a Policy), offline and without throwing: every problem
// becomes a Diagnostic with a stable code, the JSON pointer of the offending value and its
// position. Cross-document rules (two documents claiming one AWS resource) report on every
// claimant, naming the others by file:line:column.
//
// Expired entries (expires before options.today) are reported once and then left out of every
// rule about the entries' effect (overlaps, allowlist, NACL band and quota, IP-set size), since
// Cordon removes them from enforcement.

import { isExpired } from "../domain/blocklist.js";
import {
  aggregate,
  type Cidr,
  contains,
  findContaining,
  formatAddress,
  formatCidr,
  type IpFamily,
  isIpv4Mapped,
  overlaps,
  parseCidr,
  unmapIpv4,
} from "../domain/cidr.js";
import { checkCountryCode } from "../domain/countries.js";
import { checkFieldName, partitionClashes, resolveFields } from "../domain/flowlog-fields.js";
import { createsBucket } from "../domain/log-archive.js";
import { bucketNameProblem } from "../domain/s3names.js";
import type { Diagnostic, Severity } from "../model/diagnostics.js";
import { sortDiagnostics } from "../model/diagnostics.js";
import { UsageError } from "../model/errors.js";
import { type AddressEntry, type AllowEntry, POLICY_DEFAULTS, type Policy } from "../model/policy.js";
import { derivedNameProblem, derivedNames } from "./derived-names.js";
import { diagnosticAt, type ParsedDocument } from "./document.js";
import { checkLogArchives } from "./log-archive.js";
import { isCalendarDate } from "./validate.js";

export interface SemanticOptions {
  /** Today's date, YYYY-MM-DD (UTC): entries that expired before it are stale. */
  readonly today: string;
}

/** User rule numbers AWS accepts in a network ACL. */
export const NACL_RULE_NUMBER_MIN = 1;
export const NACL_RULE_NUMBER_MAX = 32766;
/** The most entries per direction and family AWS lets an account raise the NACL quota to. */
export const NACL_MAX_ENTRY_QUOTA = 40;
/** Warn when the blocks leave fewer than this many entries for the ACL's own rules. */
export const NACL_HEADROOM_WARNING = 5;
/** The allow-all rule of a VPC's default network ACL (101 for IPv6). */
export const DEFAULT_ACL_ALLOW_RULE = 100;
/** Fixed WAF quota of addresses per IP set. */
export const WAF_IP_SET_MAX_ADDRESSES = 10_000;

export function semanticChecks(docs: readonly ParsedDocument[], options: SemanticOptions): Diagnostic[] {
  if (!isCalendarDate(options.today))
    throw new UsageError(`today must be a date written YYYY-MM-DD, not "${options.today}"`);
  const out: Diagnostic[] = [];
  for (const doc of docs) checkDocument(doc, options.today, out);
  checkClaims(docs, out);
  out.push(...checkLogArchives(docs));
  return sortDiagnostics(out);
}

/**
 * The per-document checks, best effort, on a document that failed the schema, so that one run
 * reports every problem: whatever they find at, above or below a pointer the schema already
 * reported is dropped, and a document too malformed for them (they throw) gets none. Documents
 * that failed the schema never take part in the cross-document checks.
 */
export function semanticChecksDespite(
  doc: ParsedDocument,
  schemaProblems: readonly Diagnostic[],
  options: SemanticOptions,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  try {
    checkDocument(doc, options.today, out);
  } catch {
    return [];
  }
  const reported = schemaProblems.map((d) => d.pointer);
  const related = (a: string, b: string) => a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`);
  return sortDiagnostics(out.filter((d) => !reported.some((p) => related(p, d.pointer))));
}

// --- Reporting helpers ----------------------------------------------------------------------

/** RFC 6901 pointer from path segments. */
function ptr(...segments: readonly (string | number)[]): string {
  return segments.map((s) => "/" + String(s).replaceAll("~", "~0").replaceAll("/", "~1")).join("");
}

/** "file:line:column" of a pointer, for messages that name another place. */
function where(doc: ParsedDocument, pointer: string): string {
  const p = doc.locate(pointer);
  return p === null ? doc.file : `${doc.file}:${p.line}:${p.column}`;
}

interface Reporter {
  readonly doc: ParsedDocument;
  add(severity: Severity, code: string, pointer: string, message: string, hint?: string): void;
}

function reporter(doc: ParsedDocument, out: Diagnostic[]): Reporter {
  return {
    doc,
    add(severity, code, pointer, message, hint) {
      out.push(diagnosticAt(doc, severity, code, pointer, message, hint));
    },
  };
}

const FAMILY_NAME: Readonly<Record<IpFamily, string>> = { ipv4: "IPv4", ipv6: "IPv6" };

// --- One document ---------------------------------------------------------------------------

function checkDocument(doc: ParsedDocument, today: string, out: Diagnostic[]): void {
  const r = reporter(doc, out);
  const policy = doc.value as Policy;
  const allow = checkAllowlist(r, policy.allowlist ?? []);
  const blocked = checkBlockedAddresses(r, policy, today, allow);
  if (blocked !== null) checkEnforcement(r, policy, blocked);
  checkCountries(r, policy, today);
  checkWebAcl(r, policy);
  checkFlowLogs(r, policy);
  checkAthena(r, policy, today);
  checkDerivedNames(r, policy);
}

/**
 * Every name Cordon derives from the policy (IP set, rule and metric names, tag values, Glue
 * names, S3 keys) must fit AWS's limits, or apply would fail half-way: reported at the declared
 * field the name is made from.
 */
function checkDerivedNames(r: Reporter, policy: Policy): void {
  const reported = new Set<string>();
  for (const d of derivedNames(policy)) {
    const problem = derivedNameProblem(d);
    // The IPv4 and IPv6 names (one recipe, two suffixes of one length) are reported once.
    const key = `${d.pointer}|${d.what}`;
    if (problem === null || reported.has(key)) continue;
    reported.add(key);
    r.add(
      "error",
      "name.derived-invalid",
      d.pointer,
      `${problem[0]?.toUpperCase()}${problem.slice(1)}.`,
      d.recipe === d.name
        ? undefined
        : `Cordon makes ${d.what} as ${d.recipe}; shorten or change the field it comes from.`,
    );
  }
}

interface Entry {
  readonly index: number;
  readonly pointer: string;
  readonly text: string;
  readonly cidr: Cidr;
}

/**
 * Parses the cidr of every entry, reporting malformed ones, host bits, /0 and IPv4-mapped
 * addresses. Returns the usable entries: well-formed, canonical and not /0.
 */
function parseEntries(
  r: Reporter,
  list: readonly (AddressEntry | AllowEntry)[],
  base: string,
  role: "blocked" | "allowlisted",
): Entry[] {
  const entries: Entry[] = [];
  list.forEach((entry, index) => {
    const pointer = `${base}${ptr(index, "cidr")}`;
    const text = entry.cidr;
    const parsed = parseCidr(text);
    if (!parsed.ok) {
      r.add("error", "cidr.malformed", pointer, `"${text}" is not a valid IP address or CIDR: ${parsed.reason}.`);
      return;
    }
    const { cidr } = parsed;
    if (parsed.hostBitsSet) {
      r.add(
        "error",
        "cidr.host-bits",
        pointer,
        `${text} has host bits set: did you mean ${formatCidr(cidr)}?`,
        `For the single address write ${formatAddress(cidr.family, parsed.address)}.`,
      );
      return;
    }
    if (cidr.prefix === 0) {
      const family = FAMILY_NAME[cidr.family];
      r.add(
        "error",
        "cidr.prefix-zero",
        pointer,
        role === "blocked"
          ? `${text} would block every ${family} address, the whole internet.`
          : `${text} would allowlist every ${family} address, so nothing could be blocked.`,
      );
      return;
    }
    if (isIpv4Mapped(cidr)) {
      const v4 = unmapIpv4(cidr);
      r.add(
        "warning",
        "cidr.ipv4-mapped",
        pointer,
        `${text} is an IPv4-mapped IPv6 address; IPv4 traffic is matched by IPv4 entries, so it matches nothing.`,
        v4 === null ? undefined : `Write ${formatCidr(v4)}.`,
      );
    }
    entries.push({ index, pointer, text, cidr });
  });
  return entries;
}

/**
 * Warns about entries that another entry of the same list already covers (duplicates and
 * contained blocks), at the redundant entry, saying what the list will be merged into.
 */
function checkRedundancy(r: Reporter, entries: readonly Entry[], list: "blocked" | "allowlist"): void {
  const merged = aggregate(entries.map((e) => e.cidr));
  const sorted = [...entries].sort((a, b) => compareForSweep(a, b));
  let cover: Entry | null = null;
  for (const e of sorted) {
    if (cover !== null && contains(cover.cidr, e.cidr)) {
      const into = findContaining(merged, e.cidr);
      const target = into === null ? "" : ` into ${formatCidr(into)}`;
      const other = `entry ${cover.index} at ${where(r.doc, cover.pointer)}`;
      const same = cover.cidr.prefix === e.cidr.prefix;
      r.add(
        "warning",
        same ? `${list}.duplicate` : `${list}.overlap`,
        e.pointer,
        same
          ? `${e.text} duplicates ${cover.text} (${other}); they will be merged${target}.`
          : `${e.text} lies inside ${cover.text} (${other}); they will be merged${target}.`,
      );
      continue;
    }
    cover = e;
  }
}

function compareForSweep(a: Entry, b: Entry): number {
  if (a.cidr.family !== b.cidr.family) return a.cidr.family === "ipv4" ? -1 : 1;
  if (a.cidr.network !== b.cidr.network) return a.cidr.network < b.cidr.network ? -1 : 1;
  return a.cidr.prefix - b.cidr.prefix || a.index - b.index;
}

interface AllowedEntry extends Entry {
  readonly reason: string;
}

function checkAllowlist(r: Reporter, allowlist: readonly AllowEntry[]): AllowedEntry[] {
  const entries = parseEntries(r, allowlist, "/allowlist", "allowlisted");
  checkRedundancy(r, entries, "allowlist");
  return entries.map((e) => ({ ...e, reason: allowlist[e.index]?.reason ?? "" }));
}

interface BlockedSet {
  /** The aggregated, unexpired, valid blocked CIDRs. */
  readonly aggregated: readonly Cidr[];
}

function checkBlockedAddresses(
  r: Reporter,
  policy: Policy,
  today: string,
  allow: readonly AllowedEntry[],
): BlockedSet | null {
  const section = policy.blockedAddresses;
  if (section === undefined) return null;
  const base = "/blockedAddresses/entries";
  const live = new Set<number>();
  section.entries.forEach((entry, index) => {
    if (checkExpiry(r, entry.expires, `${base}${ptr(index, "expires")}`, today, entry.cidr)) live.add(index);
  });
  const entries = parseEntries(r, section.entries, base, "blocked").filter((e) => live.has(e.index));
  checkRedundancy(r, entries, "blocked");
  for (const b of entries) {
    for (const a of allow) {
      if (!overlaps(a.cidr, b.cidr)) continue;
      r.add(
        "error",
        "blocked.allowlisted",
        b.pointer,
        `Blocked ${b.text} overlaps allowlisted ${a.text} ("${a.reason}", allowlist entry ${a.index} at ${where(r.doc, a.pointer)}); allowlisted addresses must never be blocked.`,
      );
    }
  }
  const aggregated = aggregate(entries.map((e) => e.cidr));
  for (const c of aggregated) {
    if (c.prefix !== 0) continue;
    const family = FAMILY_NAME[c.family];
    r.add(
      "error",
      "blocked.whole-internet",
      base,
      `Together the blocked ${family} entries cover every ${family} address (${formatCidr(c)}), the whole internet.`,
    );
  }
  return { aggregated };
}

/** Reports an invalid or past expiry date. Returns whether the entry is still in force. */
function checkExpiry(r: Reporter, expires: string | undefined, pointer: string, today: string, what: string): boolean {
  if (expires === undefined) return true;
  if (!isCalendarDate(expires)) {
    r.add("error", "date.invalid", pointer, `"${expires}" is not a calendar date written YYYY-MM-DD.`);
    return true;
  }
  if (!isExpired(expires, today)) return true;
  r.add(
    "warning",
    "entry.expired",
    pointer,
    `${what} expired on ${expires}; it will be removed from enforcement.`,
    "Delete the entry, or move its expiry date forward.",
  );
  return false;
}

function checkEnforcement(r: Reporter, policy: Policy, blocked: BlockedSet): void {
  const section = policy.blockedAddresses;
  if (section === undefined) return;
  const counts = { ipv4: 0, ipv6: 0 };
  for (const c of blocked.aggregated) counts[c.family]++;

  if (section.webAcl === true) {
    for (const family of ["ipv4", "ipv6"] as const) {
      if (counts[family] <= WAF_IP_SET_MAX_ADDRESSES) continue;
      r.add(
        "error",
        "waf.ipset-too-large",
        "/blockedAddresses/entries",
        `The blocked ${FAMILY_NAME[family]} entries aggregate to ${counts[family]} CIDRs; a WAF IP set holds at most ${WAF_IP_SET_MAX_ADDRESSES}.`,
      );
    }
  }
  if (section.networkAcls !== undefined) checkNetworkAcls(r, policy, counts);
}

function checkNetworkAcls(r: Reporter, policy: Policy, counts: Readonly<Record<IpFamily, number>>): void {
  const nacl = policy.blockedAddresses?.networkAcls;
  if (nacl === undefined) return;
  const base = "/blockedAddresses/networkAcls";
  const band = nacl.ruleNumbers ?? POLICY_DEFAULTS.ruleNumbers;
  const bandPointer = nacl.ruleNumbers === undefined ? base : `${base}/ruleNumbers`;
  const direction = nacl.direction ?? POLICY_DEFAULTS.direction;
  const perDirection = direction === "both" ? "in each direction" : `${direction}`;

  let bandValid = true;
  for (const member of ["first", "last"] as const) {
    const n = band[member];
    if (n >= NACL_RULE_NUMBER_MIN && n <= NACL_RULE_NUMBER_MAX) continue;
    bandValid = false;
    r.add(
      "error",
      "nacl.band-range",
      `${bandPointer}/${member}`,
      `Rule number ${n} is outside ${NACL_RULE_NUMBER_MIN}–${NACL_RULE_NUMBER_MAX}, the numbers AWS allows for network ACL entries.`,
    );
  }
  if (bandValid && band.first > band.last) {
    bandValid = false;
    r.add(
      "error",
      "nacl.band-order",
      bandPointer,
      `The rule-number band starts at ${band.first}, after its end ${band.last}.`,
    );
  }
  const total = counts.ipv4 + counts.ipv6;
  if (bandValid) {
    const size = band.last - band.first + 1;
    if (total > size) {
      r.add(
        "error",
        "nacl.band-too-small",
        bandPointer,
        `Rule numbers ${band.first}–${band.last} hold ${size} entries ${perDirection}, but the blocked addresses aggregate to ${counts.ipv4} IPv4 and ${counts.ipv6} IPv6 CIDRs (${total}); IPv4 and IPv6 entries share the numbers of a direction.`,
      );
    }
    if (band.last >= DEFAULT_ACL_ALLOW_RULE) {
      r.add(
        "warning",
        "nacl.band-above-default-allow",
        bandPointer,
        `The band ${band.first}–${band.last} reaches rule ${DEFAULT_ACL_ALLOW_RULE} or above; in a default network ACL the allow-all rule ${DEFAULT_ACL_ALLOW_RULE} (${DEFAULT_ACL_ALLOW_RULE + 1} for IPv6) matches first, so deny entries numbered above it never take effect.`,
      );
    }
  }

  const quota = nacl.entryQuota ?? POLICY_DEFAULTS.entryQuota;
  const quotaPointer = nacl.entryQuota === undefined ? base : `${base}/entryQuota`;
  if (quota > NACL_MAX_ENTRY_QUOTA) {
    r.add(
      "error",
      "nacl.quota-above-max",
      quotaPointer,
      `AWS raises the network ACL quota to at most ${NACL_MAX_ENTRY_QUOTA} entries per direction, not ${quota}.`,
    );
    return;
  }
  for (const family of ["ipv4", "ipv6"] as const) {
    const count = counts[family];
    if (count === 0) continue;
    const name = FAMILY_NAME[family];
    const used = count + 1;
    if (used > quota) {
      r.add(
        "error",
        "nacl.quota-exceeded",
        quotaPointer,
        `${count} ${name} deny entries plus the ${name} catch-all deny need ${used} entries ${perDirection}, more than the quota of ${quota}; the ACL's own entries count against it too.`,
        "Remove or widen entries, enforce some only in WAF, or raise the quota (up to 40) and declare it in entryQuota.",
      );
    } else if (quota - used < NACL_HEADROOM_WARNING) {
      r.add(
        "warning",
        "nacl.quota-tight",
        quotaPointer,
        `${count} ${name} deny entries plus the catch-all deny use ${used} of the ${quota} ${name} entries ${perDirection}; the ACL's own entries count against the same quota and only ${quota - used} remain for them.`,
      );
    }
  }
}

function checkCountries(r: Reporter, policy: Policy, today: string): void {
  const section = policy.blockedCountries;
  if (section === undefined) return;
  const seen = new Map<string, string>();
  section.countries.forEach((country, index) => {
    const pointer = ptr("blockedCountries", "countries", index, "code");
    checkExpiry(r, country.expires, ptr("blockedCountries", "countries", index, "expires"), today, country.code);
    const check = checkCountryCode(country.code);
    if (!check.ok) {
      const meant = check.suggestion === null ? "" : ` Did you mean ${check.suggestion}?`;
      r.add(
        "error",
        "country.unknown",
        pointer,
        `"${country.code}" is not a country code WAF accepts: ${check.reason}.${meant}`,
      );
      return;
    }
    const first = seen.get(country.code);
    if (first !== undefined) {
      r.add(
        "warning",
        "country.duplicate",
        pointer,
        `${country.code} is already listed at ${first}; the two will be merged.`,
      );
      return;
    }
    seen.set(country.code, where(r.doc, pointer));
  });
}

function checkWebAcl(r: Reporter, policy: Policy): void {
  const web = policy.webAcl;
  if (web === undefined) return;
  if (policy.blockedCountries === undefined && policy.blockedAddresses?.webAcl !== true) {
    r.add(
      "warning",
      "webacl.no-rules",
      "/webAcl",
      "Nothing is enforced in this web ACL: add blockedCountries, or set blockedAddresses.webAcl to true.",
    );
  }
  const ownership = web.ownership ?? POLICY_DEFAULTS.ownership;
  if (web.adopt === true && ownership === "shared") {
    r.add(
      "error",
      "webacl.adopt-shared",
      "/webAcl/adopt",
      "adopt: true takes a web ACL over as Cordon's, but ownership: shared says it stays someone else's.",
      "Remove adopt (shared manages only Cordon's rules inside the web ACL), or set ownership: owned.",
    );
  }
  const lbs = web.loadBalancers;
  const selected = lbs !== undefined && [lbs.arns, lbs.names].some((l) => (l?.length ?? 0) > 0);
  if (ownership === "owned" && !selected && lbs?.tags === undefined) {
    r.add(
      "warning",
      "webacl.no-load-balancers",
      "/webAcl",
      "The web ACL selects no load balancers, so it protects nothing.",
      "Add loadBalancers (arns, names or tags).",
    );
  }
}

const PREFIX_SEGMENT = /^[^/]+$/;

function checkFlowLogs(r: Reporter, policy: Policy): void {
  const flow = policy.flowLogs;
  if (flow === undefined) return;
  const bucket = flow.bucket;
  const problem = bucketNameProblem(bucket.name);
  if (problem !== null) {
    r.add(
      "error",
      "bucket.name-invalid",
      "/flowLogs/bucket/name",
      `"${bucket.name}" is not a valid S3 bucket name: ${problem}.`,
    );
  }
  if (bucket.retentionDays !== undefined && !createsBucket(bucket)) {
    r.add(
      "error",
      "bucket.retention-without-create",
      "/flowLogs/bucket/retentionDays",
      "retentionDays needs create: true; Cordon does not change the lifecycle of a bucket it did not create.",
    );
  }
  if (bucket.adopt === true && !createsBucket(bucket)) {
    r.add(
      "error",
      "bucket.adopt-without-create",
      "/flowLogs/bucket/adopt",
      "adopt: true means Cordon manages the bucket's settings, but create: false says to use the bucket as is.",
      "Remove adopt to use the bucket as is, or remove create: false to let Cordon manage it.",
    );
  }
  if (bucket.prefix !== undefined) {
    const segments = bucket.prefix.split("/");
    if (!segments.every((s) => PREFIX_SEGMENT.test(s))) {
      r.add(
        "error",
        "bucket.prefix-invalid",
        "/flowLogs/bucket/prefix",
        `The prefix "${bucket.prefix}" must not start or end with "/" or contain "//".`,
      );
    } else if (segments[0] === "AWSLogs") {
      r.add(
        "error",
        "bucket.prefix-reserved",
        "/flowLogs/bucket/prefix",
        'The prefix may not start with "AWSLogs": flow-log delivery reserves that folder name.',
      );
    }
  }

  const fields = flow.fields ?? POLICY_DEFAULTS.fields;
  if (fields === "default") return;
  const firstAt = new Map<string, number>();
  fields.forEach((name, index) => {
    const pointer = ptr("flowLogs", "fields", index);
    const check = checkFieldName(name);
    if (!check.ok) {
      const meant = check.suggestion === null ? "" : ` Did you mean ${check.suggestion}?`;
      r.add(
        "error",
        "flowlogs.unknown-field",
        pointer,
        `"${name}" is not a flow-log field Cordon knows: ${check.reason}.${meant}`,
      );
      return;
    }
    const first = firstAt.get(name);
    if (first !== undefined) {
      r.add(
        "error",
        "flowlogs.duplicate-field",
        pointer,
        `${name} is already listed at ${where(r.doc, ptr("flowLogs", "fields", first))}; each field can appear once.`,
      );
      return;
    }
    firstAt.set(name, index);
  });
}

const GLUE_NAME = /^[a-z0-9_]{1,255}$/;

function checkAthena(r: Reporter, policy: Policy, today: string): void {
  const athena = policy.athena;
  if (athena === undefined) return;
  const flow = policy.flowLogs;
  if (flow !== undefined) {
    const layout = { perHour: flow.perHourPartitions ?? POLICY_DEFAULTS.perHourPartitions };
    const fields = resolveFields(flow.fields ?? POLICY_DEFAULTS.fields);
    for (const name of partitionClashes(fields, layout)) {
      const index = fields.indexOf(name);
      r.add(
        "error",
        "flowlogs.partition-clash",
        index >= 0 && flow.fields !== "default" ? ptr("flowLogs", "fields", index) : "/flowLogs",
        `The field ${name} would become the column ${name.replaceAll("-", "_")}, which is also a partition column of the table.`,
      );
    }
  }
  for (const member of ["database", "table"] as const) {
    const name = athena[member];
    if (GLUE_NAME.test(name)) continue;
    const lower = name.toLowerCase();
    r.add(
      "error",
      "athena.name-invalid",
      `/athena/${member}`,
      `The ${member} name "${name}" must be lower-case letters, digits and underscores (Glue stores names in lower case and Athena needs no quoting then).${GLUE_NAME.test(lower) ? ` Did you mean ${lower}?` : ""}`,
    );
  }
  const start = athena.projectionStartDate;
  const pointer = "/athena/projectionStartDate";
  if (!isCalendarDate(start)) {
    r.add("error", "date.invalid", pointer, `"${start}" is not a calendar date written YYYY-MM-DD.`);
  } else if (start > today) {
    r.add(
      "error",
      "athena.projection-future",
      pointer,
      `The partition projection starts on ${start}, after today (${today}); Athena would see no partitions until then.`,
    );
  }
}

// --- Across documents -----------------------------------------------------------------------

interface Claim {
  readonly doc: ParsedDocument;
  readonly pointer: string;
}

/** Two documents must not both manage one AWS resource. Keys identify the resource. */
function checkClaims(docs: readonly ParsedDocument[], out: Diagnostic[]): void {
  const claims = new Map<string, { code: string; what: string; claims: Claim[] }>();
  const claim = (key: string, code: string, what: string, doc: ParsedDocument, pointer: string) => {
    const entry = claims.get(key) ?? { code, what, claims: [] };
    entry.claims.push({ doc, pointer });
    claims.set(key, entry);
  };
  for (const doc of docs) {
    const p = doc.value as Policy;
    const t = `account ${p.target.account} in ${p.target.region}`;
    const tk = `${p.target.account}|${p.target.region}`;
    // The name is the cordon:policy tag on everything the policy creates: it identifies the owner.
    claim(
      `name|${p.metadata.name}`,
      "conflict.policy-name",
      `The policy name ${p.metadata.name} (the cordon:policy tag on what it creates)`,
      doc,
      "/metadata/name",
    );
    if (p.flowLogs !== undefined) {
      // An archive policy without vpcs records nothing in its own account (it only holds the bucket).
      if (p.flowLogs.vpcs !== undefined)
        claim(`flow|${tk}`, "conflict.flow-logs", `Flow logging for ${t}`, doc, "/flowLogs");
      const b = p.flowLogs.bucket;
      if (createsBucket(b)) {
        claim(`bucket|${b.name}`, "conflict.bucket", `The bucket ${b.name}`, doc, "/flowLogs/bucket/name");
      }
    }
    if (p.athena !== undefined) {
      const db = p.athena.database.toLowerCase();
      const table = p.athena.table.toLowerCase();
      claim(
        `glue|${tk}|${db}|${table}`,
        "conflict.glue-table",
        `The Glue table ${db}.${table} of ${t}`,
        doc,
        "/athena",
      );
    }
    if (p.blockedAddresses?.networkAcls !== undefined) {
      claim(
        `nacl|${tk}`,
        "conflict.network-acls",
        `Blocking in the network ACLs of ${t}`,
        doc,
        "/blockedAddresses/networkAcls",
      );
    }
    if (p.webAcl !== undefined) {
      claim(
        `webacl|${tk}|${p.webAcl.name}`,
        "conflict.web-acl",
        `The web ACL ${p.webAcl.name} of ${t}`,
        doc,
        "/webAcl/name",
      );
      const lbs = p.webAcl.loadBalancers;
      lbs?.names?.forEach((name, i) => {
        const what = `The load balancer ${name} of ${t} (it can have one web ACL)`;
        claim(`lb|${tk}|name|${name}`, "conflict.load-balancer", what, doc, ptr("webAcl", "loadBalancers", "names", i));
      });
      lbs?.arns?.forEach((arn, i) => {
        const what = `The load balancer ${arn} (it can have one web ACL)`;
        claim(`lb|arn|${arn}`, "conflict.load-balancer", what, doc, ptr("webAcl", "loadBalancers", "arns", i));
      });
    }
  }
  // The documents of one policy with several targets (src/policy/targets.ts) share a source: they
  // are one policy, so they conflict only with other documents.
  const same = (a: Claim, b: Claim) => a.doc.file === b.doc.file && a.doc.document === b.doc.document;
  for (const { code, what, claims: list } of claims.values()) {
    if (list.every((c) => same(c, list[0]!))) continue;
    for (const c of list) {
      const others = [...new Set(list.filter((o) => !same(o, c)).map((o) => where(o.doc, o.pointer)))];
      reporter(c.doc, out).add("error", code, c.pointer, `${what} is also claimed at ${others.join(", ")}.`);
    }
  }
}
