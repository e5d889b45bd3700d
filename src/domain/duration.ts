// Durations of options and messages (lock TTLs and timeouts, watch intervals, query windows, the
// expiry investigate proposes): "500ms", "30s", "15m", "1h", "1h30m", "7d", "2w", or a bare number
// of seconds.
import { UsageError } from "../model/errors.js";

export const DAY_MS = 86_400_000;
const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/**
 * Milliseconds; throws UsageError naming the option on anything else. Days and weeks (`7d`, `2w`)
 * only where `days` says so (query windows, expiries): a lock TTL or a watch interval of days is a
 * typo more often than not.
 */
export function parseDuration(text: string, option: string, options: { readonly days?: boolean } = {}): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1_000);
  const units = options.days === true ? /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g : /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  const parts = [...t.matchAll(units)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== t) {
    throw new UsageError(
      `${option} must be a duration such as 30s, 15m or 1h${options.days === true ? " (or 7d, 2w)" : ""} (got "${text}")`,
    );
  }
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] as string] as number), 0));
}

/** "15m", "1h30m", "45s", "250ms" — the inverse of parseDuration for whole values. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1_000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 || (h === 0 && m === 0) ? `${s}s` : ""}`;
}
