// Reference copy (not used by Cordon): the renderer as it was before the third pass of
// docs/performance.md, kept so that test/unit/render/reference.test.ts can compare the faster one with it.
// The one place where data meets an output medium (docs/output-safety.md). Every renderer and
// every CLI line that interpolates data — names, addresses, reasons, tickets, tag values, strings
// AWS returned, error messages — passes it through the function of its medium:
//   terminal   `term`        control, bidi and separator characters as visible escapes (\n, \u{1b});
//   markdown   `mdText`      text in markdown: escaped so it is only text (no heading, quote, list,
//                            fence, emphasis, link, image, raw HTML, mention or autolink);
//              `mdHtml`      text inside raw HTML (<summary>, <code>): entities, no mention/autolink;
//              `mdCode`      an inline code span that its content cannot close;
//              `fenceFor`    a code-block fence that no line of the block can close;
//   JSON       `jsonText`    JSON.stringify, with the characters it leaves raw (C1, bidi, U+2028)
//                            written as \u escapes: the same value, nothing a terminal acts on;
//   Actions    `actionsData` / `actionsProperty`: a workflow command's message and properties,
//                            escaped as GitHub documents (%25 %0D %0A; and %3A %2C in properties).
// `safeOutput` is the last guard on everything the CLI writes to stdout / stderr: it lets through
// only Cordon's own colour codes, and no line may start with `::` (a workflow command) unless the
// caller is writing Cordon's own annotations.
import { escapeUnsafe, UNSAFE_CLASS } from "../../../../src/domain/text.js";

/** Zero-width space: breaks a mention, an autolink or a workflow command without changing what people read. */
export const ZWSP = "\u200b";

/**
 * Data on a terminal (or in a job log): no escape sequence, control, bidi or line-breaking character,
 * and, should it begin a line, never a workflow command (a leading `::` gets a zero-width space).
 */
export const term = (s: string): string => escapeUnsafe(s).replace(/^(\s*)::/, `$1${ZWSP}::`);

const UNSAFE_ALL = new RegExp(`[${UNSAFE_CLASS}]`, "gu");

/** `JSON.stringify(value, null, 2)` in which no string holds a raw control, bidi or separator character. */
export const jsonText = (value: unknown): string => jsonSafe(JSON.stringify(value, null, 2));

/**
 * JSON text (a plan file as read) with the raw control, bidi and separator characters in its strings
 * written as \u escapes: the same JSON value. Tab, line feed and carriage return are left alone:
 * outside strings they are whitespace, and JSON does not allow them raw inside one.
 */
export const jsonSafe = (text: string): string =>
  text.replace(UNSAFE_ALL, (c) =>
    c === "\t" || c === "\n" || c === "\r" ? c : `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );

/** Breaks `@name` mentions, `scheme://` and `www.` autolinks with a zero-width space. */
const defuse = (s: string): string =>
  s
    .replace(/@/g, `@${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWSP}.`);

const ENTITY: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "[": "&#91;",
  "]": "&#93;",
  "!": "&#33;",
  "*": "&#42;",
  _: "&#95;",
  "`": "&#96;",
  "~": "&#126;",
};

/** Characters that open inline markdown (emphasis, code, links, images, HTML, tables, strikethrough). */
const MD_INLINE = /[\\`*_[\]<>&!|~]/g;

/**
 * Data as markdown text (a list item, a quote line, a table cell, bold text): on one line; every
 * character that opens inline markdown (\\ ` * _ [ ] ! | ~) backslash-escaped and `& < >` as
 * entities, so no emphasis, code, link, image or raw HTML; a leading `#`, `>`, `+`, `-`, `=` or
 * `1.` (before a blank) escaped, so no heading, quote or list; mentions and autolinks broken. It renders as the same
 * words and nothing else.
 */
export const mdText = (s: string): string =>
  defuse(escapeUnsafe(s))
    .replace(MD_INLINE, (c) => (c === "&" || c === "<" || c === ">" ? (ENTITY[c] ?? c) : `\\${c}`))
    .replace(/^ /, "&#32;")
    .replace(/^([#>+\-=])/, "\\$1")
    .replace(/^(\d{1,9})([.)])(?=\s|$)/, "$1\\$2");

/**
 * Data inside raw HTML (a <summary>, a <code>): on one line, `& < > " '` as entities, and the
 * characters markdown would read (`[ ] ! * _ \` ~`) too, should a renderer read markdown there;
 * mentions and autolinks broken.
 */
export const mdHtml = (s: string): string => defuse(escapeUnsafe(s)).replace(/[&<>"'[\]!*_`~]/g, (c) => ENTITY[c] ?? c);

const longestRun = (s: string, ch: string): number =>
  Math.max(0, ...[...s.matchAll(new RegExp(`${ch === "`" ? "`" : "~"}+`, "g"))].map((m) => m[0].length));

/**
 * Data as an inline code span whose content cannot close it (the fence is longer than any backtick
 * run inside). `table`: inside a table cell, where `|` must be escaped even in code.
 */
export function mdCode(s: string, options: { table?: boolean } = {}): string {
  let body = defuse(escapeUnsafe(s));
  if (options.table === true) body = body.replace(/\|/g, "\\|");
  const fence = "`".repeat(longestRun(body, "`") + 1);
  const pad = body.startsWith("`") || body.endsWith("`") || body.startsWith(" ") ? " " : "";
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** The lines of a fenced code block made safe: each on its own line, no control or bidi character. */
export const codeBlockLines = (lines: readonly string[]): string[] => lines.map(escapeUnsafe);

/** A backtick fence that no line of `body` can close (longer than its longest backtick run). */
export const fenceFor = (body: string): string => "`".repeat(Math.max(3, longestRun(body, "`") + 1));

// Workflow-command escaping, as GitHub documents it (and @actions/core does: escapeData,
// escapeProperty). Control characters other than line breaks become visible first.
/** A workflow command's message: `%` `\r` `\n` percent-encoded, so it stays one command line. */
export const actionsData = (s: string): string =>
  s.split(/\r?\n/).map(escapeUnsafe).join("\n").replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");

/** A workflow command's property value (file=, title=): also `:` and `,` percent-encoded. */
export const actionsProperty = (s: string): string => actionsData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

const STYLE_CODE = /\u001b\[(?:1|2|22|31|32|33|36|39)m/g;
/** A character escapeUnsafe would change, other than line feed and tab (which safeOutput keeps). */
const UNSAFE_BUT_LF_TAB = new RegExp(
  `[${UNSAFE_CLASS.replace("\\u0000-\\u001f", "\\u0000-\\u0008\\u000b-\\u001f")}]`,
  "u",
);
/** A line of a text, anywhere in it, that isCommandLine would flag. */
const COMMAND_LINE_ANYWHERE = /(?:^|\n)[^\S\n]*::/;

/** True when GitHub Actions would read `line` as a workflow command (`::name ...::`, after leading blanks). */
export const isCommandLine = (line: string): boolean => /^\s*::/.test(line.replace(STYLE_CODE, ""));

/**
 * The last guard on what the CLI writes: every control character except line feed, tab and Cordon's
 * own colour codes becomes a visible escape, and a line that would start with `::` gets a zero-width
 * space in front — unless `commands` says the text is Cordon's own workflow commands (the github
 * diagnostics format), whose data parts `actionsData` already escaped.
 */
export function safeOutput(text: string, options: { commands?: boolean } = {}): string {
  // Nothing to change (the usual case: a plan of 20,000 changes is ~100,000 lines): the text as it is.
  const plain = text.replace(STYLE_CODE, "");
  if (!UNSAFE_BUT_LF_TAB.test(plain) && (options.commands === true || !COMMAND_LINE_ANYWHERE.test(plain))) return text;
  const lines = text.split("\n").map((line) => {
    const parts = line.split(STYLE_CODE);
    const codes = [...line.matchAll(STYLE_CODE)].map((m) => m[0]);
    const clean = parts
      .map((p) => p.split("\t").map(escapeUnsafe).join("\t"))
      .reduce((acc, p, i) => acc + p + (codes[i] ?? ""), "");
    if (options.commands === true || !isCommandLine(clean)) return clean;
    return clean.replace(/::/, `${ZWSP}::`);
  });
  return lines.join("\n");
}
