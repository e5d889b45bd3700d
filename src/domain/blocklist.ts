// The blocked addresses actually enforced on a given day: the one definition shared by validation
// (src/policy/semantic.ts) and the NACL / WAF desired state, so both agree on expiry and merging.
import type { AddressEntry } from "../model/policy.js";
import { aggregate, type Cidr, cidrOf } from "./cidr.js";

/** Today's date in UTC as YYYY-MM-DD, the form `expires` and `today` are compared in. */
export function utcDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * An entry expires after its `expires` day: it is in force on that day and gone the next.
 * Both dates are YYYY-MM-DD, so string order is date order.
 */
export function isExpired(expires: string | undefined, today: string): boolean {
  return expires !== undefined && expires < today;
}

export interface BlockedCidrs {
  /** Aggregated (minimal, sorted) IPv4 blocks. */
  readonly ipv4: readonly Cidr[];
  /** Aggregated (minimal, sorted) IPv6 blocks. */
  readonly ipv6: readonly Cidr[];
}

/**
 * The CIDRs to enforce: entries not expired on `today`, aggregated per family. Entries whose cidr
 * is malformed or has host bits set are skipped: validation rejects such policies before a plan.
 */
export function enforcedCidrs(entries: readonly AddressEntry[], today: string): BlockedCidrs {
  const cidrs: Cidr[] = [];
  for (const e of entries) {
    if (isExpired(e.expires, today)) continue;
    const c = cidrOf(e.cidr);
    if (c !== null) cidrs.push(c);
  }
  const all = aggregate(cidrs);
  return { ipv4: all.filter((c) => c.family === "ipv4"), ipv6: all.filter((c) => c.family === "ipv6") };
}
