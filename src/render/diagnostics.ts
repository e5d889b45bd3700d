// Diagnostics renderers: text (people), json (machines), github (Actions annotations).
// Pure functions from a report to a string; the caller decides where it goes (stdout).
//
// JSON shape (stable; `format` changes only with an incompatible change):
//   {
//     "format": "cordon.diagnostics/v1",
//     "valid": boolean,                 // no errors (warnings allowed)
//     "summary": { "errors": n, "warnings": n, "files": n, "policies": n },
//     "diagnostics": [                  // sorted: file, document, line, column, code
//       { "severity": "error" | "warning", "code": string, "file": string,
//         "line": number | null, "column": number | null,   // 1-based; null = whole file
//         "pointer": string,            // RFC 6901 JSON pointer into the document, "" = root
//         "document": number,           // 0-based document index in a multi-document file
//         "message": string, "hint": string | null }
//     ]
//   }

import { readablePointer } from "../domain/diff.js";
import { countBySeverity, type Diagnostic, sortDiagnostics } from "../model/diagnostics.js";
import { assertNever } from "../model/errors.js";
import { actionsData, actionsProperty, jsonText, term } from "./safe-text.js";
import type { Styler } from "./style.js";

export type DiagnosticsFormat = "text" | "json" | "github";
export const DIAGNOSTICS_FORMATS: readonly DiagnosticsFormat[] = ["text", "json", "github"];
export const DIAGNOSTICS_JSON_FORMAT = "cordon.diagnostics/v1";

export interface DiagnosticsReport {
  readonly diagnostics: readonly Diagnostic[];
  /** Policy files read. */
  readonly files: number;
  /** Policies (documents) that passed the schema. */
  readonly policies: number;
}

/** Picks the format: an explicit choice wins; on GitHub Actions annotations; otherwise text. */
export function chooseFormat(
  explicit: DiagnosticsFormat | undefined,
  env: NodeJS.ProcessEnv = process.env,
): DiagnosticsFormat {
  if (explicit !== undefined) return explicit;
  return env["GITHUB_ACTIONS"] === "true" ? "github" : "text";
}

export function renderDiagnostics(report: DiagnosticsReport, format: DiagnosticsFormat, style: Styler): string {
  switch (format) {
    case "text":
      return renderText(report, style);
    case "json":
      return renderJson(report);
    case "github":
      return renderGithub(report);
    default:
      return assertNever(format, "diagnostics format");
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "2 errors, 1 warning in 3 files". */
export function summaryLine(report: DiagnosticsReport): string {
  const { errors, warnings } = countBySeverity(report.diagnostics);
  return `${plural(errors, "error")}, ${plural(warnings, "warning")} in ${plural(report.files, "file")}`;
}

function location(d: Diagnostic): string {
  return d.position === null ? term(d.file) : `${term(d.file)}:${d.position.line}:${d.position.column}`;
}

const INDENT = " ".repeat("warning ".length);

/** Errors first, then warnings, each with its hint underneath; a closing count line. */
export function renderText(report: DiagnosticsReport, s: Styler): string {
  const sorted = sortDiagnostics(report.diagnostics);
  const lines: string[] = [];
  for (const severity of ["error", "warning"] as const) {
    const group = sorted.filter((d) => d.severity === severity);
    if (group.length === 0) continue;
    if (lines.length > 0) lines.push("");
    const label = severity === "error" ? s.red(s.bold("error")) : s.yellow(s.bold("warning"));
    const pad = severity === "error" ? "  " : "";
    for (const d of group) {
      const where = d.pointer === "" ? "" : ` ${s.dim(term(readablePointer(d.pointer)))}`;
      // A message may run over several lines (Cordon's own); each is shown indented, data escaped.
      const message = d.message.split("\n").map(term).join(`\n${INDENT}`);
      lines.push(`${label}${pad} ${s.bold(location(d))}  ${message}${where} ${s.dim(`[${term(d.code)}]`)}`);
      if (d.hint !== undefined)
        lines.push(`${INDENT}${s.cyan("hint:")} ${d.hint.split("\n").map(term).join(`\n${INDENT}`)}`);
    }
  }
  const { errors } = countBySeverity(report.diagnostics);
  if (lines.length > 0) lines.push("");
  const summary = summaryLine(report);
  if (errors > 0) lines.push(s.red(s.bold(summary)));
  else lines.push(s.green(`${summary}: ${report.policies} ${report.policies === 1 ? "policy" : "policies"} valid`));
  return `${lines.join("\n")}\n`;
}

export function renderJson(report: DiagnosticsReport): string {
  const { errors, warnings } = countBySeverity(report.diagnostics);
  const body = {
    format: DIAGNOSTICS_JSON_FORMAT,
    valid: errors === 0,
    summary: { errors, warnings, files: report.files, policies: report.policies },
    diagnostics: sortDiagnostics(report.diagnostics).map((d) => ({
      severity: d.severity,
      code: d.code,
      file: d.file,
      line: d.position?.line ?? null,
      column: d.position?.column ?? null,
      pointer: d.pointer,
      document: d.document,
      message: d.message,
      hint: d.hint ?? null,
    })),
  };
  return `${jsonText(body)}\n`;
}

/** One `::error` / `::warning` workflow command per diagnostic, then the count line. */
export function renderGithub(report: DiagnosticsReport): string {
  const lines = sortDiagnostics(report.diagnostics).map((d) => {
    // Workflow-command escaping as GitHub documents it (src/render/safe-text.ts).
    const props = [`file=${actionsProperty(d.file)}`];
    if (d.position !== null) props.push(`line=${d.position.line}`, `col=${d.position.column}`);
    props.push(`title=${actionsProperty(`cordon ${d.code}`)}`);
    const pointer = d.pointer === "" ? "" : ` (at ${readablePointer(d.pointer)})`;
    const hint = d.hint === undefined ? "" : ` ${d.hint}`;
    return `::${d.severity} ${props.join(",")}::${actionsData(`${d.message}${hint}${pointer}`)}`;
  });
  lines.push(summaryLine(report));
  return `${lines.join("\n")}\n`;
}
