// Shared pieces of the human plan views (text and markdown). They read only the PlanDocument;
// every object is shown with sorted keys so a plan read back from a file renders identically.
import { diffArrays, diffLines } from "diff";
import { pointerSegments, readablePath, topField } from "../domain/diff.js";
import { sortKeysDeep } from "../domain/fingerprint.js";
import type { Action, Change, FieldDiff } from "../model/change.js";
import { type PlanDocument, type PlanSummary, summarize } from "../model/plan.js";
import type { DeclaredEntry, RuleOrigin } from "../model/resource.js";

export const NO_CHANGES = "No changes. Your infrastructure matches the policies.";

/** Terraform-style symbols: create-then-delete is "+/-" (create_before_destroy), delete-then-create "-/+". */
export function actionSymbol(action: Action): string {
  switch (action) {
    case "create":
      return "+";
    case "update":
      return "~";
    case "delete":
      return "-";
    case "create-then-delete":
      return "+/-";
    case "delete-then-create":
      return "-/+";
    case "no-op":
      return " ";
  }
}

export function actionVerb(change: Pick<Change, "action" | "mode">): string {
  const observe = change.mode === "observe";
  switch (change.action) {
    case "create":
      return observe ? "would be created (observe mode: not applied)" : "will be created";
    case "update":
      return observe ? "would be updated in-place (observe mode: not applied)" : "will be updated in-place";
    case "delete":
      return observe ? "would be destroyed (observe mode: not applied)" : "will be destroyed";
    case "create-then-delete":
      return observe
        ? "would be replaced (observe mode: not applied)"
        : "must be replaced (the new one is created before the old one is deleted)";
    case "delete-then-create":
      return observe ? "would be replaced (observe mode: not applied)" : "must be replaced (deleted, then re-created)";
    case "no-op":
      return "is up to date";
  }
}

/** "create", "update", "replace", "delete", "no-op" — a short label. */
export function actionLabel(action: Action): string {
  return action === "create-then-delete" || action === "delete-then-create" ? "replace" : action;
}

// Defined beside the plan document, so that the executor reads it without importing a renderer.

export const summaryLine = (s: PlanSummary): string =>
  `Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.`;

/** Extra summary sentences (observe-mode findings, access broadening). Empty when none. */
export function summaryExtras(s: PlanSummary): string[] {
  const out: string[] = [];
  if (s.broadensAccess > 0) {
    out.push(`${s.broadensAccess} ${s.broadensAccess === 1 ? "change broadens" : "changes broaden"} access.`);
  }
  if ((s.observeOnly ?? 0) > 0) {
    out.push(
      `${s.observeOnly} ${s.observeOnly === 1 ? "difference" : "differences"} in observe mode ${s.observeOnly === 1 ? "is" : "are"} reported, not applied.`,
    );
  }
  return out;
}

const isPrimitive = (v: unknown): boolean => v === null || v === undefined || typeof v !== "object";
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
/** An object whose values are all scalars (a Glue column, a NACL entry, a tag map). */
const isFlatObject = (v: unknown): v is Record<string, unknown> =>
  isPlainObject(v) && Object.values(v).every(isPrimitive);
/** An array whose elements each fit on one line: scalars or flat objects. */
const isFlatArray = (v: unknown): v is unknown[] =>
  Array.isArray(v) && v.every((e) => isPrimitive(e) || isFlatObject(e));

/** A value as shown: JSON, keys sorted, multi-line for objects and arrays. */
export const showValue = (v: unknown): string => {
  // A string, boolean or null is its own JSON whatever the key order and indentation: no copy.
  if (v === null || v === undefined) return "null";
  if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
  return JSON.stringify(sortKeysDeep(v), null, 2);
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Keys already met (a plan repeats the same few thousands of times): whether each is an identifier. */
const identifiers = new Map<string, boolean>();
const isIdentifier = (k: string): boolean => {
  let known = identifiers.get(k);
  if (known === undefined) {
    known = IDENTIFIER.test(k);
    if (identifiers.size >= 4096) identifiers.clear();
    identifiers.set(k, known);
  }
  return known;
};
/** A key as written in a block: bare when it is an identifier, quoted otherwise ("cordon:policy"). */
const showKey = (k: string): string => (isIdentifier(k) ? k : JSON.stringify(k));
/** The keys of one object as shown: all bare, or all quoted when one needs it (a tag map). */
const keyShower = (keys: readonly string[]): ((k: string) => string) =>
  keys.every(isIdentifier) ? (k) => k : (k) => JSON.stringify(k);

/** One element on one line: a scalar, or a flat object as `{ Name = "version", Type = "int" }`. */
export function inlineValue(v: unknown): string {
  if (isPrimitive(v)) return showValue(v);
  if (Array.isArray(v) && v.length === 0) return "[]";
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  if (keys.length === 0) return "{}";
  const key = keyShower(keys);
  return `{ ${keys.map((k) => `${key(k)} = ${showValue(o[k])}`).join(", ")} }`;
}

/**
 * A pointer shown as a name: "tags/env" (unescaped: never "~1"), the first segment under the
 * policy's name when the change's `fieldNames` has one.
 */
export const showPath = (path: string, names?: Readonly<Record<string, string>>): string => readablePath(path, names);

/** What a change gives its renderers to show names, not machine values (both absent on most changes). */
export type Display = Pick<Change, "fieldNames" | "references">;

// A reference is swapped for a marker before a value is laid out, and the marker (quoted, as JSON
// shows a string) for the reference's display text after: `"ARN": ip set "edge-blocked-ipv4"`. The
// marker's stem is one that occurs nowhere in the values, so data cannot forge one.
const MARK = "\u2063";

/**
 * Runs `layout` over `values` with every machine reference (`display.references`) shown by its
 * display text instead: layout sees markers, the lines it returns get the names.
 */
export function withReferences<T>(
  display: Display,
  values: readonly unknown[],
  layout: (values: unknown[]) => T[],
  textOf: (t: T) => string,
  withText: (t: T, text: string) => T,
): T[] {
  const refs = display.references;
  if (refs === undefined || Object.keys(refs).length === 0) return layout([...values]);
  const keys = Object.keys(refs);
  const shown = keys.map((k) => refs[k] as string);
  const all = JSON.stringify(values) ?? "";
  let n = 0;
  while (all.includes(`${MARK}${n}:`)) n++;
  const stem = `${MARK}${n}:`;
  const marked = new RegExp(`"${stem}(\\d+)${MARK}"`, "g");
  const swap = (v: unknown): unknown => {
    if (typeof v === "string") {
      const i = keys.indexOf(v);
      return i < 0 ? v : `${stem}${i}${MARK}`;
    }
    if (Array.isArray(v)) return v.map(swap);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)]));
    return v;
  };
  return layout(values.map(swap)).map((t) =>
    withText(
      t,
      textOf(t).replace(marked, (_m, i: string) => shown[Number(i)] ?? ""),
    ),
  );
}

/** `value` as one line, references shown by name (drift reports, notes). */
export const showOneLine = (value: unknown, display: Display = {}): string =>
  withReferences(
    display,
    [value],
    ([v]) => [showValue(v).replace(/\n\s*/g, " ")],
    (t) => t,
    (_t, text) => text,
  )[0] as string;

/** The name shown for a change: `vpc-0abc (production)` when it has a label. */
export const shownName = (c: Pick<Change, "name" | "label">): string =>
  c.label === undefined ? c.name : `${c.name} (${c.label})`;

/** The address shown for a change: the address, then its label in parentheses when it has one. */
export const shownAddress = (c: Pick<Change, "address" | "label">): string =>
  c.label === undefined ? c.address : `${c.address} (${c.label})`;

export interface BodyLine {
  /** "+" added, "-" removed, "~" changed in place (text style only), " " context. */
  readonly sign: "+" | "-" | "~" | " ";
  readonly text: string;
  /** Depth below the resource line. */
  readonly depth: number;
}

type Sign = BodyLine["sign"];
type Style = "text" | "diff";

const prefixed = (sign: Sign, depth: number, head: string, value: unknown): BodyLine[] => {
  const lines = showValue(value).split("\n");
  return lines.map((l, i) => ({ sign, depth: i === 0 ? depth : depth + 1, text: i === 0 ? `${head}${l}` : l }));
};

const closing = (depth: number, bracket: "}" | "]"): BodyLine => ({ sign: " ", depth, text: bracket });

/** Unchanged lines kept around each change in a JSON text diff. */
export const DIFF_CONTEXT = 3;
/** Unchanged elements kept around each change in a list. */
export const ELEMENT_CONTEXT = 1;

const hidden = (n: number, what: "line" | "element" | "attribute"): string =>
  `# (${n} unchanged ${what}${n === 1 ? "" : "s"} hidden)`;

/** Keeps `context` unchanged lines around each change; longer unchanged runs become one comment line. */
function collapse(all: readonly BodyLine[], context: number, what: "line" | "element"): BodyLine[] {
  const keep = all.map(() => false);
  all.forEach((l, i) => {
    if (l.sign === " ") return;
    for (let j = Math.max(0, i - context); j <= Math.min(all.length - 1, i + context); j++) keep[j] = true;
  });
  const out: BodyLine[] = [];
  for (let i = 0; i < all.length; ) {
    if (keep[i]) {
      out.push(all[i] as BodyLine);
      i++;
      continue;
    }
    let j = i;
    while (j < all.length && !keep[j]) j++;
    out.push({ sign: " ", depth: (all[i] as BodyLine).depth, text: hidden(j - i, what) });
    i = j;
  }
  return out;
}

/**
 * A JSON text diff of two complex values (the `diff` package), one BodyLine per line; runs of
 * unchanged lines longer than the context are collapsed into one "# (N unchanged lines hidden)" line.
 */
export function jsonDiffLines(before: unknown, after: unknown, depth: number): BodyLine[] {
  const a = before === null || before === undefined ? "" : `${showValue(before)}\n`;
  const b = after === null || after === undefined ? "" : `${showValue(after)}\n`;
  const all: BodyLine[] = [];
  for (const part of diffLines(a, b)) {
    const sign: Sign = part.added ? "+" : part.removed ? "-" : " ";
    for (const l of part.value.replace(/\n$/, "").split("\n")) all.push({ sign, depth, text: l });
  }
  return collapse(all, DIFF_CONTEXT, "line");
}

/** A list of one-line elements, element by element, with ELEMENT_CONTEXT unchanged neighbours. */
export function elementDiffLines(before: readonly unknown[], after: readonly unknown[], depth: number): BodyLine[] {
  const all: BodyLine[] = [];
  for (const part of diffArrays(before.map(inlineValue), after.map(inlineValue))) {
    const sign: Sign = part.added ? "+" : part.removed ? "-" : " ";
    for (const text of part.value) all.push({ sign, depth, text: `${text},` });
  }
  return collapse(all, ELEMENT_CONTEXT, "element");
}

/** One `key = value` member of a block; `key` arrives padded so the block's "=" line up. */
interface Member {
  readonly key: string;
  /** False for members shown as `key:` followed by a JSON diff (never padded). */
  readonly aligned: boolean;
  readonly render: (key: string) => BodyLine[];
}

function block(members: readonly Member[]): BodyLine[] {
  let width = 0;
  for (const m of members) if (m.aligned && m.key.length > width) width = m.key.length;
  const out: BodyLine[] = [];
  for (const m of members) for (const l of m.render(m.aligned ? m.key.padEnd(width) : m.key)) out.push(l);
  return out;
}

/**
 * A whole value under `head` ("tags = "): a scalar on one line; a list of one-line elements one
 * per line; a flat object as a block of `key = value` lines; anything deeper as JSON.
 * `element` shows a flat object on one line (it is one item of a collection, like a NACL entry).
 */
function valueLines(sign: Sign, head: string, v: unknown, depth: number, element = false): BodyLine[] {
  const empty = (Array.isArray(v) || isPlainObject(v)) && Object.keys(v as object).length === 0;
  if (isPrimitive(v) || empty || (element && isFlatObject(v)))
    return [{ sign, depth, text: `${head}${inlineValue(v)}` }];
  if (isFlatArray(v)) {
    return [
      { sign, depth, text: `${head}[` },
      ...v.map((e) => ({ sign, depth: depth + 1, text: `${inlineValue(e)},` })),
      closing(depth, "]"),
    ];
  }
  if (isFlatObject(v)) {
    const keys = Object.keys(v).sort();
    const key = keyShower(keys);
    const members = keys.map((k) => scalarMember(sign, key(k), v[k], depth + 1));
    return [{ sign, depth, text: `${head}{` }, ...block(members), closing(depth, "}")];
  }
  return prefixed(sign, depth, head, v);
}

const scalarMember = (sign: Sign, key: string, v: unknown, depth: number): Member => ({
  key,
  aligned: true,
  render: (k) => valueLines(sign, `${k} = `, v, depth),
});

/** Adds a trailing comment ("  # forces replacement") to the first line. */
function withNote(lines: BodyLine[], note: string): BodyLine[] {
  if (note === "" || lines.length === 0) return lines;
  const [first, ...rest] = lines as [BodyLine, ...BodyLine[]];
  return [{ ...first, text: `${first.text}${note}` }, ...rest];
}

/** A scalar changed in place: one "~ a -> b" line (text) or a "-" and a "+" line (diff). */
function scalarChange(
  key: string,
  before: unknown,
  after: unknown,
  depth: number,
  style: Style,
  note = "",
): BodyLine[] {
  if (style === "text") {
    return [{ sign: "~", depth, text: `${key} = ${showValue(before)} -> ${showValue(after)}${note}` }];
  }
  return [
    { sign: "-", depth, text: `${key} = ${showValue(before)}` },
    { sign: "+", depth, text: `${key} = ${showValue(after)}${note}` },
  ];
}

const absent = (v: unknown): boolean => v === null || v === undefined;

/**
 * Members of a flat object that changed, as a block: added "+", removed "-", changed "~"
 * (text) or "-"/"+" (diff), then how many members are unchanged.
 */
function flatObjectChange(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  depth: number,
  style: Style,
  what: "element" | "attribute",
): BodyLine[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const key = keyShower(keys);
  const members: Member[] = [];
  let same = 0;
  for (const k of keys) {
    const b = before[k];
    const a = after[k];
    if (!absent(b) && !absent(a) && showValue(b) === showValue(a)) {
      same++;
      continue;
    }
    members.push(memberChange(key(k), b, a, depth, style, ""));
  }
  const lines = block(members);
  if (same > 0) lines.push({ sign: " ", depth, text: hidden(same, what) });
  return lines;
}

/** One changed member: added, removed, or changed (scalars, lists of one-liners, flat objects, JSON). */
function memberChange(
  key: string,
  before: unknown,
  after: unknown,
  depth: number,
  style: Style,
  note: string,
  element = false,
): Member {
  const opener: Sign = style === "text" ? "~" : " ";
  if (absent(before) && !absent(after)) {
    return { key, aligned: true, render: (k) => withNote(valueLines("+", `${k} = `, after, depth, element), note) };
  }
  if (!absent(before) && absent(after)) {
    return { key, aligned: true, render: (k) => withNote(valueLines("-", `${k} = `, before, depth, element), note) };
  }
  if (isPrimitive(before) && isPrimitive(after)) {
    return { key, aligned: true, render: (k) => scalarChange(k, before, after, depth, style, note) };
  }
  if (isFlatArray(before) && isFlatArray(after)) {
    return {
      key,
      aligned: true,
      render: (k) => [
        { sign: opener, depth, text: `${k} = [${note}` },
        ...elementDiffLines(before, after, depth + 1),
        closing(depth, "]"),
      ],
    };
  }
  if (isFlatObject(before) && isFlatObject(after)) {
    return {
      key,
      aligned: true,
      render: (k) => [
        { sign: opener, depth, text: `${k} = {${note}` },
        ...flatObjectChange(before, after, depth + 1, style, "attribute"),
        closing(depth, "}"),
      ],
    };
  }
  return {
    key,
    aligned: false,
    render: (k) => [{ sign: opener, depth, text: `${k}:${note}` }, ...jsonDiffLines(before, after, depth + 1)],
  };
}

/**
 * The body of a change. style "text": in-place scalar changes as one "~ a -> b" line.
 * style "diff": only "+", "-" and " " lines (for a ```diff block). Spec members the change
 * declares as context (`contextFields`) are never shown.
 */
export function changeBody(c: Change, style: Style): BodyLine[] {
  if (c.action === "no-op") return [];
  const context = c.contextFields === undefined ? NO_CONTEXT : new Set(c.contextFields);
  const names = c.fieldNames ?? {};
  const lay = (shown: Change): BodyLine[] => {
    if (c.action === "create" && c.before === null) return specLines("+", shown.after, context, names);
    if (c.action === "delete") return specLines("-", shown.before, context, names);
    return block(fieldMembers(shown, context, style));
  };
  // Without references (most changes) the values are laid out as they are: no marked copy.
  if (c.references === undefined || Object.keys(c.references).length === 0) return lay(c);
  const values = [c.before, c.after, ...c.fields.flatMap((f) => [f.before, f.after])];
  return withReferences(
    c,
    values,
    ([before, after, ...rest]) =>
      lay({
        ...c,
        before,
        after,
        fields: c.fields.map((f, i) => ({ ...f, before: rest[2 * i], after: rest[2 * i + 1] })),
      }),
    (l) => l.text,
    (l, text) => ({ ...l, text }),
  );
}

const NO_CONTEXT: ReadonlySet<string> = new Set();

function specLines(
  sign: "+" | "-",
  value: unknown,
  context: ReadonlySet<string>,
  names: Readonly<Record<string, string>>,
): BodyLine[] {
  if (!isPlainObject(value)) return valueLines(sign, "", value, 0);
  // A block of scalarMembers, laid out directly (one per shown member, "=" aligned).
  const members: (readonly [string, string])[] = [];
  for (const k of Object.keys(value)) {
    if (!context.has(k)) members.push([k, Object.hasOwn(names, k) ? (names[k] as string) : k]);
  }
  members.sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
  const keys = members.map(([, shown]) => showKey(shown));
  let width = 0;
  for (const k of keys) if (k.length > width) width = k.length;
  const out: BodyLine[] = [];
  members.forEach(([k], i) => {
    for (const l of valueLines(sign, `${(keys[i] as string).padEnd(width)} = `, value[k], 0)) out.push(l);
  });
  return out;
}

const segments = (path: string): string[] => path.split("/").slice(1);

/**
 * The changed fields as members of the resource block. Fields one level inside a flat object
 * (tags/env, parameters/EXTERNAL) are grouped under it, Terraform-style, with a count of the
 * unchanged members; deeper fields whose value is a flat object (entries/outbound/5) are one
 * item of a collection and shown on one line.
 */
function fieldMembers(c: Change, context: ReadonlySet<string>, style: Style): Member[] {
  const groups = new Map<string, FieldDiff[]>();
  for (const f of c.fields) {
    const top = topField(f.path);
    if (context.has(top)) continue;
    groups.set(top, [...(groups.get(top) ?? []), f]);
  }
  const members: Member[] = [];
  for (const [top, fields] of groups) {
    const beforeTop = isPlainObject(c.before) ? c.before[top] : undefined;
    const afterTop = isPlainObject(c.after) ? c.after[top] : undefined;
    const asMap =
      fields.every((f) => segments(f.path).length === 2 && isPrimitive(f.before) && isPrimitive(f.after)) &&
      (isFlatObject(beforeTop) || isFlatObject(afterTop));
    if (asMap) {
      members.push(mapGroup(top, fields, beforeTop, afterTop, style, c.fieldNames));
      continue;
    }
    for (const f of fields) {
      const note = f.forcesReplacement === true ? "  # forces replacement" : "";
      const element = segments(f.path).length > 1;
      members.push(memberChange(showPath(f.path, c.fieldNames), f.before, f.after, 0, style, note, element));
    }
  }
  return members;
}

/** Changed members of one flat object (a tag map), each from its own field, and the unchanged count. */
function mapGroup(
  top: string,
  fields: readonly FieldDiff[],
  beforeTop: unknown,
  afterTop: unknown,
  style: Style,
  names?: Readonly<Record<string, string>>,
): Member {
  const note = fields.some((f) => f.forcesReplacement === true) ? "  # forces replacement" : "";
  const changed = new Set(fields.map((f) => pointerSegments(f.path)[1] ?? ""));
  const b = isFlatObject(beforeTop) ? beforeTop : {};
  const a = isFlatObject(afterTop) ? afterTop : {};
  const same = Object.keys(a).filter((k) => !changed.has(k) && k in b && showValue(a[k]) === showValue(b[k])).length;
  const key = keyShower([...Object.keys(a), ...Object.keys(b)]);
  const members = fields.map((f) =>
    memberChange(key(pointerSegments(f.path).slice(1).join("/")), f.before, f.after, 1, style, ""),
  );
  return {
    key: showKey(names !== undefined && Object.hasOwn(names, top) ? (names[top] as string) : top),
    aligned: true,
    render: (k) => [
      { sign: style === "text" ? "~" : " ", depth: 0, text: `${k} = {${note}` },
      ...block(members),
      ...(same > 0 ? [{ sign: " " as const, depth: 1, text: hidden(same, "element") }] : []),
      closing(0, "}"),
    ],
  };
}

/** The changes a reviewer sees (no-ops are only counted). */
export const visibleChanges = (doc: PlanDocument): Change[] => doc.changes.filter((c) => c.action !== "no-op");

/** The changes of one target (account/region) of a plan, with its counts. */
export interface TargetGroup {
  readonly account: string;
  readonly region: string;
  readonly changes: readonly Change[];
  /** "2 to add, 0 to change, 0 to destroy" (and observe-mode findings, when there are some). */
  readonly counts: string;
}

/**
 * The visible changes grouped by target, in the order of the plan's targets (sorted by account,
 * then region), each group in plan order (docs/targets.md). Null when they all belong to one
 * target: a plan of one target is shown without headings, as before targets existed.
 */
export function targetGroups(changes: readonly Change[]): TargetGroup[] | null {
  const groups = new Map<string, Change[]>();
  for (const c of changes) {
    const key = `${c.target.account}/${c.target.region}`;
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  if (groups.size < 2) return null;
  return [...groups.keys()].sort().map((key) => {
    const list = groups.get(key)!;
    const s = summarize(list);
    const observe = (s.observeOnly ?? 0) > 0 ? `, ${s.observeOnly} in observe mode` : "";
    return {
      account: list[0]!.target.account,
      region: list[0]!.target.region,
      changes: list,
      counts: `${s.add} to add, ${s.change} to change, ${s.destroy} to destroy${observe}`,
    };
  });
}

/** Every string inside a value (deep): what a live spec already holds. */
function stringsIn(v: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof v === "string") into.add(v);
  else if (Array.isArray(v)) for (const e of v) stringsIn(e, into);
  else if (isPlainObject(v)) for (const e of Object.values(v)) stringsIn(e, into);
  return into;
}

/**
 * The blocking rules of a change with the policy entries behind them (Change.declared), as the
 * plan shows them: all of them for a create; for an update or a replacement, the rules AWS does
 * not hold yet (what the reviewer is asked to add).
 */
export function shownOrigins(c: Change): readonly RuleOrigin[] {
  const declared = c.declared ?? [];
  if (c.before === null || c.before === undefined) return declared;
  const live = stringsIn(c.before);
  return declared.filter((o) => !live.has(o.rule));
}

/** The words after an entry: its reason, then "ticket X" and "expires D" when the policy gives them. */
export const entryDetails = (e: DeclaredEntry): string[] => [
  e.reason,
  ...(e.ticket === undefined ? [] : [`ticket ${e.ticket}`]),
  ...(e.expires === undefined ? [] : [`expires ${e.expires}`]),
];

/** One rule as shown: aggregated when it covers several entries or is written otherwise than declared. */
export const isAggregated = (o: RuleOrigin): boolean =>
  o.entries.length > 1 || (o.entries[0] !== undefined && o.entries[0].value !== o.rule);

/** The heading of the "why" lines. */
export const WHY_HEADING = "why (rule ← policy entry: reason, ticket, expires)";
