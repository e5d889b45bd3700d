// Semantic IAM policy handling for bucket policies (after aws-cdk's cloudformation-diff): two
// documents that AWS treats as the same policy have the same canonical form, so nothing shows a
// diff that is not real. Pure; no SDK imports.
//
// Canonical statement:
//   - Action / NotAction / Resource / NotResource: sorted, de-duplicated; one element → a string.
//   - Principal / NotPrincipal: "*" ≡ {"AWS": "*"} (canonical "*"); every value list sorted and
//     de-duplicated, one element → a string; a 12-digit account id under "AWS" becomes
//     "arn:aws:iam::ID:root" (AWS stores it that way).
//   - Condition: operator names in AWS's spelling (matched case-insensitively), condition keys in
//     their documented spelling for known keys and lower case otherwise (keys are
//     case-insensitive); values as strings, sorted, de-duplicated, one element → a string.
//   - Members in a fixed order (Sid, Effect, Principal, NotPrincipal, Action, NotAction,
//     Resource, NotResource, Condition).
// Statement order is irrelevant: statement lists are sorted by Sid, then canonical JSON.

import type { DiffResult, FieldDiff } from "../model/change.js";
import { AwsError } from "../model/errors.js";
import { type BucketPolicySpec, type IamStatement, OWNERSHIP } from "../model/specs.js";
import { pointerJoin } from "./diff.js";
import { canonicalJson } from "./fingerprint.js";

/** The policy language version IAM assumes when a document has none. */
export const IMPLICIT_POLICY_VERSION = "2008-10-17";
/** The version Cordon writes when it creates a document. */
export const CURRENT_POLICY_VERSION = "2012-10-17";

const BASE_OPERATORS = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
  "Null",
];

const KNOWN_CONDITION_KEYS = [
  "aws:SourceAccount",
  "aws:SourceArn",
  "aws:SourceOrgID",
  "aws:SourceOrgPaths",
  "aws:SourceVpc",
  "aws:SourceVpce",
  "aws:SourceIp",
  "aws:PrincipalAccount",
  "aws:PrincipalArn",
  "aws:PrincipalOrgID",
  "aws:PrincipalOrgPaths",
  "aws:PrincipalServiceName",
  "aws:SecureTransport",
  "aws:UserAgent",
  "aws:userid",
  "aws:username",
  "s3:x-amz-acl",
  "s3:x-amz-server-side-encryption",
  "s3:TlsVersion",
  "s3:ResourceAccount",
];

const operatorByLower = new Map<string, string>();
for (const base of BASE_OPERATORS) {
  for (const prefix of ["", "ForAllValues:", "ForAnyValue:"]) {
    for (const suffix of ["", "IfExists"]) {
      const op = `${prefix}${base}${suffix}`;
      operatorByLower.set(op.toLowerCase(), op);
    }
  }
}
const keyByLower = new Map(KNOWN_CONDITION_KEYS.map((k) => [k.toLowerCase(), k]));

export const canonicalOperator = (op: string): string => operatorByLower.get(op.toLowerCase()) ?? op;
export const canonicalConditionKey = (key: string): string => keyByLower.get(key.toLowerCase()) ?? key.toLowerCase();

type StringSet = string | readonly string[];

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

const scalarString = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** Sorted, de-duplicated; a single element collapses to a string. */
function canonicalSet(v: unknown): StringSet {
  const items = [...new Set(asList(v).map(scalarString))].sort();
  return items.length === 1 ? (items[0] as string) : items;
}

const ACCOUNT_ID = /^\d{12}$/;

function canonicalPrincipal(p: unknown): unknown {
  if (p === "*") return "*";
  if (p === null || typeof p !== "object" || Array.isArray(p)) return p;
  const src = p as Record<string, unknown>;
  const keys = Object.keys(src).sort();
  if (keys.length === 1 && keys[0] === "AWS") {
    const aws = asList(src["AWS"]);
    if (aws.length === 1 && aws[0] === "*") return "*";
  }
  const out: Record<string, StringSet> = {};
  for (const key of keys) {
    const values = asList(src[key]).map((v) => {
      const s = scalarString(v);
      return key === "AWS" && ACCOUNT_ID.test(s) ? `arn:aws:iam::${s}:root` : s;
    });
    out[key] = canonicalSet(values);
  }
  return out;
}

function canonicalCondition(c: unknown): IamStatement["Condition"] | undefined {
  if (c === null || typeof c !== "object" || Array.isArray(c)) return undefined;
  const merged = new Map<string, Map<string, string[]>>();
  for (const [op, block] of Object.entries(c as Record<string, unknown>)) {
    if (block === null || typeof block !== "object") continue;
    const opKey = canonicalOperator(op);
    const byKey = merged.get(opKey) ?? new Map<string, string[]>();
    merged.set(opKey, byKey);
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
      const k = canonicalConditionKey(key);
      byKey.set(k, [...(byKey.get(k) ?? []), ...asList(value).map(scalarString)]);
    }
  }
  if (merged.size === 0) return undefined;
  const out: Record<string, Record<string, StringSet>> = {};
  for (const op of [...merged.keys()].sort()) {
    const byKey = merged.get(op)!;
    const block: Record<string, StringSet> = {};
    for (const key of [...byKey.keys()].sort()) block[key] = canonicalSet(byKey.get(key));
    out[op] = block;
  }
  return out;
}

/** The canonical form of one statement (see the module comment). Input may be any parsed JSON. */
export function canonicalStatement(raw: unknown): IamStatement {
  const s = (raw ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (typeof s["Sid"] === "string" && s["Sid"] !== "") out["Sid"] = s["Sid"];
  out["Effect"] = s["Effect"] === "Deny" ? "Deny" : "Allow";
  if (s["Principal"] !== undefined) out["Principal"] = canonicalPrincipal(s["Principal"]);
  if (s["NotPrincipal"] !== undefined) out["NotPrincipal"] = canonicalPrincipal(s["NotPrincipal"]);
  for (const key of ["Action", "NotAction", "Resource", "NotResource"] as const) {
    if (s[key] !== undefined) out[key] = canonicalSet(s[key]);
  }
  const condition = canonicalCondition(s["Condition"]);
  if (condition !== undefined) out["Condition"] = condition;
  return out as unknown as IamStatement;
}

const statementOrder = (a: IamStatement, b: IamStatement): number => {
  const sa = a.Sid ?? "";
  const sb = b.Sid ?? "";
  if (sa !== sb) return sa < sb ? -1 : 1;
  const ca = canonicalJson(a);
  const cb = canonicalJson(b);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
};

/** Canonical statements in canonical order, exact duplicates removed. */
export function canonicalStatements(raw: readonly unknown[]): IamStatement[] {
  const seen = new Set<string>();
  const out: IamStatement[] = [];
  for (const st of raw.map(canonicalStatement).sort(statementOrder)) {
    const key = canonicalJson(st);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(st);
    }
  }
  return out;
}

export interface CanonicalPolicy {
  readonly Version: string;
  readonly Id?: string;
  readonly Statement: readonly IamStatement[];
}

/** A whole document in canonical form: Version defaults to IAM's implicit 2008-10-17; Statement always a list. */
export function canonicalPolicy(doc: unknown): CanonicalPolicy {
  const d = (doc ?? {}) as Record<string, unknown>;
  const version = typeof d["Version"] === "string" ? d["Version"] : IMPLICIT_POLICY_VERSION;
  const statements = canonicalStatements(asList(d["Statement"]));
  return typeof d["Id"] === "string"
    ? { Version: version, Id: d["Id"], Statement: statements }
    : { Version: version, Statement: statements };
}

/** True when the two documents (parsed JSON or text) are the same policy to IAM. */
export function policiesEquivalent(a: unknown, b: unknown): boolean {
  const parse = (x: unknown) => (typeof x === "string" ? JSON.parse(x) : x);
  return canonicalJson(canonicalPolicy(parse(a))) === canonicalJson(canonicalPolicy(parse(b)));
}

export const isOwnedStatement = (st: unknown, sidPrefix: string = OWNERSHIP.sidPrefix): boolean => {
  const sid = (st as { Sid?: unknown } | null)?.Sid;
  return typeof sid === "string" && sid.startsWith(sidPrefix);
};

export interface SplitPolicy {
  /** Cordon's statements (Sid starts with the prefix), canonical and sorted. */
  readonly owned: readonly IamStatement[];
  /** Every other statement exactly as read, in the document's order. */
  readonly foreign: readonly unknown[];
  /** The document's Version; null when absent. */
  readonly version: string | null;
  /** The document's Id; null when absent. */
  readonly id: string | null;
}

/**
 * Splits a bucket policy read from S3 into Cordon's statements and everyone else's.
 * `null` text (no bucket policy: NoSuchBucketPolicy) gives an empty split.
 * Throws AwsError (code MalformedPolicy) when the text is not a JSON policy document.
 */
export function splitPolicy(documentText: string | null, sidPrefix: string = OWNERSHIP.sidPrefix): SplitPolicy {
  if (documentText === null || documentText.trim() === "") return { owned: [], foreign: [], version: null, id: null };
  let doc: unknown;
  try {
    doc = JSON.parse(documentText);
  } catch (e) {
    throw new AwsError("GetBucketPolicy", "bucket policy", "MalformedPolicy", `not JSON: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new AwsError("GetBucketPolicy", "bucket policy", "MalformedPolicy", "the policy is not a JSON object");
  }
  const d = doc as Record<string, unknown>;
  const all = asList(d["Statement"]);
  return {
    owned: canonicalStatements(all.filter((st) => isOwnedStatement(st, sidPrefix))),
    foreign: all.filter((st) => !isOwnedStatement(st, sidPrefix)),
    version: typeof d["Version"] === "string" ? d["Version"] : null,
    id: typeof d["Id"] === "string" ? d["Id"] : null,
  };
}

/**
 * The document to write: foreign statements first and untouched, then Cordon's. A null version
 * becomes 2012-10-17; a null id is left out. Returns null when there is no statement left: the
 * caller deletes the bucket policy instead (S3 rejects an empty Statement list).
 */
export function mergePolicy(
  owned: readonly IamStatement[],
  foreign: readonly unknown[],
  version: string | null,
  id: string | null,
): string | null {
  if (owned.length === 0 && foreign.length === 0) return null;
  const doc: Record<string, unknown> = { Version: version ?? CURRENT_POLICY_VERSION };
  if (id !== null) doc["Id"] = id;
  doc["Statement"] = [...foreign, ...owned];
  return JSON.stringify(doc);
}

/**
 * Diff of Cordon's statements in a bucket policy: one field per Sid that differs
 * ("/statements/<Sid>", before/after the canonical statement or null). Never a replacement.
 */
export function bucketPolicyDiff(desired: BucketPolicySpec, live: BucketPolicySpec): DiffResult {
  const bySid = (sts: readonly IamStatement[]) => {
    const m = new Map<string, IamStatement[]>();
    for (const st of canonicalStatements(sts)) {
      const sid = st.Sid ?? "";
      m.set(sid, [...(m.get(sid) ?? []), st]);
    }
    return m;
  };
  const want = bySid(desired.statements);
  const have = bySid(live.statements);
  const fields: FieldDiff[] = [];
  for (const sid of [...new Set([...want.keys(), ...have.keys()])].sort()) {
    const a = want.get(sid) ?? [];
    const b = have.get(sid) ?? [];
    if (canonicalJson(a) === canonicalJson(b)) continue;
    const one = (xs: IamStatement[]) => (xs.length === 0 ? null : xs.length === 1 ? xs[0] : xs);
    fields.push({ path: pointerJoin("/statements", sid), before: one(b), after: one(a) });
  }
  // Log delivery stops for every resource, source account or source ARN the live statements admit
  // and the desired ones do not: a monitoring control lapses there (docs/targets.md, "A central
  // log-archive bucket": an account dropped from the delivery policy).
  const wanted = new Set(admittedBy(desired.statements));
  const dropped = admittedBy(live.statements).filter((x) => !wanted.has(x));
  if (dropped.length === 0) return { fields, replace: false };
  const what = [...new Set(dropped.map((x) => x.slice(x.indexOf("|") + 1).replace("|", " ")))].sort();
  const shown = what.length > 6 ? [...what.slice(0, 6), `${what.length - 6} more`] : what;
  return {
    fields,
    replace: false,
    broadensAccess: true,
    notes: [`log delivery to ${desired.bucket} stops for ${shown.join(", ")}`],
  };
}

/** "Sid|what|value" for each resource and aws:SourceAccount / aws:SourceArn value of the statements. */
function admittedBy(statements: readonly IamStatement[]): string[] {
  const values = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  return canonicalStatements(statements).flatMap((st) => {
    const sid = st.Sid ?? "";
    const conditions = Object.values((st.Condition ?? {}) as Record<string, Record<string, unknown>>);
    return [
      ...values(st.Resource).map((r) => `${sid}|resource|${r}`),
      ...conditions.flatMap((c) =>
        ["aws:SourceAccount", "aws:SourceArn"].flatMap((k) => values(c[k]).map((v) => `${sid}|${k}|${v}`)),
      ),
    ];
  });
}
