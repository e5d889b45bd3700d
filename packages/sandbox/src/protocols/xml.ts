// A minimal XML writer shared by the ec2 and query protocol codecs. Values are written in the
// order of the object's keys; `undefined`/`null` members are omitted; an array becomes a list
// whose elements are named by `listItem` ("item" for ec2, "member" for query); an empty array
// becomes an empty element (`<tagSet/>`), as AWS sends it.

export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | readonly XmlValue[]
  | { readonly [key: string]: XmlValue };

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Escapes text for element content and attribute values; drops characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function scalar(value: string | number | boolean | Date): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

/** Appends `<name>…</name>` for `value` to `out`. */
export function writeElement(out: string[], name: string, value: XmlValue, listItem: string): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(`<${name}/>`);
      return;
    }
    out.push(`<${name}>`);
    for (const v of value as readonly XmlValue[]) writeElement(out, listItem, v, listItem);
    out.push(`</${name}>`);
    return;
  }
  if (typeof value === "object" && !(value instanceof Date)) {
    out.push(`<${name}>`);
    writeMembers(out, value as { readonly [key: string]: XmlValue }, listItem);
    out.push(`</${name}>`);
    return;
  }
  out.push(`<${name}>${scalar(value as string | number | boolean | Date)}</${name}>`);
}

export function writeMembers(out: string[], members: { readonly [key: string]: XmlValue }, listItem: string): void {
  for (const key of Object.keys(members)) writeElement(out, key, members[key], listItem);
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
