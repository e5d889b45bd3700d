// `cordon plan` writes the text plan piece by piece (docs/performance.md, "A third pass"): outChunks
// writes exactly what out() wrote for the whole text, whatever the batch size, hostile lines
// (controls, bidi, a line starting with `::`) and colour codes included.
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { out, outChunks } from "../../../src/cli/output.js";
import { planTextChunks, renderPlanText } from "../../../src/render/plan-text.js";
import { makeStyler } from "../../../src/render/style.js";
import { largePlan, representativePlan } from "../../helpers/plan-fixture.js";

/** What `write` receives, concatenated. */
async function captured(write: () => void | Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await write();
  } finally {
    spy.mockRestore();
  }
  return chunks.join("");
}

const line = fc.oneof(
  fc.constantFrom(
    "  + tags = {",
    "::warning::x",
    "  ::error::y",
    "a\u001b[2Jb",
    "\u202eevil",
    "tab\there",
    "",
    "arn:aws:s3:::b",
  ),
  fc.string({ maxLength: 8 }),
);
const piece = fc.array(line, { minLength: 1, maxLength: 4 }).map((ls) => `${ls.join("\n")}\n`);
const red = makeStyler(true).red;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("outChunks", () => {
  it("writes what out() writes for the joined text, in any batches", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            piece,
            piece.map((p) => `${red(p.slice(0, -1))}\n`),
          ),
          { maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 40 }),
        async (pieces, batch) => {
          const whole = await captured(() => out(pieces.join("")));
          if (pieces.length === 0) return;
          expect(await captured(() => outChunks(pieces, batch))).toBe(whole);
          expect(await captured(() => outChunks(pieces))).toBe(whole);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("the plan's pieces: renderPlanText's text, written as out() writes it", async () => {
    for (const doc of [representativePlan(), largePlan(300)]) {
      for (const style of [makeStyler(false), makeStyler(true)]) {
        const pieces = [...planTextChunks(doc, style)];
        expect(pieces.join("")).toBe(renderPlanText(doc, style));
        const whole = await captured(() => out(renderPlanText(doc, style)));
        expect(await captured(() => outChunks(pieces, 1000))).toBe(whole);
        expect(await captured(() => outChunks(pieces))).toBe(whole);
      }
    }
  });
});
