// Reading policy files: paths (files or directories) → ParsedDocuments with positions, plus
// load diagnostics. Never throws for bad input: every problem becomes a Diagnostic with the
// file and, where there is one, line and column. Only a bug escapes as an exception.
//
// Guard rails (each an error diagnostic): a path that does not exist, a directory with no
// *.yaml / *.yml files, a file over MAX_POLICY_FILE_BYTES (refused from its size alone, never
// read), NUL bytes, invalid UTF-8, an empty file or one holding only comments, malformed YAML,
// duplicate keys, too many aliases (alias bombs). Synchronous on purpose: policy sets are small
// and callers (validate, plan, watch) want a plain value.
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import {
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  Parser,
  type YAMLError,
  type YAMLMap,
  YAMLParseError,
} from "yaml";
import type { Diagnostic, Position } from "../model/diagnostics.js";
import type { ParsedDocument } from "./document.js";

/** Files larger than this are refused without being read. */
export const MAX_POLICY_FILE_BYTES = 5 * 1024 * 1024;
/** Alias nodes resolved per document before it counts as a resource-exhaustion attack. */
export const MAX_ALIAS_COUNT = 100;
/** YAML syntax errors reported per file; the rest are counted in one closing diagnostic. */
export const MAX_SYNTAX_ERRORS_PER_FILE = 10;

export interface LoadOptions {
  readonly maxFileBytes?: number;
  readonly maxAliasCount?: number;
}

export interface LoadResult {
  /** Every non-empty document that parsed cleanly, in file order then document order. */
  readonly documents: readonly ParsedDocument[];
  readonly diagnostics: readonly Diagnostic[];
  /** Every policy file found (readable or not), in load order. */
  readonly files: readonly string[];
}

const POLICY_EXTENSIONS = /\.ya?ml$/i;

/** The policy-set file (src/policy/policy-set.ts): never a policy file, so a directory walk skips it. */
export const POLICY_SET_FILE = "cordon.yaml";

/**
 * Reads and parses every policy file under `paths` (YAML documents with their positions; not
 * validated). A file path is read whatever its extension; a directory is searched recursively for
 * *.yaml / *.yml (entries starting with "." and the policy-set file cordon.yaml are skipped), in
 * sorted order. A file reached twice is read once.
 */
export function parsePolicyFiles(paths: readonly string[], options: LoadOptions = {}): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  const seen = new Set<string>();
  const named = new Set<string>();
  for (const path of paths) {
    for (const file of expandPath(path, diagnostics)) {
      const key = join(file);
      if (file === path) named.add(key);
      if (seen.has(key)) continue;
      seen.add(key);
      files.push(file);
    }
  }
  const documents: ParsedDocument[] = [];
  const skipped = new Set<string>();
  for (const file of files) {
    const loaded = loadFile(file, options);
    if (
      !named.has(join(file)) &&
      loaded.documents.length > 0 &&
      loaded.diagnostics.length === 0 &&
      loaded.documents.every((d) => isOtherCordonKind(d.value))
    ) {
      skipped.add(file);
    }
    for (const doc of loaded.documents) {
      if (!isOtherCordonKind(doc.value)) {
        documents.push(doc);
      } else if (named.has(join(file))) {
        diagnostics.push({
          ...fileDiagnostic(
            file,
            "load.not-a-policy",
            `This document is a Cordon ${String((doc.value as { kind: unknown }).kind)}, not a Policy.`,
            OTHER_CORDON_KINDS.get((doc.value as { kind: unknown }).kind),
          ),
          document: doc.document,
          position: doc.locate("/kind"),
          pointer: "/kind",
        });
      }
      // Found by walking a directory: an estate or cordon.yaml next to the policies is not one of them.
    }
    diagnostics.push(...loaded.diagnostics);
  }
  return { documents, diagnostics, files: files.filter((f) => !skipped.has(f)) };
}

/**
 * Documents of Cordon's other kinds that may sit beside policies: the sandbox's Estate, and the
 * PolicySet of cordon.yaml (read by src/policy/policy-set.ts), with the hint shown when one is
 * named as a policy file.
 */
const OTHER_CORDON_KINDS: ReadonlyMap<unknown, string> = new Map([
  ["Estate", "A sandbox estate is read by `cordon sandbox --seed FILE`; inside a policy directory it is skipped."],
  [
    "PolicySet",
    "cordon.yaml names the policy set; it is found by walking up from the policy paths. Give the policy files or their directory.",
  ],
]);

function isOtherCordonKind(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    OTHER_CORDON_KINDS.has((value as Record<string, unknown>)["kind"]) &&
    typeof (value as Record<string, unknown>)["apiVersion"] === "string" &&
    String((value as Record<string, unknown>)["apiVersion"]).startsWith("cordon.dev/")
  );
}

function fileDiagnostic(file: string, code: string, message: string, hint?: string): Diagnostic {
  return {
    severity: "error",
    code,
    file,
    position: null,
    pointer: "",
    document: 0,
    message,
    ...(hint === undefined ? {} : { hint }),
  };
}

function expandPath(path: string, diagnostics: Diagnostic[]): string[] {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      diagnostics.push(fileDiagnostic(path, "load.not-found", "No such file or directory."));
    } else {
      diagnostics.push(
        fileDiagnostic(path, "load.unreadable", `The path cannot be read (${code ?? "unknown error"}).`),
      );
    }
    return [];
  }
  if (stats.isFile()) return [path];
  if (!stats.isDirectory()) {
    diagnostics.push(fileDiagnostic(path, "load.not-a-file", "The path is neither a file nor a directory."));
    return [];
  }
  const found: string[] = [];
  let root: string;
  try {
    root = realpathSync(path);
  } catch {
    root = path;
  }
  walk(path, found, diagnostics, new Set(), root);
  if (found.length === 0) {
    diagnostics.push(
      fileDiagnostic(
        path,
        "load.no-policies",
        "The directory contains no policy files (*.yaml or *.yml).",
        "Give the path of a policy file or of a directory that holds some.",
      ),
    );
  }
  return found;
}

/** Whether the real path `real` is `root` or under it. */
const inside = (real: string, root: string): boolean =>
  real === root || real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);

/**
 * `visited` holds the real paths of the directories walked so far: a symlink loop is walked once.
 * `root` is the real path of the directory given: a symbolic link that leads out of it is refused
 * (an error naming the link, and nothing read through it), so a policy tree cannot pull in
 * /etc/passwd or another repository's files.
 */
function walk(dir: string, found: string[], diagnostics: Diagnostic[], visited: Set<string>, root: string): void {
  let names: string[];
  try {
    const real = realpathSync(dir);
    if (visited.has(real)) return;
    visited.add(real);
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "unknown error";
    diagnostics.push(fileDiagnostic(dir, "load.unreadable", `The directory cannot be read (${code}).`));
    return;
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    if (name.startsWith(".") || name === POLICY_SET_FILE) continue;
    const full = join(dir, name);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(full);
      if (lstatSync(full).isSymbolicLink() && (stats.isDirectory() || POLICY_EXTENSIONS.test(name))) {
        const target = realpathSync(full);
        if (!inside(target, root)) {
          diagnostics.push(
            fileDiagnostic(
              full,
              "load.symlink-outside",
              "This is a symbolic link to a path outside the policy directory; it is not read.",
              "Policy files must be inside the directory given: copy the file in, or give its path on the command line.",
            ),
          );
          continue;
        }
      }
    } catch {
      continue; // a dangling symlink is not a policy file
    }
    if (stats.isDirectory()) walk(full, found, diagnostics, visited, root);
    else if (stats.isFile() && POLICY_EXTENSIONS.test(name)) found.push(full);
  }
}

/** Reads and parses one file. Exported for tests and for callers that hold a single path. */
export function loadFile(
  file: string,
  options: LoadOptions = {},
): { documents: ParsedDocument[]; diagnostics: Diagnostic[] } {
  const maxBytes = options.maxFileBytes ?? MAX_POLICY_FILE_BYTES;
  const read = readBounded(file, maxBytes);
  if ("problem" in read) return { documents: [], diagnostics: [read.problem] };
  const decoded = decode(file, read.bytes);
  if ("problem" in decoded) return { documents: [], diagnostics: [decoded.problem] };
  return parseText(file, decoded.text, options);
}

function readBounded(file: string, maxBytes: number): { bytes: Buffer } | { problem: Diagnostic } {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "unknown error";
    return { problem: fileDiagnostic(file, "load.unreadable", `The file cannot be read (${code}).`) };
  }
  try {
    const size = statSync(file).size;
    if (size > maxBytes) {
      return {
        problem: fileDiagnostic(
          file,
          "load.too-large",
          `The file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit for a policy file; it was not read.`,
          "Policy files are small YAML documents; split the policy set or check that this is the right file.",
        ),
      };
    }
    // Read at most maxBytes + 1 so a file that grows while we read it is still bounded.
    const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) break;
      total += n;
      if (total >= buffer.length) break;
    }
    if (total > maxBytes) {
      return {
        problem: fileDiagnostic(
          file,
          "load.too-large",
          `The file is over the ${formatBytes(maxBytes)} limit for a policy file.`,
        ),
      };
    }
    return { bytes: buffer.subarray(0, total) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "unknown error";
    return { problem: fileDiagnostic(file, "load.unreadable", `The file cannot be read (${code}).`) };
  } finally {
    closeSync(fd);
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}

function positionOfByte(bytes: Buffer, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Column in characters; each invalid byte counts as one (it decodes to U+FFFD).
  const column = [...new TextDecoder().decode(bytes.subarray(lineStart, offset))].length + 1;
  return { line, column };
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function decode(file: string, bytes: Buffer): { text: string } | { problem: Diagnostic } {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    return {
      problem: {
        ...fileDiagnostic(
          file,
          "load.binary",
          "The file contains a NUL byte: it looks like a binary file, not YAML.",
          "Policy files are UTF-8 text.",
        ),
        position: positionOfByte(bytes, nul),
      },
    };
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad !== -1) {
    return {
      problem: {
        ...fileDiagnostic(
          file,
          "load.encoding",
          `The file is not valid UTF-8 (byte 0x${bytes[bad]!.toString(16).padStart(2, "0")} at offset ${bad}).`,
          "Save the file as UTF-8.",
        ),
        position: positionOfByte(bytes, bad),
      },
    };
  }
  let text = bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text };
}

function yamlDiagnostic(
  file: string,
  document: number,
  e: YAMLError,
  lc: LineCounter,
  source: string,
  severity: "error" | "warning",
): Diagnostic {
  const pos = lc.linePos(e.pos[0]);
  const message =
    e.code === "DUPLICATE_KEY"
      ? `Duplicate key ${JSON.stringify(keyAt(source, e.pos[0]))}: a key may appear only once in a mapping.`
      : e.code === "RESOURCE_EXHAUSTION"
        ? "The YAML is nested too deeply to be read (the parser ran out of stack); a policy is only a few levels deep."
        : sentence(e.message.split("\n")[0]!.trim());
  return {
    severity,
    code:
      e.code === "DUPLICATE_KEY"
        ? "yaml.duplicate-key"
        : e.code === "RESOURCE_EXHAUSTION"
          ? "yaml.too-deep"
          : severity === "error"
            ? "yaml.syntax"
            : "yaml.warning",
    file,
    position: { line: pos.line, column: pos.col },
    pointer: "",
    document,
    message,
  };
}

/** The text of the map key that starts at `offset` (quoted or plain, up to its colon). */
function keyAt(source: string, offset: number): string {
  const rest = source.slice(offset);
  const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')/.exec(rest);
  if (quoted) return quoted[1]!.slice(1, -1);
  return (/^[^\n]*?(?=:(\s|$)|\n|$)/.exec(rest)?.[0] ?? "").trim();
}

function sentence(s: string): string {
  const t = s.endsWith(".") || s.endsWith(":") ? s.replace(/:$/, ".") : `${s}.`;
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** Parses YAML text that is already known to be UTF-8. Exported for tests. */
export function parseText(
  file: string,
  text: string,
  options: LoadOptions = {},
): { documents: ParsedDocument[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const documents: ParsedDocument[] = [];
  const lc = new LineCounter();
  if (text.trim() === "") {
    return {
      documents,
      diagnostics: [
        fileDiagnostic(file, "load.empty", "The file is empty.", "A policy file holds one or more policies."),
      ],
    };
  }
  // parseAllDocuments, but bounded: composing stops at the (MAX_SYNTAX_ERRORS_PER_FILE + 1)th
  // error token (garbage yields one per character, and each costs an Error object), and
  // duplicate keys are found in linear time (yaml's uniqueKeys compares every pair of keys).
  let stoppedAt: number | null = null;
  const bounded = function* (tokens: Iterable<CST.Token>): Generator<CST.Token> {
    let errorTokens = 0;
    for (const token of tokens) {
      if (token.type === "error" && ++errorTokens > MAX_SYNTAX_ERRORS_PER_FILE) {
        stoppedAt = token.offset;
        return;
      }
      yield token;
    }
  };
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false, strict: true });
  const docs = [...composer.compose(bounded(new Parser(lc.addNewLine).parse(text)))];
  for (const doc of docs) doc.errors.push(...duplicateKeys(doc));
  if (docs.length === 0) {
    // No document at all: the file holds only comments.
    return {
      documents,
      diagnostics: [
        fileDiagnostic(
          file,
          "load.empty",
          "The file holds no policy: it contains only comments or whitespace.",
          "A policy file holds one or more policies.",
        ),
      ],
    };
  }
  const all: readonly Document.Parsed[] = docs;
  const empties: number[] = [];
  all.forEach((doc, index) => {
    for (const e of doc.errors) diagnostics.push(yamlDiagnostic(file, index, e, lc, text, "error"));
    for (const w of doc.warnings) diagnostics.push(yamlDiagnostic(file, index, w, lc, text, "warning"));
    if (doc.errors.length > 0) return;
    if (isEmptyDocument(doc)) {
      empties.push(index);
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: options.maxAliasCount ?? MAX_ALIAS_COUNT });
    } catch (e) {
      if (e instanceof RangeError) {
        diagnostics.push({
          ...fileDiagnostic(
            file,
            "yaml.too-deep",
            "The YAML is nested too deeply to be read; a policy is only a few levels deep.",
          ),
          position: at(lc, doc.range[0]),
          document: index,
        });
        return;
      }
      if (e instanceof ReferenceError) {
        const start = lc.linePos(doc.range[0]);
        diagnostics.push({
          severity: "error",
          code: "yaml.alias-limit",
          file,
          position: { line: start.line, column: start.col },
          pointer: "",
          document: index,
          message: /alias count/i.test(e.message)
            ? `The document expands too many aliases (over ${options.maxAliasCount ?? MAX_ALIAS_COUNT}); this looks like an alias bomb.`
            : `The document has an alias that cannot be resolved: ${e.message}.`,
          hint: "Write the values out instead of nesting YAML aliases.",
        });
        return;
      }
      throw e;
    }
    documents.push(makeParsedDocument(file, index, doc, value, lc));
  });
  const syntax = diagnostics.filter((d) => d.code === "yaml.syntax");
  if (stoppedAt !== null || syntax.length > MAX_SYNTAX_ERRORS_PER_FILE) {
    const shown = new Set(syntax.slice(0, MAX_SYNTAX_ERRORS_PER_FILE));
    const kept = diagnostics.filter((d) => d.code !== "yaml.syntax" || shown.has(d));
    kept.push({
      ...fileDiagnostic(
        file,
        "yaml.too-many-errors",
        stoppedAt !== null
          ? `Reading stopped after ${MAX_SYNTAX_ERRORS_PER_FILE} YAML syntax errors; the rest of the file was not checked.`
          : `${syntax.length - MAX_SYNTAX_ERRORS_PER_FILE} more YAML syntax errors in this file are not shown.`,
        "Is this really a YAML policy file?",
      ),
      position: stoppedAt !== null ? at(lc, stoppedAt) : syntax[MAX_SYNTAX_ERRORS_PER_FILE]!.position,
    });
    // Documents after the point where reading stopped are unknown: none is trusted.
    return { documents: stoppedAt !== null ? [] : documents, diagnostics: kept };
  }
  if (empties.length === all.length) {
    const start = lc.linePos(all[0]!.range[0]);
    diagnostics.push({
      ...fileDiagnostic(
        file,
        "load.empty",
        all.length === 1
          ? "The file holds no policy: it contains only comments or whitespace."
          : "The file holds no policy: every document in it is empty.",
        "A policy file holds one or more policies.",
      ),
      position: { line: start.line, column: start.col },
    });
    return { documents, diagnostics };
  }
  for (const index of empties) {
    const start = lc.linePos(all[index]!.range[0]);
    diagnostics.push({
      severity: "warning",
      code: "load.empty-document",
      file,
      position: { line: start.line, column: start.col },
      pointer: "",
      document: index,
      message: `Document ${index + 1} of the file is empty (only comments or whitespace) and is ignored.`,
    });
  }
  return { documents, diagnostics };
}

function at(lc: LineCounter, offset: number): Position {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

/**
 * DUPLICATE_KEY errors for every scalar key that repeats an earlier key of the same mapping, at
 * the repeated key (as yaml's own uniqueKeys check reports them). Iterative: the document may be
 * as deep as the composer managed to read.
 */
function duplicateKeys(doc: Document.Parsed): YAMLParseError[] {
  const errors: YAMLParseError[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && key.range) {
          if (seen.has(key.value)) {
            errors.push(new YAMLParseError([key.range[0], key.range[1]], "DUPLICATE_KEY", "Map keys must be unique"));
          }
          seen.add(key.value);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) {
        if (isPair(item)) stack.push(item.key, item.value);
        else stack.push(item);
      }
    }
  }
  return errors;
}

function isEmptyDocument(doc: Document.Parsed): boolean {
  const c = doc.contents;
  if (c === null) return true;
  return isScalar(c) && c.value === null && c.range !== undefined && c.range[0] === c.range[1];
}

export function parsePointer(pointer: string): string[] | null {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return null;
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function makeParsedDocument(
  file: string,
  document: number,
  doc: Document.Parsed,
  value: unknown,
  lc: LineCounter,
): ParsedDocument {
  const at = (offset: number): Position => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  // Each map's pairs by key text, built on first lookup, so that locating n members is O(n).
  const indexes = new WeakMap<object, Map<string, Pair>>();
  const member = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const p of map.items) {
        const text = isPair(p) ? keyText(p.key) : null;
        if (text !== null && !index.has(text)) index.set(text, p);
      }
      indexes.set(map, index);
    }
    return index.get(key);
  };
  return {
    file,
    document,
    value,
    locate(pointer, options) {
      const segments = parsePointer(pointer);
      if (segments === null) return null;
      let node: unknown = resolve(doc.contents);
      let best: Position | null = doc.contents?.range ? at(doc.contents.range[0]) : at(doc.range[0]);
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i]!;
        const last = i === segments.length - 1;
        if (isMap(node)) {
          const pair = member(node, segment);
          if (pair === undefined) return best;
          const keyNode = pair.key as Node | null;
          const valueNode = resolve(pair.value) as Node | null;
          const keyPos: Position | null = keyNode?.range ? at(keyNode.range[0]) : best;
          if (last && options?.key === true) return keyPos;
          const valueRange = valueNode?.range;
          // An empty value (`key:` with nothing after it) is best shown at its key.
          best = valueRange && valueRange[0] !== valueRange[1] ? at(valueRange[0]) : keyPos;
          node = valueNode;
        } else if (isSeq(node)) {
          const index = /^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : -1;
          const item = resolve(node.items[index]) as Node | null | undefined;
          if (item === undefined || item === null) return best;
          if (item.range) best = at(item.range[0]);
          node = item;
        } else {
          return best;
        }
      }
      return best;
    },
  };
}

function keyText(key: unknown): string | null {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return "";
  return null;
}
