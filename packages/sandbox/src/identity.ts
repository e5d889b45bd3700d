// Who is calling: the access key id and region from SigV4 (signature never checked), the account
// the key acts for, and its IAM allow-list. Identities live in a global store slice so that
// AssumeRole sessions and seeded access keys persist with the rest of the state.
import type { IncomingHttpHeaders } from "node:http";
import type { ServiceContext } from "./types.js";

export const DEFAULT_ACCOUNT = "111122223333";
export const DEFAULT_REGION = "us-east-1";
export const IDENTITY_SLICE = "iam.identities";

/**
 * The trust policy of a role (an accessKeys entry keyed by role ARN): who may assume it. A principal
 * is a 12-digit account id or `arn:aws:iam::<account>:root` (any identity of that account), a user
 * ARN (that key), a role ARN (that role's sessions), or `*`. With `externalId`, AssumeRole must pass
 * exactly it (the sts:ExternalId condition). A role without `trust` may be assumed by anyone.
 */
export interface RoleTrust {
  readonly principals: readonly string[];
  readonly externalId?: string;
}

export interface AccessKeyEntry {
  readonly account: string;
  /** IAM action patterns (`ec2:Describe*`); absent = everything allowed. */
  readonly allow?: readonly string[];
  /** Caller ARN reported by GetCallerIdentity (default `arn:aws:iam::<account>:user/<key id>`). */
  readonly arn?: string;
  /**
   * An identity policy document (parsed JSON): evaluated per request as IAM does (src/iam.ts),
   * instead of `allow`. Absent = `allow` (or everything).
   */
  readonly policy?: unknown;
  /** For a role ARN: its trust policy (who may assume it); absent = anyone. */
  readonly trust?: RoleTrust;
}

export interface SessionEntry {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
  readonly allow?: readonly string[];
  readonly policy?: unknown;
  readonly expiration: string;
}

export interface Identities {
  defaultAccount?: string;
  /** Keyed by access key id, or by role ARN (the allow-list of sessions of that role). */
  accessKeys: Record<string, AccessKeyEntry>;
  /** AssumeRole session keys (ASIA…). */
  sessions: Record<string, SessionEntry>;
}

export const identities = (ctx: Pick<ServiceContext, "global">): Identities =>
  ctx.global<Identities>(IDENTITY_SLICE, () => ({ accessKeys: {}, sessions: {} }));

export interface Credential {
  readonly accessKeyId: string;
  readonly region: string;
  /** Signing name from the credential scope (e.g. "ec2"), "" when absent. */
  readonly service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

/** From `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, …` or `X-Amz-Credential`. */
export function parseCredential(headers: IncomingHttpHeaders, query: URLSearchParams): Credential | null {
  const auth = headers.authorization;
  const m = typeof auth === "string" ? CREDENTIAL.exec(auth) : null;
  if (m) return { accessKeyId: m[1] as string, region: m[2] as string, service: m[3] as string };
  const q = query.get("X-Amz-Credential");
  if (q !== null) {
    const parts = q.split("/");
    if (parts.length >= 5) {
      return { accessKeyId: parts[0] as string, region: parts[2] as string, service: parts[3] as string };
    }
  }
  return null;
}

export interface Caller {
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
  readonly allow: readonly string[] | undefined;
  /** The identity policy, when the key (or the assumed role) has one. */
  readonly policy: unknown;
}

/** Session keys first, then configured keys, then a 12-digit key id = that account, else the default account. */
export function resolveCaller(ids: Identities, accessKeyId: string): Caller {
  const session = ids.sessions[accessKeyId];
  if (session !== undefined) {
    return {
      account: session.account,
      arn: session.arn,
      userId: session.userId,
      allow: session.allow,
      policy: session.policy,
    };
  }
  const entry = ids.accessKeys[accessKeyId];
  const account =
    entry?.account ?? (/^\d{12}$/.test(accessKeyId) ? accessKeyId : ids.defaultAccount) ?? DEFAULT_ACCOUNT;
  return {
    account,
    arn: entry?.arn ?? `arn:aws:iam::${account}:user/${accessKeyId || "anonymous"}`,
    userId: accessKeyId.startsWith("AKIA") ? `AIDA${accessKeyId.slice(4)}` : accessKeyId || "anonymous",
    allow: entry?.allow,
    policy: entry?.policy,
  };
}

const patternCache = new Map<string, RegExp>();

/** IAM-style wildcard match (`*`, `?`), case-insensitive as IAM action names are. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = true): boolean {
  const key = `${caseInsensitive ? "i" : "s"}${pattern}`;
  let re = patternCache.get(key);
  if (re === undefined) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    re = new RegExp(`^${body}$`, caseInsensitive ? "is" : "s");
    if (patternCache.size > 10_000) patternCache.clear();
    patternCache.set(key, re);
  }
  return re.test(value);
}

export function actionAllowed(allow: readonly string[] | undefined, action: string): boolean {
  if (allow === undefined) return true;
  return allow.some((p) => wildcardMatch(p, action));
}

/**
 * Gives a key (or a role ARN: its sessions) an identity policy; null removes it (the key is then
 * back to its allow-list, or to everything). The key keeps its account (a new one: the 12-digit key
 * itself, else the default account).
 */
export function setKeyPolicy(ids: Identities, key: string, policy: unknown): void {
  const existing = ids.accessKeys[key];
  const roleAccount = /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(key)?.[1];
  const account =
    existing?.account ?? roleAccount ?? (/^\d{12}$/.test(key) ? key : ids.defaultAccount) ?? DEFAULT_ACCOUNT;
  const { policy: _old, ...rest } = existing ?? { account };
  ids.accessKeys[key] = policy === null ? { ...rest, account } : { ...rest, account, policy };
}

/** Whether `caller` may assume a role trusting `trust`, passing `externalId` (AWS's trust evaluation, simplified). */
export function trustAllows(
  trust: RoleTrust,
  caller: Pick<Caller, "account" | "arn">,
  externalId: string | null,
): boolean {
  if (trust.externalId !== undefined && externalId !== trust.externalId) return false;
  return trust.principals.some((p) => {
    if (p === "*") return true;
    if (/^\d{12}$/.test(p)) return caller.account === p;
    const root = /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(p);
    if (root) return caller.account === root[1];
    const role = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(p);
    if (role) return caller.arn.startsWith(`arn:aws:sts::${role[1]}:assumed-role/${role[2]}/`);
    return caller.arn === p;
  });
}
