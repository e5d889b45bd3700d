// A query result in the formats of `cordon query --format` (docs/query.md, "Output"), and the stats
// line on stderr. Cells are data: every one goes through the function of its medium
// (src/render/safe-text.ts), so a value holding ESC or a newline is shown as a visible escape.
//   table     aligned columns (numbers right-aligned), terminal-safe;
//   json      { columns, rows: [{ column: value }], stats }: one document;
//   csv       RFC 4180 quoting (fields with , " or a leading/trailing blank quoted, " doubled),
//             a header line, LF line ends, escapes as on a terminal;
//   markdown  a table with every cell escaped as markdown text.
import { formatBytes } from "../domain/bytes.js";
import type { QueryCell, QueryResult, QueryStats } from "../model/query.js";
import { jsonText, mdText, term } from "./safe-text.js";

export const QUERY_FORMATS = ["table", "json", "csv", "markdown"] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

const text = (c: QueryCell): string => (c === null ? "" : typeof c === "string" ? c : String(c));

function renderTable(r: QueryResult): string {
  if (r.columns.length === 0) return "(no columns)";
  const header = r.columns.map((c) => term(c.name));
  const body = r.rows.map((row) => row.map((c) => (c === null ? "-" : term(text(c)))));
  const numeric = r.columns.map((c) => c.type === "integer" || c.type === "double");
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const lines = [line(header), rule, ...body.map(line)];
  if (r.rows.length === 0) lines.push("(no rows)");
  return lines.join("\n");
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or blanks at either end; quotes doubled. */
export function csvField(value: string): string {
  return /[",]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function renderCsv(r: QueryResult): string {
  const line = (cells: readonly string[]) => cells.map((c) => csvField(term(c))).join(",");
  return [line(r.columns.map((c) => c.name)), ...r.rows.map((row) => line(row.map(text)))].join("\n");
}

function renderMarkdown(r: QueryResult): string {
  // mdText escapes `|` too, so a cell cannot end the table cell.
  const esc = mdText;
  const numeric = r.columns.map((c) => c.type === "integer" || c.type === "double");
  const lines = [
    `| ${r.columns.map((c) => esc(c.name)).join(" | ")} |`,
    `| ${numeric.map((n) => (n ? "---:" : "---")).join(" | ")} |`,
    ...r.rows.map((row) => `| ${row.map((c) => (c === null ? "" : esc(text(c)))).join(" | ")} |`),
  ];
  if (r.rows.length === 0) lines.push("", "_No rows._");
  return lines.join("\n");
}

function renderJson(r: QueryResult): string {
  const rows = r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i] ?? null])));
  return jsonText({ columns: r.columns, rows, stats: r.stats });
}

export function renderQueryResult(r: QueryResult, format: QueryFormat): string {
  switch (format) {
    case "table":
      return renderTable(r);
    case "json":
      return renderJson(r);
    case "csv":
      return renderCsv(r);
    case "markdown":
      return renderMarkdown(r);
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/**
 * The stats line: engine, rows, bytes scanned, objects fetched and cached (local) or cost and query
 * id (Athena), times.
 */
export function renderQueryStats(stats: QueryStats, rows: number): string {
  const parts = [
    `${stats.engine} engine`,
    `${rows} row${rows === 1 ? "" : "s"}`,
    `${formatBytes(stats.bytesScanned)} scanned`,
  ];
  if (stats.objectsListed !== undefined) {
    parts.push(
      `${stats.objectsListed} object${stats.objectsListed === 1 ? "" : "s"} (${stats.objectsFetched ?? 0} fetched, ${formatBytes(stats.bytesFetched ?? 0)}; ${stats.cacheHits ?? 0} cached)`,
    );
  }
  if (stats.costUsd !== undefined) parts.push(`cost $${stats.costUsd.toFixed(stats.costUsd < 0.01 ? 5 : 2)}`);
  if (stats.queryId !== undefined) parts.push(`query ${term(stats.queryId)}`);
  parts.push(`${seconds(stats.elapsedMs)}${stats.queryMs !== undefined ? ` (query ${seconds(stats.queryMs)})` : ""}`);
  const line = parts.join(", ");
  return stats.outputLocation !== undefined ? `${line}\nResults: ${term(stats.outputLocation)}` : line;
}
