// Characters that free text may not hold: they can forge what people see in a terminal, a job log
// or a pull-request comment (docs/output-safety.md). Validation refuses them in every free-text
// field of a policy (the schema's `$defs/freeText` pattern is built from UNSAFE_CLASS); renderers
// show whatever still reaches them, from plan files or AWS, as visible escapes
// (src/render/safe-text.ts).

/**
 * The refused characters as the body of a regular-expression character class: C0 controls (newline,
 * tab and ESC included), DEL, C1 controls, the Arabic letter mark, left-to-right / right-to-left
 * marks, the line and paragraph separators, the bidi embeddings and overrides U+202A–U+202E and the
 * bidi isolates U+2066–U+2069.
 */
export const UNSAFE_CLASS = "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069";

/** The schema pattern of free text: none of the UNSAFE_CLASS characters. */
export const FREE_TEXT_PATTERN = `^[^${UNSAFE_CLASS}]*$`;

const UNSAFE = new RegExp(`[${UNSAFE_CLASS}]`, "u");
const UNSAFE_ALL = new RegExp(`[${UNSAFE_CLASS}]`, "gu");

const NAMES: Readonly<Record<number, string>> = {
  0: "NUL",
  7: "BEL",
  8: "BACKSPACE",
  9: "TAB",
  10: "LINE FEED",
  11: "VERTICAL TAB",
  12: "FORM FEED",
  13: "CARRIAGE RETURN",
  27: "ESC",
  127: "DEL",
  133: "NEXT LINE",
  155: "CSI",
  1564: "ARABIC LETTER MARK",
  8206: "LEFT-TO-RIGHT MARK",
  8207: "RIGHT-TO-LEFT MARK",
  8232: "LINE SEPARATOR",
  8233: "PARAGRAPH SEPARATOR",
  8234: "LEFT-TO-RIGHT EMBEDDING",
  8235: "RIGHT-TO-LEFT EMBEDDING",
  8236: "POP DIRECTIONAL FORMATTING",
  8237: "LEFT-TO-RIGHT OVERRIDE",
  8238: "RIGHT-TO-LEFT OVERRIDE",
  8294: "LEFT-TO-RIGHT ISOLATE",
  8295: "RIGHT-TO-LEFT ISOLATE",
  8296: "FIRST STRONG ISOLATE",
  8297: "POP DIRECTIONAL ISOLATE",
};

/** "U+001B". */
export const codePoint = (c: string): string =>
  `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

/** "U+001B (ESC)", "U+0085" — never the character itself. */
export const describeChar = (c: string): string => {
  const name = NAMES[c.codePointAt(0) ?? 0];
  return name === undefined ? codePoint(c) : `${codePoint(c)} (${name})`;
};

/** True when `s` holds a character free text may not hold. */
export const hasUnsafe = (s: string): boolean => UNSAFE.test(s);

/** The first refused character of `s` and its index (in code points), or null. */
export function firstUnsafe(s: string): { readonly char: string; readonly index: number } | null {
  let index = 0;
  for (const c of s) {
    if (UNSAFE.test(c)) return { char: c, index };
    index++;
  }
  return null;
}

const SHORT: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `s` with every refused character replaced by a visible escape: `\n`, `\r`, `\t`, otherwise
 * `\u{1b}` (the code point in hex). The result holds no control, bidi or separator character.
 */
export const escapeUnsafe = (s: string): string =>
  s.replace(UNSAFE_ALL, (c) => SHORT[c] ?? `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
