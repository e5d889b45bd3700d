// The per-medium functions of src/render/safe-text.ts, one property each (docs/output-safety.md).
import { describe, expect, it } from "vitest";
import { escapeUnsafe, FREE_TEXT_PATTERN } from "../../../src/domain/text.js";
import {
  actionsData,
  actionsProperty,
  fenceFor,
  jsonSafe,
  jsonText,
  mdCode,
  mdHtml,
  mdText,
  safeOutput,
  term,
  ZWSP,
} from "../../../src/render/safe-text.js";
import { makeStyler } from "../../../src/render/style.js";

describe("safe text, per medium", () => {
  it("terminal: control, bidi and separator characters become visible escapes; a leading :: is defused", () => {
    expect(term("a\nb\rc\td\u001b[2Je\u202ef\u2028g\u0085")).toBe(
      "a\\nb\\rc\\td\\u{1b}[2Je\\u{202e}f\\u{2028}g\\u{85}",
    );
    expect(term("  ::warning::x")).toBe(`  ${ZWSP}::warning::x`);
    expect(term("a ::b")).toBe("a ::b");
    expect(new RegExp(FREE_TEXT_PATTERN, "u").test(escapeUnsafe("\u0000\u001f\u007f\u009f\u2066\u2069"))).toBe(true);
  });

  it("markdown text: the same words, nothing that opens markdown, no mention or autolink", () => {
    expect(mdText("# a")).toBe("\\# a");
    expect(mdText("> a")).toBe("&gt; a");
    expect(mdText("1. a")).toBe("1\\. a");
    expect(mdText("203.0.113.10 a")).toBe("203.0.113.10 a");
    expect(mdText("![x](https://e/x.png)")).toBe(`\\!\\[x\\](https:${ZWSP}//e/x.png)`);
    expect(mdText("@org/team <b>&")).toBe(`@${ZWSP}org/team &lt;b&gt;&amp;`);
    expect(mdText("a|b `c` *d* _e_ ~f~ \\")).toBe("a\\|b \\`c\\` \\*d\\* \\_e\\_ \\~f\\~ \\\\");
    expect(mdText("www.evil.example")).toBe(`www${ZWSP}.evil.example`);
  });

  it("markdown in raw HTML and code: entities, and a code span its content cannot close", () => {
    expect(mdHtml('<img src="x"> @a ![b]')).toBe(`&lt;img src=&quot;x&quot;&gt; @${ZWSP}a &#33;&#91;b&#93;`);
    expect(mdCode("a`b")).toBe("``a`b``");
    expect(mdCode("```")).toBe("```` ``` ````");
    expect(mdCode("a|b", { table: true })).toBe("`a\\|b`");
    expect(fenceFor("x\n````\ny")).toBe("`````");
    expect(fenceFor("x")).toBe("```");
  });

  it("JSON: the value is unchanged, its text holds no raw C1, bidi or separator character", () => {
    const value = { s: "a\u202eb\u2028c\u0085\u001b" };
    const text = jsonText(value);
    expect(text).not.toMatch(/[\u0085\u202e\u2028\u001b]/);
    expect(JSON.parse(text)).toEqual(value);
    expect(jsonSafe('{\n\t"a": "\u202e"\n}')).toBe('{\n\t"a": "\\u202e"\n}');
  });

  it("Actions: message and properties escaped as GitHub documents", () => {
    expect(actionsData("50%\r\nnext\n::warning::x")).toBe("50%25%0Anext%0A::warning::x");
    expect(actionsProperty("a:b,c%")).toBe("a%3Ab%2Cc%25");
    expect(actionsData("\u001b[2J")).toBe("\\u{1b}[2J");
  });

  it("the output guard keeps Cordon's colours and line feeds, escapes the rest, defuses :: lines", () => {
    const s = makeStyler(true);
    const text = `${s.red("ok")}\n\u001b[2Jcleared\n::set-output name=x::y\n${s.yellow("::warning::x")}\ttab`;
    const safe = safeOutput(text);
    expect(safe).toBe(
      `${s.red("ok")}\n\\u{1b}[2Jcleared\n${ZWSP}::set-output name=x::y\n${s.yellow(`${ZWSP}::warning::x`)}\ttab`,
    );
    expect(safeOutput("::error file=a::b", { commands: true })).toBe("::error file=a::b");
  });
});

describe("safeOutput on large texts", () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `  \u001b[32m+\u001b[39m entries/outbound/${i}\t= "deny"`);
  it("returns a text with nothing to change as it is (colour codes, tabs and line feeds kept)", () => {
    const text = `${lines.join("\n")}\n`;
    expect(safeOutput(text)).toBe(text);
  });
  it("still escapes one control character, or guards one command line, at the very end of a large text", () => {
    const escaped = safeOutput(`${lines.join("\n")}\nlast \u001b[2J line\n`);
    expect(escaped.endsWith("last \\u{1b}[2J line\n")).toBe(true);
    const guarded = safeOutput(`${lines.join("\n")}\n  ::warning::forged\n`);
    expect(guarded.endsWith(`  ${ZWSP}::warning::forged\n`)).toBe(true);
    expect(safeOutput(`${lines.join("\n")}\n::error::ours\n`, { commands: true }).endsWith("\n::error::ours\n")).toBe(
      true,
    );
  });
});
