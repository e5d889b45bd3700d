// The XML parser of the AWS SDK's XML protocols (EC2 query, S3's REST-XML), as a faster drop-in.
//
// @aws-sdk/xml-builder's parseXML turns an answer into plain objects the SDK's deserialisers then
// read. It builds every tag name and text one character at a time (`text += x[i++]`), which made it the
// largest cost of a large plan: 0.9 s of the 3.3 s of CPU of a converged 5,000 × 4 plan, plus much of
// the garbage collection (docs/performance.md, "A third pass"). This module is the same function,
// written with indexOf, charCodeAt and slice: the bundles take it in place of the SDK's module
// (scripts/esbuild-sdk.mjs), so the SDK's deserialisation, and every value Cordon reads, is unchanged.
//
// The contract, which test/unit/aws/xml-parser.test.ts holds equal to the SDK's own function (the same
// result, or the same error message, for its edge cases, for answers of the sandbox and for random
// inputs):
// - carriage returns are normalised to "\n" first; the prologue's `<?…?>`, comments and DOCTYPE are
//   skipped; the result is `{ [rootTag]: value }`;
// - an element with neither attributes nor child elements is its text (entities decoded, CDATA kept
//   as it is), or "" when it is empty or only whitespace containing a newline;
// - otherwise it is an object: "#text" (the texts that are not such whitespace, concatenated), then
//   each child by tag (a repeated tag becomes an array; `in` decides, as in the SDK), then the
//   attributes; "__proto__" is an own property, never the prototype;
// - malformed input throws the SDK's error messages.

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z][a-zA-Z0-9]{0,30}));/g;

export function decodeEntities(s: string): string {
  if (s.indexOf("&") === -1) return s;
  return s.replace(ENTITY, (_m, hex: string | undefined, dec: string | undefined, named: string) => {
    if (hex) return String.fromCharCode(Number.parseInt(hex, 16));
    if (dec) return String.fromCharCode(Number.parseInt(dec, 10));
    return ENTITIES[named] ?? "";
  });
}

/** Makes `__proto__` an ordinary own property of `obj`, so assigning it never changes the prototype. */
function ownProto(obj: Record<string, unknown>): void {
  Object.defineProperty(obj, "__proto__", { value: undefined, writable: true, enumerable: true, configurable: true });
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
export const LT = 0x3c; // <
export const GT = 0x3e; // >
export const SLASH = 0x2f;
export const BANG = 0x21; // !
const EQ = 0x3d;
export const QUESTION = 0x3f;

export const isSpace = (c: number) => c === SPACE || c === TAB || c === LF || c === CR;
/** Whether `c` ends a tag name (the SDK's parser reads a name up to whitespace, ">" or "/"). */
export const endsName = (c: number) => isSpace(c) || c === GT || c === SLASH;

export interface StartTag {
  readonly tag: string;
  readonly attrs: Record<string, unknown> | undefined;
  readonly selfClosing: boolean;
}

export interface Parsed {
  readonly tag: string;
  readonly value: unknown;
}

/**
 * A position in one XML text and the steps of the SDK's parser from there. parseXML uses it whole;
 * src/aws/xml-shapes.ts reads answers with it directly into the SDK's output shapes, and hands any
 * element it does not read itself to element(), so both see exactly the same document.
 */
export class XmlScanner {
  readonly x: string;
  readonly z: number;
  i = 0;

  constructor(xml: string) {
    this.x = xml.indexOf("\r") === -1 ? xml : xml.replace(/\r\n?/g, "\n");
    this.z = this.x.length;
  }

  document(): Record<string, unknown> {
    if (!this.prologue()) throw new Error("@aws-sdk XML parse error: no root element.");
    const root = this.element();
    return { [root.tag]: root.value };
  }

  /**
   * Skips what may come before the root element (declaration, comments, DOCTYPE, whitespace): true
   * at the root's "<", false at the end of the text; throws the SDK's error for anything else.
   */
  prologue(): boolean {
    const { x, z } = this;
    while (this.i < z) {
      this.skipSpace();
      if (this.i >= z) break;
      if (x.startsWith("<?", this.i)) {
        this.readTo("?>");
        this.skipSpace();
      } else if (x.startsWith("<!--", this.i)) {
        this.readTo("-->");
        this.skipSpace();
      } else if (x.slice(this.i, this.i + 9).toLowerCase() === "<!doctype") {
        this.skipDoctype();
        this.skipSpace();
      } else if (x.charCodeAt(this.i) === LT) {
        return true;
      } else {
        throw new Error("@aws-sdk XML parse error: unexpected content.");
      }
    }
    return false;
  }

  skipSpace(): void {
    const { x, z } = this;
    let i = this.i;
    while (i < z && isSpace(x.charCodeAt(i))) i++;
    this.i = i;
  }

  readTo(stop: string): string {
    const end = this.x.indexOf(stop, this.i);
    if (end === -1) throw new Error(`@aws-sdk XML parse error: expected "${stop}" not found.`);
    const result = this.x.slice(this.i, end);
    this.i = end + stop.length;
    return result;
  }

  private skipDoctype(): void {
    const { x, z } = this;
    this.i += 9;
    let depth = 0;
    while (this.i < z) {
      const c = x[this.i];
      if (c === "[") depth++;
      else if (c === "]") depth--;
      else if (c === ">" && depth === 0) {
        this.i++;
        return;
      }
      this.i++;
    }
    throw new Error("@aws-sdk XML parse error: unclosed DOCTYPE.");
  }

  /**
   * The start tag whose "<" is at the current position: its name, its attributes (undefined when
   * none) and whether it closes itself; the position is left after its ">".
   */
  startTag(): StartTag {
    const { x, z } = this;
    let i = this.i + 1;
    const tagStart = i;
    for (; i < z; i++) {
      const c = x.charCodeAt(i);
      if (endsName(c)) break;
    }
    const tag = x.slice(tagStart, i);
    this.i = i;

    let attrs: Record<string, unknown> | undefined;
    while (this.i < z) {
      this.skipSpace();
      const c = x.charCodeAt(this.i);
      if (c === GT || c === SLASH) break;
      let j = this.i;
      for (; j < z; j++) {
        const d = x.charCodeAt(j);
        if (d === EQ || isSpace(d) || d === GT || d === SLASH || d === QUESTION) break;
      }
      const name = x.slice(this.i, j);
      this.i = j;
      this.skipSpace();
      if (x.charCodeAt(this.i) !== EQ) break;
      this.i++;
      this.skipSpace();
      attrs ??= {};
      if (name === "__proto__") ownProto(attrs);
      attrs[name] = this.attributeValue();
    }
    if (this.i >= z) throw new Error("@aws-sdk XML parse error: unexpected end of input.");
    if (x.charCodeAt(this.i) === SLASH) {
      this.i++;
      if (this.i >= z || x.charCodeAt(this.i) !== GT) {
        throw new Error("@aws-sdk XML parse error: expected > at the end of self-closing tag.");
      }
      this.i++;
      return { tag, attrs, selfClosing: true };
    }
    if (x.charCodeAt(this.i) !== GT) throw new Error("@aws-sdk XML parse error: expected > at the end of opening tag.");
    this.i++;
    return { tag, attrs, selfClosing: false };
  }

  /** The end tag of `tag`, whose "</" is at the current position; the position is left after it. */
  endTag(tag: string): void {
    this.i += 2;
    const closeTag = this.readTo(">").trim();
    if (closeTag !== tag) throw new Error(`@aws-sdk XML parse error: mismatched tags <${tag}> and </${closeTag}>.`);
  }

  /** The element whose "<" is at the current position, as the SDK's parser gives it. */
  element(): Parsed {
    const { x, z } = this;
    const { tag, attrs, selfClosing } = this.startTag();
    if (selfClosing) return { tag, value: attrs ?? "" };

    let text: string | undefined; // the one text part, the common case
    let texts: string[] | undefined; // all of them, once there are two
    let children: Parsed[] | undefined;
    while (this.i < z) {
      if (x.charCodeAt(this.i) === LT) {
        const next = x.charCodeAt(this.i + 1);
        if (next === SLASH) break;
        let part: string | undefined;
        if (next === BANG && x.startsWith("<!--", this.i)) {
          this.readTo("-->");
          continue;
        }
        if (next === BANG && x.startsWith("<![CDATA[", this.i)) {
          this.i += 9;
          part = this.readTo("]]>");
        } else if (next === QUESTION) {
          this.readTo("?>");
          continue;
        } else {
          children ??= [];
          children.push(this.element());
          continue;
        }
        if (texts !== undefined) texts.push(part);
        else if (text !== undefined) texts = [text, part];
        else text = part;
      } else {
        let end = x.indexOf("<", this.i);
        if (end === -1) end = z;
        const part = decodeEntities(x.slice(this.i, end));
        this.i = end;
        if (texts !== undefined) texts.push(part);
        else if (text !== undefined) texts = [text, part];
        else text = part;
      }
    }
    if (!x.startsWith("</", this.i)) throw new Error(`@aws-sdk XML parse error: missing closing tag </${tag}>.`);
    this.endTag(tag);

    if (attrs === undefined && children === undefined) {
      if (text === undefined) return { tag, value: "" };
      const all = texts === undefined ? text : texts.join("");
      return { tag, value: blank(all) ? "" : all };
    }
    const obj: Record<string, unknown> = {};
    for (const part of texts ?? (text === undefined ? [] : [text])) {
      if (blank(part)) continue;
      obj["#text"] = "#text" in obj ? (obj["#text"] as string) + part : part;
    }
    if (children !== undefined) {
      for (const child of children) {
        if (child.tag === "__proto__") ownProto(obj);
        if (child.tag in obj) {
          const had = obj[child.tag];
          if (Array.isArray(had)) had.push(child.value);
          else obj[child.tag] = [had, child.value];
        } else {
          obj[child.tag] = child.value;
        }
      }
    }
    if (attrs !== undefined) {
      for (const [k, v] of Object.entries(attrs)) {
        if (k === "__proto__") ownProto(obj);
        obj[k] = v;
      }
    }
    return { tag, value: obj };
  }

  private attributeValue(): string {
    const quote = this.x[this.i] as string;
    const start = this.i + 1;
    let end = this.x.indexOf(quote, start);
    if (end === -1 || quote === undefined) end = this.z;
    this.i = end + 1;
    return decodeEntities(this.x.slice(start, end));
  }
}

/** Text that is only whitespace and holds a newline: the indentation between elements. */
export const blank = (s: string) => s.indexOf("\n") !== -1 && s.trim() === "";

/** The SDK's parseXML (@aws-sdk/xml-builder): an XML document as plain objects, or the SDK's parse error. */
export function parseXML(xml: string): Record<string, unknown> {
  return new XmlScanner(xml).document();
}
