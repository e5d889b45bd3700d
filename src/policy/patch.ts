// The policy change `cordon investigate` proposes (docs/investigate.md, "The proposal"): a
// blockedAddresses entry per actionable finding, added to the policy file that should hold it.
// The file is edited as text at the place the yaml Document API locates: the new entry's lines are
// inserted after the last entry, indented and styled as it is (block or flow), so every other byte
// of the file — comments, order, quoting, blank lines — stays as it was. Pure: it reads the files'
// text through `read` and returns the edited text; writing is the caller's (writePolicyFile).
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createTwoFilesPatch } from "diff";
import { Document, isMap, isSeq, LineCounter, type Node, parseAllDocuments, type YAMLMap, type YAMLSeq } from "yaml";
import { isExpired } from "../domain/blocklist.js";
import { type Cidr, cidrOf, contains, formatCidr, overlaps } from "../domain/cidr.js";
import { IoError, UsageError } from "../model/errors.js";
import type { PolicyPatch, ProposalOutcome } from "../model/investigate.js";
import type { LoadedPolicy } from "../model/policy.js";

/** The ticket written when none is given (`--ticket`): plain text the schema accepts, easy to find. */
export const TICKET_PLACEHOLDER = "TICKET-TODO";

/** One address to block, from a finding. */
export interface BlockRequest {
  /** An address or CIDR (a bare address is one host). */
  readonly cidr: string;
  readonly reason: string;
  readonly ticket: string;
  readonly expires?: string | undefined;
  /** The target whose records showed it: the entry goes to a policy of this account and region. */
  readonly account: string;
  readonly region: string;
  /** The policy whose table showed it: preferred when it has a blockedAddresses section. */
  readonly policy?: string | undefined;
  /** The traffic the entry is to stop: to the address (outbound) or from it (inbound). */
  readonly stops?: "inbound" | "outbound" | undefined;
}

export interface BlockProposal {
  /** One outcome per request, in request order (requests for the same address are answered once). */
  readonly outcomes: readonly ProposalOutcome[];
  /** The edited files, in the order first edited. */
  readonly patches: readonly PolicyPatch[];
}

/** Reads a policy file's text (the loaded file, as on disk). */
export type ReadText = (file: string) => string;

/**
 * Proposes a blockedAddresses entry for each request, in the loaded policies:
 * - refused ("allowlisted") when the address overlaps an allowlist entry of a policy of the target;
 * - "already-declared" when an entry of such a policy (expired or not) equals it or holds it;
 * - otherwise added to the entries of the requesting policy (by name or file) when it has a blockedAddresses section,
 *   else of the first policy of the target (by file) that has one;
 * - "no-section" when none has: a section is never added (where and in which direction to deny is a
 *   decision for a person), and the outcome names the files that cover the target.
 */
export function proposeBlocks(
  policies: readonly LoadedPolicy[],
  requests: readonly BlockRequest[],
  read: ReadText,
  today: string,
): BlockProposal {
  const texts = new Map<string, { before: string; after: string }>();
  const outcomes: ProposalOutcome[] = [];
  const done = new Set<string>();
  const textOf = (file: string): string => {
    const known = texts.get(file);
    if (known !== undefined) return known.after;
    const text = read(file);
    texts.set(file, { before: text, after: text });
    return text;
  };
  for (const request of requests) {
    const cidr = cidrOf(request.cidr);
    if (cidr === null) throw new UsageError(`cannot propose a block for "${request.cidr}": not an IP address or CIDR`);
    const text = formatCidr(cidr);
    const shown = cidr.prefix === (cidr.family === "ipv4" ? 32 : 128) ? text.replace(/\/\d+$/, "") : text;
    const key = `${request.account}/${request.region}/${shown}`;
    if (done.has(key)) continue;
    done.add(key);
    const covering = policies
      .filter((p) => p.policy.target.account === request.account && p.policy.target.region === request.region)
      .sort((a, b) => a.source.file.localeCompare(b.source.file) || a.source.document - b.source.document);
    const refused = allowlisted(covering, cidr, shown, textOf) ?? declared(covering, cidr, shown, textOf, today);
    if (refused !== null) {
      outcomes.push(refused);
      continue;
    }
    const holders = covering.filter((p) => p.policy.blockedAddresses !== undefined);
    const chosen =
      holders.find((p) => p.policy.metadata.name === request.policy || p.source.file === request.policy) ?? holders[0];
    if (chosen === undefined) {
      outcomes.push({
        status: "no-section",
        cidr: shown,
        account: request.account,
        region: request.region,
        candidates: [...new Set(covering.map((p) => p.source.file))],
      });
      continue;
    }
    const entry = {
      cidr: shown,
      reason: request.reason,
      ticket: request.ticket,
      ...(request.expires === undefined ? {} : { expires: request.expires }),
    };
    const file = chosen.source.file;
    const after = insertEntry(textOf(file), chosen.source.document, entry, file);
    texts.set(file, { before: texts.get(file)!.before, after });
    const note = directionNote(chosen, request.stops);
    outcomes.push({
      status: "proposed",
      cidr: shown,
      policy: chosen.policy.metadata.name,
      file,
      entry,
      ...(note === undefined ? {} : { note }),
    });
  }
  const patches: PolicyPatch[] = [];
  for (const [file, { before, after }] of texts) {
    if (before === after) continue;
    patches.push({ file, before, after, diff: createTwoFilesPatch(file, file, before, after, "", "") });
  }
  return { outcomes, patches };
}

/** Why the entry will not stop the traffic as enforced by the chosen policy, when it will not. */
function directionNote(p: LoadedPolicy, stops: "inbound" | "outbound" | undefined): string | undefined {
  const section = p.policy.blockedAddresses;
  if (stops === undefined || section === undefined) return undefined;
  const direction = section.networkAcls?.direction ?? (section.networkAcls === undefined ? undefined : "both");
  if (direction === undefined)
    return "this policy enforces its blocks in the web ACL only, which does not stop this traffic at the network";
  if (direction !== "both" && direction !== stops)
    return `this policy's network ACLs deny ${direction} traffic only, so the ${stops} traffic stays allowed: set blockedAddresses.networkAcls.direction to both if it must stop`;
  return undefined;
}

function allowlisted(
  covering: readonly LoadedPolicy[],
  cidr: Cidr,
  shown: string,
  textOf: ReadText,
): ProposalOutcome | null {
  for (const p of covering) {
    const list = p.policy.allowlist ?? [];
    for (const [index, a] of list.entries()) {
      const allow = cidrOf(a.cidr);
      if (allow === null || !overlaps(allow, cidr)) continue;
      return {
        status: "allowlisted",
        cidr: shown,
        policy: p.policy.metadata.name,
        file: p.source.file,
        line: lineOf(textOf(p.source.file), p.source.document, ["allowlist", index]),
        allowlisted: a.cidr,
        reason: a.reason,
      };
    }
  }
  return null;
}

function declared(
  covering: readonly LoadedPolicy[],
  cidr: Cidr,
  shown: string,
  textOf: ReadText,
  today: string,
): ProposalOutcome | null {
  for (const p of covering) {
    const entries = p.policy.blockedAddresses?.entries ?? [];
    for (const [index, e] of entries.entries()) {
      const blocked = cidrOf(e.cidr);
      if (blocked === null || !contains(blocked, cidr)) continue;
      return {
        status: "already-declared",
        cidr: shown,
        policy: p.policy.metadata.name,
        file: p.source.file,
        line: lineOf(textOf(p.source.file), p.source.document, ["blockedAddresses", "entries", index]),
        declared: e.cidr,
        // An expired entry no longer blocks: said so, rather than a second entry added (move its date).
        ...(e.expires !== undefined && isExpired(e.expires, today) ? { expired: e.expires } : {}),
      };
    }
  }
  return null;
}

function parse(text: string, file: string): { docs: Document.Parsed[]; lines: LineCounter } {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, strict: true, uniqueKeys: false });
  if (!Array.isArray(docs)) throw new IoError(`${file} holds no YAML document`);
  const broken = docs.find((d) => d.errors.length > 0);
  if (broken !== undefined) throw new IoError(`${file} no longer parses: ${broken.errors[0]!.message}`);
  return { docs, lines };
}

/** 1-based line of the node at `path` of document `document` of a file's text; null when absent. */
export function lineOf(text: string, document: number, path: readonly (string | number)[]): number | null {
  try {
    const { docs, lines } = parse(text, "");
    const node = docs[document]?.getIn(path, true) as Node | undefined;
    return node?.range ? lines.linePos(node.range[0]).line : null;
  } catch {
    return null;
  }
}

export interface NewEntry {
  readonly cidr: string;
  readonly reason: string;
  readonly ticket: string;
  readonly expires?: string;
}

/**
 * `text` with `entry` appended to /blockedAddresses/entries of document `document`, every other
 * byte unchanged. A block sequence gets the entry's lines after the last item's line, at the items'
 * indentation and in their style (a flow map `- { … }` or a block map); a flow sequence gets
 * `, { … }` after its last item (or the entry inside an empty `[]`).
 */
export function insertEntry(text: string, document: number, entry: NewEntry, file: string): string {
  const { docs } = parse(text, file);
  const doc = docs[document];
  const seq = doc?.getIn(["blockedAddresses", "entries"], true);
  if (doc === undefined || !isSeq(seq) || seq.range == null) {
    throw new UsageError(`${file}: document ${document + 1} has no blockedAddresses.entries list to add to`);
  }
  const value = {
    cidr: entry.cidr,
    reason: entry.reason,
    ticket: entry.ticket,
    ...(entry.expires === undefined ? {} : { expires: entry.expires }),
  };
  const items = (seq as YAMLSeq).items as Node[];
  const last = items.at(-1);
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  if (seq.flow === true) {
    const inline = flowMap(value);
    if (last?.range == null) {
      // `entries: []` becomes a block list under its key, the layout of the schema's examples.
      const open = text.indexOf("[", seq.range[0]);
      const close = text.indexOf("]", open);
      const lineStart = text.lastIndexOf("\n", open - 1) + 1;
      const keyIndent = /^[ ]*/.exec(text.slice(lineStart, open))?.[0] ?? "";
      const trailing = text.slice(close + 1, endOfLine(text, close));
      if (/^[ ]*[A-Za-z_]+:[ ]*$/.test(text.slice(lineStart, open)) && /^[ ]*(#.*)?\r?$/.test(trailing)) {
        const indent = `${keyIndent}  `;
        const lines = blockMap(value, `${indent}  `).map((l, i) => (i === 0 ? `${indent}- ${l}` : l));
        const head = text.slice(0, open).replace(/[ ]+$/, "");
        return `${head}${trailing.replace(/\r$/, "")}${newline}${lines.join(newline)}${text.slice(endOfLine(text, close)).replace(/^\r?\n?/, newline)}`;
      }
      return `${text.slice(0, open + 1)} ${inline} ${text.slice(open + 1)}`;
    }
    const end = last.range[1];
    return `${text.slice(0, end)}, ${inline}${text.slice(end)}`;
  }
  if (last?.range == null) throw new UsageError(`${file}: blockedAddresses.entries is an empty block list`);
  // The last item's line start and the column of its "- ".
  const itemStart = last.range[0];
  const lineStart = text.lastIndexOf("\n", itemStart - 1) + 1;
  const dash = text.lastIndexOf("-", itemStart - 1);
  const indent = " ".repeat(Math.max(0, dash - lineStart));
  const lastLineEnd = endOfLine(text, lastContentOffset(last));
  const lines =
    isMap(last) && (last as YAMLMap).flow === true
      ? [`${indent}- ${flowMap(value)}`]
      : blockMap(value, itemIndentOf(text, last, dash)).map((l, i) => (i === 0 ? `${indent}- ${l}` : l));
  const insertion = lines.join(newline) + newline;
  if (lastLineEnd >= text.length) {
    const sep = text.endsWith("\n") ? "" : newline;
    return `${text}${sep}${insertion}`;
  }
  return text.slice(0, lastLineEnd + 1) + insertion + text.slice(lastLineEnd + 1);
}

/** Offset of the last character of an item's content (its last scalar), before any trailing comment. */
function lastContentOffset(node: Node): number {
  if (node.range == null) return 0;
  return Math.max(node.range[0], node.range[1] - 1);
}

/** Offset of the "\n" ending the line that holds `offset` (text.length when it is the last line). */
function endOfLine(text: string, offset: number): number {
  const nl = text.indexOf("\n", offset);
  return nl < 0 ? text.length : nl;
}

/** The indentation of a block map item's second and later keys: the column of its first key. */
function itemIndentOf(text: string, item: Node, dash: number): string {
  const lineStart = text.lastIndexOf("\n", dash) + 1;
  if (isMap(item) && item.range != null) {
    const firstKey = item.range[0];
    const keyLineStart = text.lastIndexOf("\n", firstKey - 1) + 1;
    if (keyLineStart === lineStart) return " ".repeat(firstKey - lineStart);
  }
  return " ".repeat(dash - lineStart + 2);
}

/** `{ cidr: …, reason: …, … }` with each scalar quoted as YAML needs it inside a flow collection. */
function flowMap(value: Record<string, string>): string {
  const d = new Document(value);
  if (isMap(d.contents)) d.contents.flow = true;
  return d.toString({ lineWidth: 0, flowCollectionPadding: true }).trimEnd();
}

/** The lines of a block map, the first without indentation and the others at `indent`. */
function blockMap(value: Record<string, string>, indent: string): string[] {
  return Object.entries(value).map(([k, v], i) => {
    const scalar = new Document(v).toString({ lineWidth: 0 }).trimEnd();
    return `${i === 0 ? "" : indent}${k}: ${scalar}`;
  });
}

/**
 * Writes `text` to `file` atomically: a temporary file beside it (same directory, same mode),
 * flushed, then renamed over it. A failure leaves the file as it was.
 */
export function writePolicyFile(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.cordon-${process.pid}.tmp`);
  let fd: number | null = null;
  try {
    const mode = statSync(file).mode & 0o777;
    fd = openSync(tmp, "w", mode);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw new IoError(`cannot write ${file}: ${(e as Error).message}`);
  }
}
