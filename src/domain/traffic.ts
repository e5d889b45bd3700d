// Small words for flow-log figures, shared by the findings (src/query/investigate.ts) and their
// renderers: IANA protocol names and shares for people (byte sizes: bytes.ts).

const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6" };

/** "UDP" for 17; "protocol 47" for one without a common name. */
export const protocolName = (p: number): string => PROTOCOL_NAMES[p] ?? `protocol ${p}`;

/** A share (0..1) as a percentage: one decimal near 0 and 100 %, else none. */
export const percent = (x: number): string => `${(x * 100).toFixed(x >= 0.995 || x < 0.01 ? 1 : 0)}%`;

/**
 * A flow-log time (`start`, `end`: epoch seconds, as the record holds it) as ISO 8601 text, UTC, to
 * the second; null for no time (0, empty, not a number).
 */
export function epochSecondsIso(v: string | number | boolean | null | undefined): string | null {
  if (v === null || v === undefined || v === "" || typeof v === "boolean") return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString().replace(/\.000Z$/, "Z") : null;
}
