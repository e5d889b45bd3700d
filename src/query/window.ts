// The time window of --since/--until (docs/query.md, "Filters"): relative to now (30m, 1h, 24h, 7d,
// 2w) or absolute (an ISO 8601 date, UTC midnight, or a time with Z or an offset). Pure.

import { parseDuration } from "../domain/duration.js";
import { UsageError } from "../model/errors.js";
import type { PartitionWindow } from "../model/query.js";

/** A --since/--until value as an instant; a usage error naming the flag otherwise. */
export function parseTime(text: string, now: Date, flag: string): Date {
  const t = text.trim();
  // A duration before now (30m, 24h, 7d, 1h30m: src/domain/duration.ts); a bare number is no window.
  if (/^\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)/.test(t))
    return new Date(now.getTime() - parseDuration(t.replace(/\s+/g, ""), flag, { days: true }));
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const d = new Date(`${t}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(t)) return d;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t)) {
    const d = new Date(t);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new UsageError(
    `${flag} must be a duration before now (30m, 1h, 24h, 7d, 2w) or an ISO 8601 date or time (2026-12-05, 2026-12-05T10:00:00Z), got "${text}"`,
  );
}

export interface WindowOptions {
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly accounts?: readonly string[] | undefined;
  readonly regions?: readonly string[] | undefined;
}

/** Default: the last 24 hours. */
export const DEFAULT_SINCE = "24h";

/** The partition window of the options (since defaults to 24h before now, until to now). */
export function windowOf(o: WindowOptions, now: Date): PartitionWindow {
  const from = parseTime(o.since ?? DEFAULT_SINCE, now, "--since");
  const until = o.until === undefined ? now : parseTime(o.until, now, "--until");
  if (from.getTime() >= until.getTime()) {
    throw new UsageError(`--since (${from.toISOString()}) must be before --until (${until.toISOString()})`);
  }
  return {
    from,
    until,
    ...(o.accounts !== undefined && o.accounts.length > 0 ? { accounts: o.accounts } : {}),
    ...(o.regions !== undefined && o.regions.length > 0 ? { regions: o.regions } : {}),
  };
}
