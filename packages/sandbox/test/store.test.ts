// The --state file under a stream of changes: writes are coalesced, and a large state is not
// rewritten on every change.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Store } from "../src/store.js";

const dir = mkdtempSync(join(tmpdir(), "cordon-sbx-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Touches `store` every `everyMs` for `forMs`, changing `slice` each time. */
async function changes(store: Store, slice: { n: number }, forMs: number, everyMs: number): Promise<number> {
  const end = performance.now() + forMs;
  let count = 0;
  while (performance.now() < end) {
    slice.n++;
    store.touch();
    count++;
    await sleep(everyMs);
  }
  return count;
}

describe("state file writes", () => {
  it("a burst of changes to a small state is written a few times, and stop-time flush has the last one", async () => {
    const file = join(dir, "small.json");
    const store = new Store(() => ({}), { stateFile: file, debounceMs: 50 });
    const slice = store.global("counter", () => ({ n: 0 }));
    const touched = await changes(store, slice, 500, 2);
    expect(touched).toBeGreaterThan(50);
    const writes = store.persistence().writes;
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(11);
    store.flush();
    expect(JSON.parse(readFileSync(file, "utf8")).globals.counter.n).toBe(slice.n);
  });

  it("a large state is written no more often than 20 × its write time", async () => {
    const file = join(dir, "large.json");
    const store = new Store(() => ({}), { stateFile: file, debounceMs: 10 });
    // About 10 MB of JSON (an estate of 10,000 VPCs with their ACLs is about 19 MB).
    store.global("bulk", () =>
      Array.from({ length: 100_000 }, (_, i) => ({ id: `acl-${i}`, cidr: "10.0.0.0/24", x: "y".repeat(60) })),
    );
    const slice = store.global("counter", () => ({ n: 0 }));
    store.touch();
    await sleep(30);
    const first = store.persistence();
    expect(first.writes).toBe(1);
    expect(first.lastWriteBytes).toBeGreaterThan(8_000_000);
    // Changes every 5 ms for 20 × the first write's time (at least 1 s): at most one more write
    // fits, where a plain 10 ms debounce would write after nearly every change.
    const window = Math.max(1000, 20 * first.lastWriteMs);
    await changes(store, slice, window, 5);
    expect(store.persistence().writes).toBeLessThanOrEqual(2);
    store.flush();
    expect(JSON.parse(readFileSync(file, "utf8")).globals.counter.n).toBe(slice.n);
  });

  it("a background write that fails is reported, not thrown from a timer; flush() then throws it", async () => {
    const store = new Store(() => ({}), { stateFile: join(dir, "no-such-dir", "state.json"), debounceMs: 5 });
    store.global("counter", () => ({ n: 1 }));
    store.touch();
    await sleep(50);
    expect(store.persistence()).toMatchObject({ writes: 0, lastError: expect.stringMatching(/no-such-dir/) });
    expect(() => store.flush()).toThrow(/cannot write sandbox state to .*no-such-dir/);
  });
});
