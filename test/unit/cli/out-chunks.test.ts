// outChunks (src/cli/output.ts): a long text written piece by piece through the output guard, waiting
// for the stream whenever it asks (backpressure), so a plan of 20,000 changes is never held whole.
import { afterEach, describe, expect, it, vi } from "vitest";
import { outChunks } from "../../../src/cli/output.js";

afterEach(() => vi.restoreAllMocks());

describe("outChunks", () => {
  it("writes every chunk in order, in batches of about 64 kB, through the guard", async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
      written.push(String(s));
      return true;
    });
    const chunks = Array.from({ length: 3000 }, (_, i) => `line ${i} ${"x".repeat(60)}\n`);
    chunks[1500] = "an \u001b[2J escape and ::set-output at a line start\n::error::forged\n";
    await outChunks(chunks);
    const all = written.join("");
    expect(written.length).toBeGreaterThan(2);
    expect(Math.max(...written.map((w) => w.length))).toBeLessThan(70_000);
    expect(all).toContain("line 0 ");
    expect(all.indexOf("line 2999 ")).toBeGreaterThan(all.indexOf("line 1499 "));
    // The guard ran on the batch holding the hostile chunk: no raw ESC, no workflow command.
    expect(all).not.toContain("\u001b");
    expect(all).not.toMatch(/(^|\n)::error::/);
  });

  it("waits for 'drain' when the stream is full, and writes nothing more until then", async () => {
    let full = true;
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
      written.push(String(s));
      return !full;
    });
    const chunks = Array.from({ length: 2000 }, () => `${"y".repeat(99)}\n`);
    const done = outChunks(chunks);
    await new Promise((r) => setTimeout(r, 20));
    expect(written).toHaveLength(1); // stopped after the first batch
    full = false;
    process.stdout.emit("drain");
    await done;
    expect(written.join("")).toBe(chunks.join(""));
  });
});
