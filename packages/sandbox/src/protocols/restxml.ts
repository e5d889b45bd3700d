// S3's REST-XML protocol: a small XML writer and reader (enough for S3's request and response
// documents: elements, text, attributes, CDATA, comments and the five entities plus numeric
// references), and S3's error rendering.
import { ApiError, type SandboxRequest, type SandboxResponse } from "../types.js";

export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

/** An element to write. `children` is a text value or nested elements; `undefined` members are skipped. */
export interface XmlOut {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly children?: string | readonly (XmlOut | undefined)[];
}

/** A parsed element: `name` without a namespace prefix; `text` is the concatenated direct text content. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

/** Builds an element; `value` may be text, a number/boolean (written as text) or child elements. */
export function el(
  name: string,
  value: string | number | boolean | readonly (XmlOut | undefined)[],
  attrs?: Record<string, string>,
): XmlOut {
  const children = typeof value === "number" || typeof value === "boolean" ? String(value) : value;
  return attrs === undefined ? { name, children } : { name, attrs, children };
}

/** An element only when `value` is defined (for optional members). */
export function optEl(name: string, value: string | number | boolean | undefined | null): XmlOut | undefined {
  return value === undefined || value === null ? undefined : el(name, value);
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        return "&#13;";
    }
  });
}

function writeInto(parts: string[], node: XmlOut): void {
  parts.push("<", node.name);
  if (node.attrs) {
    for (const [k, v] of Object.entries(node.attrs)) parts.push(" ", k, '="', escapeXml(v), '"');
  }
  const children = node.children;
  if (children === undefined || (typeof children !== "string" && children.length === 0) || children === "") {
    parts.push("/>");
    return;
  }
  parts.push(">");
  if (typeof children === "string") parts.push(escapeXml(children));
  else for (const child of children) if (child !== undefined) writeInto(parts, child);
  parts.push("</", node.name, ">");
}

/** Serialises a document with the XML declaration. */
export function writeXml(root: XmlOut): string {
  const parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  writeInto(parts, root);
  return parts.join("");
}

/** A root element in S3's namespace. */
export function s3Root(name: string, children: string | readonly (XmlOut | undefined)[]): XmlOut {
  return { name, attrs: { xmlns: S3_NAMESPACE }, children };
}

export class XmlSyntaxError extends Error {}

const ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new XmlSyntaxError("bare '&' in text");
    if (ref.startsWith("#x")) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    const named = ENTITIES[ref];
    if (named === undefined) throw new XmlSyntaxError(`unknown entity ${whole}`);
    return named;
  });
}

function localName(qname: string): string {
  const i = qname.indexOf(":");
  return i < 0 ? qname : qname.slice(i + 1);
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ATTR = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/;

/** Parses one XML document; throws XmlSyntaxError on anything malformed (unbalanced tags, junk after the root). */
export function parseXml(source: string): XmlElement {
  let pos = 0;
  const skipMisc = (): void => {
    for (;;) {
      const ws = /^\s*/.exec(source.slice(pos));
      pos += ws ? ws[0].length : 0;
      if (source.startsWith("<?", pos)) {
        const end = source.indexOf("?>", pos);
        if (end < 0) throw new XmlSyntaxError("unterminated processing instruction");
        pos = end + 2;
      } else if (source.startsWith("<!--", pos)) {
        const end = source.indexOf("-->", pos);
        if (end < 0) throw new XmlSyntaxError("unterminated comment");
        pos = end + 3;
      } else if (source.startsWith("<!DOCTYPE", pos)) {
        throw new XmlSyntaxError("DOCTYPE is not allowed");
      } else return;
    }
  };
  const parseElement = (): XmlElement => {
    if (source[pos] !== "<") throw new XmlSyntaxError(`expected '<' at ${pos}`);
    pos += 1;
    const nameMatch = NAME.exec(source.slice(pos, pos + 300));
    if (!nameMatch) throw new XmlSyntaxError(`expected an element name at ${pos}`);
    const qname = nameMatch[0];
    pos += qname.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      const m = ATTR.exec(source.slice(pos, pos + 4096));
      if (!m) break;
      attrs[m[1]!] = decodeEntities(m[3] ?? m[4] ?? "");
      pos += m[0].length;
    }
    const ws = /^\s*/.exec(source.slice(pos, pos + 256));
    pos += ws ? ws[0].length : 0;
    if (source.startsWith("/>", pos)) {
      pos += 2;
      return { name: localName(qname), attrs, children: [], text: "" };
    }
    if (source[pos] !== ">") throw new XmlSyntaxError(`malformed start tag <${qname}>`);
    pos += 1;
    const children: XmlElement[] = [];
    const text: string[] = [];
    for (;;) {
      if (pos >= source.length) throw new XmlSyntaxError(`unterminated element <${qname}>`);
      if (source.startsWith("</", pos)) {
        const end = source.indexOf(">", pos);
        if (end < 0) throw new XmlSyntaxError("unterminated end tag");
        const closing = source.slice(pos + 2, end).trim();
        if (closing !== qname) throw new XmlSyntaxError(`</${closing}> does not close <${qname}>`);
        pos = end + 1;
        return { name: localName(qname), attrs, children, text: text.join("") };
      }
      if (source.startsWith("<![CDATA[", pos)) {
        const end = source.indexOf("]]>", pos);
        if (end < 0) throw new XmlSyntaxError("unterminated CDATA");
        text.push(source.slice(pos + 9, end));
        pos = end + 3;
      } else if (source.startsWith("<!--", pos)) {
        const end = source.indexOf("-->", pos);
        if (end < 0) throw new XmlSyntaxError("unterminated comment");
        pos = end + 3;
      } else if (source[pos] === "<") {
        children.push(parseElement());
      } else {
        const next = source.indexOf("<", pos);
        const end = next < 0 ? source.length : next;
        text.push(decodeEntities(source.slice(pos, end)));
        pos = end;
      }
    }
  };
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (pos !== source.length) throw new XmlSyntaxError("content after the root element");
  return root;
}

/** Direct children named `name`. */
export function childrenNamed(node: XmlElement, name: string): XmlElement[] {
  return node.children.filter((c) => c.name === name);
}

/** The first direct child named `name`, or undefined. */
export function child(node: XmlElement, name: string): XmlElement | undefined {
  return node.children.find((c) => c.name === name);
}

/** Trimmed text of the first direct child named `name`, or undefined when absent. */
export function childText(node: XmlElement, name: string): string | undefined {
  const c = child(node, name);
  return c === undefined ? undefined : c.text.trim();
}

/** Writes a parsed element back out (used to echo configuration documents S3 stores as sent). */
export function toXmlOut(node: XmlElement): XmlOut {
  if (node.children.length === 0) return { name: node.name, children: node.text.trim() };
  return { name: node.name, children: node.children.map(toXmlOut) };
}

/** Parses a request body; an empty or malformed body is S3's MalformedXML. */
export function parseS3Body(body: Buffer): XmlElement {
  try {
    return parseXml(body.toString("utf8"));
  } catch (e) {
    if (e instanceof XmlSyntaxError) {
      throw new ApiError(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        400,
      );
    }
    throw e;
  }
}

/** A 200 XML response in S3's style. */
export function xmlResponse(req: SandboxRequest, root: XmlOut, status = 200): SandboxResponse {
  return {
    status,
    headers: { "content-type": "application/xml", ...s3Headers(req) },
    body: writeXml(root),
  };
}

/** The request-id headers every S3 response carries. */
export function s3Headers(req: SandboxRequest): Record<string, string> {
  return { "x-amz-request-id": req.requestId, "x-amz-id-2": Buffer.from(req.requestId).toString("base64") };
}

/**
 * Renders an ApiError as S3 does: `<Error><Code/><Message/>…extra…<RequestId/><HostId/></Error>`,
 * and no body at all for HEAD requests (the SDK then names 404 `NotFound` and others by status).
 * String-valued `extra` members become elements (e.g. BucketName, Key, Condition); a member
 * `headers` (object) is sent as response headers (e.g. x-amz-bucket-region on a 301).
 */
export function s3ErrorResponse(error: ApiError, req: SandboxRequest): SandboxResponse {
  const extraHeaders: Record<string, string> = {};
  const extraElements: XmlOut[] = [];
  for (const [key, value] of Object.entries(error.extra)) {
    if (key === "headers" && typeof value === "object" && value !== null) {
      for (const [h, v] of Object.entries(value)) extraHeaders[h] = String(v);
    } else if (typeof value === "string" || typeof value === "number") {
      extraElements.push(el(key, value));
    }
  }
  const headers = { ...s3Headers(req), ...extraHeaders };
  if (req.method === "HEAD") return { status: error.status, headers };
  const root = el("Error", [
    el("Code", error.code),
    el("Message", error.message),
    ...extraElements,
    el("RequestId", req.requestId),
    el("HostId", headers["x-amz-id-2"] ?? ""),
  ]);
  return { status: error.status, headers: { "content-type": "application/xml", ...headers }, body: writeXml(root) };
}
