// Logs for long-running commands: one line per event on stderr, either readable text or JSON
// lines (--log-format json) with `time`, `level`, `msg` and the event's fields. Written through the
// output guard of docs/output-safety.md: no control character or `::` line from data.
import { jsonSafe, safeOutput } from "../render/safe-text.js";

export type LogFormat = "text" | "json";
export type LogLevel = "debug" | "info" | "warn" | "error";

export type Logger = (level: LogLevel, msg: string, fields?: Readonly<Record<string, unknown>>) => void;

const show = (v: unknown): string => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
};

export function makeLogger(
  format: LogFormat,
  write: (line: string) => void = (l) => process.stderr.write(safeOutput(l)),
  now: () => Date = () => new Date(),
): Logger {
  return (level, msg, fields = {}) => {
    const time = now().toISOString();
    if (format === "json") {
      // C1, bidi and separator characters as \u escapes: still JSON, nothing for the guard to change.
      write(`${jsonSafe(JSON.stringify({ time, level, msg, ...fields }))}\n`);
      return;
    }
    const kv = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${show(v)}`)
      .join(" ");
    write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? ` ${kv}` : ""}\n`);
  };
}
