// `cordon plan` writes the text plan piece by piece (docs/performance.md, "A third pass"): outPieces
// writes exactly what out() wrote for the whole text, whatever the batch size, hostile lines
// (controls, bidi, a line starting with `::`) and colour codes included.
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { out, outPieces } from "../../../src/cli/output.js";
import { planTextPieces, renderPlanText } from "../../../src/render/plan-text.js";
import { makeStyler } from "../../../src/render/style.js";
import { largePlan, representativePlan } from "../../helpers/plan-fixture.js";

/** What `write` receives, concatenated. */
function captured(write: () => void): string {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    write();
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
const piece = fc.array(line, { minLength: 1, maxLength: 4 }).map((ls) => ls.join("\n"));
const red = makeStyler(true).red;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("outPieces", () => {
  it("writes what out() writes for the joined text, in any batches", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(piece, piece.map(red)), { maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        (pieces, batch) => {
          const whole = captured(() => out(`${pieces.join("\n")}\n`));
          expect(captured(() => outPieces(pieces, batch))).toBe(whole);
          expect(captured(() => outPieces(pieces))).toBe(whole);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("the plan's pieces: renderPlanText's text, written as out() writes it", () => {
    for (const doc of [representativePlan(), largePlan(300)]) {
      for (const style of [makeStyler(false), makeStyler(true)]) {
        const pieces = planTextPieces(doc, style);
        expect(`${pieces.join("\n")}\n`).toBe(renderPlanText(doc, style));
        const whole = captured(() => out(renderPlanText(doc, style)));
        expect(captured(() => outPieces(pieces, 1000))).toBe(whole);
        expect(captured(() => outPieces(pieces))).toBe(whole);
      }
    }
  });
});
