// Guard rails and expiry notes shared by every blocking enforcement (NACL deny entries, WAF IP
// sets, the geo rule): which entries are past their date and why a block is refused. Expiry
// itself is defined once in blocklist.ts (shared with validation). Pure and synchronous.
import { isExpired } from "./blocklist.js";
import { type Cidr, formatCidr, overlaps, parseCidr } from "./cidr.js";

export interface Expirable {
  readonly reason: string;
  readonly ticket?: string;
  readonly expires?: string;
}

/** "203.0.113.7/32 no longer blocked: expired 2026-12-31, ticket INC-42 (flood from our fleet)". */
export function expiryNote(what: string, entry: Expirable): string {
  const ticket = entry.ticket === undefined ? "" : `, ticket ${entry.ticket}`;
  return `${what} no longer blocked: expired ${entry.expires ?? "?"}${ticket} (${entry.reason})`;
}

/** Splits entries into those still enforced and those past their date. */
export function partitionExpired<E extends Expirable>(
  entries: readonly E[],
  today: string,
): { readonly active: readonly E[]; readonly expired: readonly E[] } {
  const active: E[] = [];
  const expired: E[] = [];
  for (const e of entries) (isExpired(e.expires, today) ? expired : active).push(e);
  return { active, expired };
}

export interface GuardContext {
  /** The policy's allowlist, parsed. Blocking anything that overlaps one of these is refused. */
  readonly allowlist: readonly { readonly cidr: Cidr; readonly reason: string }[];
  /** CIDRs of the VPCs a NACL block is enforced in (empty for WAF enforcement). */
  readonly vpcCidrs: readonly { readonly vpcId: string; readonly cidr: Cidr }[];
}

/**
 * Why blocking `cidr` is refused, or null when it is allowed: the whole internet (/0), a range that
 * overlaps the allowlist, or one that overlaps a CIDR of the targeted VPC itself.
 */
export function guardProblem(cidr: Cidr, ctx: GuardContext): string | null {
  const text = formatCidr(cidr);
  if (cidr.prefix === 0) {
    return `${text} is the whole ${cidr.family === "ipv4" ? "IPv4" : "IPv6"} internet; blocking it would cut off all traffic`;
  }
  for (const a of ctx.allowlist) {
    if (overlaps(a.cidr, cidr)) {
      return `${text} overlaps the allowlist entry ${formatCidr(a.cidr)} (${a.reason}); an allowlisted range is never blocked`;
    }
  }
  for (const v of ctx.vpcCidrs) {
    if (overlaps(v.cidr, cidr)) {
      return `${text} overlaps ${formatCidr(v.cidr)}, a CIDR of ${v.vpcId} itself; blocking it would cut the VPC off from its own addresses`;
    }
  }
  return null;
}

/** Parses declared text to a canonical block (host bits cleared, bare address = /32 or /128). */
export function blockOf(text: string): Cidr | null {
  const p = parseCidr(text);
  return p.ok ? p.cidr : null;
}
