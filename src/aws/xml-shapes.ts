// EC2 answers read straight into the SDK's output shapes (docs/performance.md, "A third pass").
//
// The SDK reads an XML answer in three passes: its parser makes a tree of plain objects, a walk
// replaces text nodes, and XmlShapeDeserializer.readSchema walks the tree again along the operation's
// output schema, normalising a schema object per node. For a 5,000 × 4 plan that is 31 MB of
// DescribeVpcs and DescribeFlowLogs answers and most of the plan's CPU. installFastXmlReads gives an
// EC2 client's deserializer a `read` that goes through the XML once, along the same schema, and builds
// the same output: the same members in the same order, every scalar converted as the SDK's own
// string deserializer converts it (by that deserializer, or, where its conversion depends on the
// type alone, the same way: a plain string is its text, a number Number(text), a boolean "true").
//
// It reads what EC2 sends: elements without attributes (but the root's), members once each, lists
// as <xmlName><item>…</item></xmlName>, text only in scalars (whitespace with a newline between
// elements, as the SDK ignores it). Anything else, whether a shape it does not read (maps, unions,
// documents, flattened lists), an operation with a nested result, an error answer, a comment or CDATA,
// a repeated member, text beside elements, or XML the SDK's parser rejects, makes it give up and leave
// the answer to the SDK's own read, which then gives the SDK's result or error. So the output is
// always the SDK's; test/unit/aws/xml-shapes.test.ts holds the two equal on the schemas of every EC2
// call Cordon makes, with random answers and random damage to them.
import { BANG, blank, decodeEntities, endsName, GT, LT, QUESTION, SLASH, XmlScanner } from "./xml-parser.js";

/** The few methods of the SDK's NormalizedSchema (@smithy/core/schema) this reader uses. */
interface Schema {
  getSchema(): unknown;
  getName(withNamespace?: boolean): string | undefined;
  getMergedTraits(): Record<string, unknown>;
  getMemberTraits(): Record<string, unknown>;
  isStructSchema(): boolean;
  isUnionSchema(): boolean;
  isListSchema(): boolean;
  isMapSchema(): boolean;
  isDocumentSchema(): boolean;
  isUnitSchema(): boolean;
  getValueSchema(): Schema;
  structIterator(): Iterable<[string, Schema]>;
}

/** The SDK's XmlShapeDeserializer, as far as this reader touches it. */
interface XmlDeserializer {
  read(schema: unknown, bytes: Uint8Array, key?: string): unknown;
  stringDeserializer: { read(schema: Schema, value: string): unknown };
  serdeContext?: { utf8Encoder?: (bytes: Uint8Array) => string };
}

/** Thrown to leave the answer to the SDK's read. */
class GiveUp {}
const GIVE_UP = new GiveUp();

type Reader = StructReader | ListReader | ScalarReader;
interface StructReader {
  readonly kind: "struct";
  readonly schema: Schema;
  /** Filled on first use (shapes may be recursive). */
  table?: MemberTable;
}
interface ListReader {
  readonly kind: "list";
  /** The element name of an item ("item" in EC2 answers). */
  readonly itemKey: string;
  readonly item: Reader;
}
interface ScalarReader {
  readonly kind: "scalar";
  readonly schema: Schema;
  /**
   * How the SDK's string deserializer (FromStringShapeDeserializer.readHttpBinding) converts a text of
   * this shape when the conversion depends on the shape's type alone: a string without a media type
   * is its text, a number Number(text), a boolean whether it reads "true" in any case. "sdk": the call
   * is made (timestamps, blobs, big numbers, strings with a media type).
   */
  readonly convert: "text" | "number" | "boolean" | "sdk";
}
interface Member {
  readonly name: string;
  /** The element name the SDK looks the member up by (XmlShapeDeserializer.readSchema). */
  readonly key: string;
  readonly index: number;
  readonly reader: Reader;
}
/** A structure's members, and by the first character of their element name (to match tags in place). */
interface MemberTable {
  readonly members: readonly Member[];
  readonly byFirst: ReadonlyMap<number, readonly Member[]>;
}

const readers = new WeakMap<object, StructReader>();

/** How a value of `schema` is read, or GIVE_UP thrown for a shape only the SDK reads. */
function readerOf(schema: Schema): Reader {
  if (schema.isStructSchema()) {
    if (schema.isUnionSchema()) throw GIVE_UP;
    const key = schema.getSchema();
    if (typeof key !== "object" || key === null) throw GIVE_UP;
    let reader = readers.get(key);
    if (reader === undefined) {
      reader = { kind: "struct", schema };
      readers.set(key, reader);
    }
    return reader;
  }
  if (schema.isListSchema()) {
    if (schema.getMergedTraits().xmlFlattened) throw GIVE_UP;
    const item = schema.getValueSchema();
    const itemKey = (item.getMergedTraits().xmlName as string | undefined) ?? "member";
    if (itemKey === "0" || itemKey === "") throw GIVE_UP;
    return { kind: "list", itemKey, item: readerOf(item) };
  }
  if (schema.isMapSchema() || schema.isDocumentSchema() || schema.isUnitSchema()) throw GIVE_UP;
  const type = schema.getSchema();
  const convert =
    type === 0 && !schema.getMergedTraits().mediaType ? "text" : type === 1 ? "number" : type === 2 ? "boolean" : "sdk";
  return { kind: "scalar", schema, convert };
}

function tableOf(reader: StructReader): MemberTable {
  if (reader.table !== undefined) return reader.table;
  const members: Member[] = [];
  const byFirst = new Map<number, Member[]>();
  const keys = new Set<string>();
  for (const [name, schema] of reader.schema.structIterator()) {
    const traits = schema.getMergedTraits();
    const key = !traits.httpPayload
      ? ((schema.getMemberTraits().xmlName as string | undefined) ?? name)
      : ((traits.xmlName as string | undefined) ?? schema.getName());
    // Names the SDK's tree treats apart (inherited ones like toString, __proto__, "#text"), and
    // names no tag can have, are the SDK's to read.
    if (key === undefined || key === "" || key in Object.prototype || key === "__proto__" || key === "#text")
      throw GIVE_UP;
    if (/[\s>/]/.test(key) || keys.has(key)) throw GIVE_UP;
    keys.add(key);
    const member: Member = { name, key, index: members.length, reader: readerOf(schema) };
    members.push(member);
    const first = key.charCodeAt(0);
    const list = byFirst.get(first);
    if (list === undefined) byFirst.set(first, [member]);
    else list.push(member);
  }
  reader.table = { members, byFirst };
  return reader.table;
}

class ShapeReader {
  private readonly s: XmlScanner;
  private readonly scalar: XmlDeserializer["stringDeserializer"];

  constructor(xml: string, scalar: XmlDeserializer["stringDeserializer"]) {
    this.s = new XmlScanner(xml);
    this.scalar = scalar;
  }

  /** The whole answer as the output structure `reader`. */
  document(reader: StructReader): unknown {
    const s = this.s;
    if (!s.prologue()) throw GIVE_UP;
    const { tag, attrs, selfClosing } = s.startTag();
    const { members } = tableOf(reader);
    // The root's attributes (xmlns) become keys of the tree's root object, beside its elements.
    if (attrs !== undefined) {
      for (const name of Object.keys(attrs)) if (name === "#text" || members.some((m) => m.key === name)) throw GIVE_UP;
    }
    if (selfClosing) return {};
    return this.struct(reader, tag);
  }

  /** Whether the tag whose name starts at `at` is `name`. */
  private named(at: number, name: string): boolean {
    const { x } = this.s;
    return x.startsWith(name, at) && endsName(x.charCodeAt(at + name.length));
  }

  /** The end tag of `tag` at the current position ("</"), matched in place when it is exactly `</tag>`. */
  private close(tag: string): void {
    const s = this.s;
    const at = s.i + 2;
    if (s.x.startsWith(tag, at) && s.x.charCodeAt(at + tag.length) === GT) s.i = at + tag.length + 1;
    else s.endTag(tag); // spaces before ">", or a mismatch: the parser's own check (and error)
  }

  /** The value of the child element `tag` whose "<" is at the current position. */
  private value(reader: Reader, tag: string): unknown {
    const s = this.s;
    // `<tag>` and `<tag/>` read here; a tag with anything more goes through the parser's startTag.
    const after = s.i + 1 + tag.length;
    const c = s.x.charCodeAt(after);
    let selfClosing: boolean;
    if (c === GT) {
      s.i = after + 1;
      selfClosing = false;
    } else if (c === SLASH && s.x.charCodeAt(after + 1) === GT) {
      s.i = after + 2;
      selfClosing = true;
    } else {
      const start = s.startTag();
      if (start.attrs !== undefined) throw GIVE_UP;
      selfClosing = start.selfClosing;
    }
    if (reader.kind === "scalar") {
      const text = selfClosing ? "" : this.text(tag);
      switch (reader.convert) {
        case "text":
          return text;
        case "number":
          return Number(text);
        case "boolean":
          return text.toLowerCase() === "true";
        default:
          return this.scalar.read(reader.schema, text);
      }
    }
    if (selfClosing) return reader.kind === "struct" ? {} : [];
    return reader.kind === "struct" ? this.struct(reader, tag) : this.list(reader, tag);
  }

  /** A scalar's text up to its end tag: one text, entities decoded; "" when blank. */
  private text(tag: string): string {
    const s = this.s;
    const { x } = s;
    const end = x.indexOf("<", s.i);
    if (end === -1 || x.charCodeAt(end + 1) !== SLASH) throw GIVE_UP;
    const text = decodeEntities(x.slice(s.i, end));
    s.i = end;
    this.close(tag);
    return blank(text) ? "" : text;
  }

  /**
   * Steps over what may stand between child elements: text the SDK ignores (whitespace holding a
   * newline). Returns the character after "<" at the next tag, or GIVE_UP thrown.
   */
  private nextTag(): number {
    const s = this.s;
    const { x, z } = s;
    while (s.i < z) {
      if (x.charCodeAt(s.i) === LT) {
        const next = x.charCodeAt(s.i + 1);
        if (next === BANG || next === QUESTION) throw GIVE_UP;
        return next;
      }
      let end = x.indexOf("<", s.i);
      if (end === -1) end = z;
      if (!blank(decodeEntities(x.slice(s.i, end)))) throw GIVE_UP;
      s.i = end;
    }
    throw GIVE_UP;
  }

  /** An element that is not read (not a member, not an item): the SDK ignores it once its parser accepts it. */
  private skip(): void {
    const s = this.s;
    const { x, z } = s;
    let i = s.i + 1;
    while (i < z && !endsName(x.charCodeAt(i))) i++;
    // The SDK's tree would take a "#text" element for its parent's text.
    if (x.slice(s.i + 1, i) === "#text") throw GIVE_UP;
    s.element();
  }

  private struct(reader: StructReader, tag: string): Record<string, unknown> {
    const s = this.s;
    const { members, byFirst } = tableOf(reader);
    const values: unknown[] = new Array(members.length);
    const seen: boolean[] = new Array(members.length).fill(false);
    for (;;) {
      if (this.nextTag() === SLASH) {
        this.close(tag);
        break;
      }
      const at = s.i + 1;
      let member: Member | undefined;
      for (const m of byFirst.get(s.x.charCodeAt(at)) ?? []) {
        if (this.named(at, m.key)) {
          member = m;
          break;
        }
      }
      if (member === undefined) {
        this.skip();
        continue;
      }
      if (seen[member.index]) throw GIVE_UP;
      seen[member.index] = true;
      values[member.index] = this.value(member.reader, member.key);
    }
    const out: Record<string, unknown> = {};
    for (let m = 0; m < members.length; m++) if (seen[m]) out[(members[m] as Member).name] = values[m];
    return out;
  }

  private list(reader: ListReader, tag: string): unknown[] {
    const s = this.s;
    const out: unknown[] = [];
    for (;;) {
      if (this.nextTag() === SLASH) {
        this.close(tag);
        return out;
      }
      if (this.named(s.i + 1, reader.itemKey)) out.push(this.value(reader.item, reader.itemKey));
      else if (this.named(s.i + 1, "0")) throw GIVE_UP;
      else this.skip();
    }
  }
}

/** How many answers each way: read here, or left to the SDK (test/unit/aws/xml-shapes.test.ts reads it). */
export const fastXmlStats = { fast: 0, sdk: 0 };

/**
 * Gives `client`'s XML deserializer (an EC2 client: the EC2 query protocol) the one-pass read; true
 * when installed. A client whose protocol is not laid out as this reader expects is left as it is.
 */
export function installFastXmlReads(client: unknown): boolean {
  const protocol = (client as { config?: { protocol?: { deserializer?: unknown; getShapeId?: () => string } } }).config
    ?.protocol;
  const deserializer = protocol?.deserializer as XmlDeserializer | undefined;
  if (
    protocol?.getShapeId?.() !== "aws.protocols#ec2Query" ||
    deserializer === undefined ||
    typeof deserializer.read !== "function" ||
    typeof deserializer.stringDeserializer?.read !== "function"
  ) {
    return false;
  }
  const sdkRead = deserializer.read.bind(deserializer);
  deserializer.read = (schema: unknown, bytes: Uint8Array, key?: string) => {
    const fast = fastRead(deserializer, schema, bytes, key);
    if (fast !== GIVE_UP) {
      fastXmlStats.fast++;
      return fast;
    }
    fastXmlStats.sdk++;
    return sdkRead(schema, bytes, key);
  };
  return true;
}

function fastRead(deserializer: XmlDeserializer, schema: unknown, bytes: Uint8Array, key?: string): unknown {
  const encode = deserializer.serdeContext?.utf8Encoder;
  const ns = schema as Partial<Schema> | null;
  if (
    key !== undefined ||
    encode === undefined ||
    bytes.byteLength === 0 ||
    typeof ns !== "object" ||
    ns === null ||
    typeof ns.structIterator !== "function"
  ) {
    return GIVE_UP;
  }
  try {
    const reader = readerOf(ns as Schema);
    if (reader.kind !== "struct") return GIVE_UP;
    return new ShapeReader(encode(bytes), deserializer.stringDeserializer).document(reader);
  } catch {
    // A parse error here is the SDK's to report (its read throws it, with the answer attached).
    return GIVE_UP;
  }
}
