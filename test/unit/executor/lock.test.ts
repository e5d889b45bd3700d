import { describe, expect, it } from "vitest";
import { lockKey } from "../../../src/domain/record-keys.js";
import { acquireLock, forceUnlock, type LockRequest, MIN_LOCK_TTL_MS, parseLock } from "../../../src/executor/lock.js";
import type { ObjectStore } from "../../../src/executor/objects.js";
import { LockedError, UsageError } from "../../../src/model/errors.js";
import { type MemoryStore, memoryStore } from "../../helpers/memory-store.js";

const KEY = lockKey("111122223333", "eu-west-1");

/** A manual clock: sleeping advances it, so waits take no real time. */
function clock(start = Date.parse("2026-11-26T10:00:00Z")) {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const request = (
  store: ReturnType<typeof memoryStore>,
  c: ReturnType<typeof clock>,
  who: string,
  extra: Partial<LockRequest> = {},
): LockRequest => ({
  store,
  key: KEY,
  actor: { who, ciRunId: "42" },
  command: "apply",
  planDigest: "a".repeat(64),
  targets: ["111122223333/eu-west-1"],
  ttlMs: 15 * 60_000,
  timeoutMs: 0,
  now: c.now,
  sleep: c.sleep,
  random: () => 0.5,
  ...extra,
});

describe("the apply lock", () => {
  it("is taken when free and records who, when, what and until when", async () => {
    const store = memoryStore();
    const c = clock();
    const lock = await acquireLock(request(store, c, "alice@laptop"));
    const info = parseLock(store.objects.get(KEY)!.text)!;
    expect(info).toMatchObject({
      id: lock.info.id,
      who: "alice@laptop",
      ciRunId: "42",
      command: "apply",
      createdAt: "2026-11-26T10:00:00.000Z",
      expiresAt: "2026-11-26T10:15:00.000Z",
      targets: ["111122223333/eu-west-1"],
    });
    expect(info.planDigest).toHaveLength(64);
  });

  it("refuses a second holder at once, naming the holder and the ID force-unlock takes", async () => {
    const store = memoryStore();
    const c = clock();
    const first = await acquireLock(request(store, c, "alice@laptop"));
    const second = acquireLock(request(store, c, "bob@ci"));
    await expect(second).rejects.toBeInstanceOf(LockedError);
    const e = (await second.catch((x: unknown) => x)) as LockedError;
    expect(e.message).toContain("alice@laptop (CI run 42)");
    expect(e.message).toContain(`lock ID ${first.info.id}`);
    expect(e.details.join("\n")).toContain(`cordon force-unlock ${first.info.id}`);
    // The holder's lock is untouched.
    expect(parseLock(store.objects.get(KEY)!.text)!.id).toBe(first.info.id);
  });

  it("waits with backoff (--lock-timeout) and gets the lock once it is released", async () => {
    const store = memoryStore();
    const c = clock();
    const first = await acquireLock(request(store, c, "alice@laptop"));
    const waits: number[] = [];
    let notified = 0;
    const second = await acquireLock(
      request(store, c, "bob@ci", {
        timeoutMs: 60_000,
        onWait: () => notified++,
        sleep: async (ms) => {
          waits.push(ms);
          c.advance(ms);
          if (waits.length === 3) await first.release();
        },
      }),
    );
    expect(second.info.who).toBe("bob@ci");
    expect(notified).toBe(1);
    expect(waits).toEqual([187, 375, 750]); // jittered exponential backoff (random = 0.5: three quarters of 250, 500, 1000)
  });

  it("gives up after the timeout", async () => {
    const store = memoryStore();
    const c = clock();
    await acquireLock(request(store, c, "alice@laptop"));
    const started = c.now();
    await expect(acquireLock(request(store, c, "bob@ci", { timeoutMs: 30_000 }))).rejects.toThrow(
      /gave up waiting|locked by/,
    );
    expect(c.now() - started).toBe(30_000);
  });

  it("takes over an expired lock with a conditional overwrite, and the old holder's release leaves it alone", async () => {
    const store = memoryStore();
    const c = clock();
    const stale = await acquireLock(request(store, c, "alice@laptop", { ttlMs: 60_000 }));
    c.advance(61_000);
    let previous = "";
    const fresh = await acquireLock(request(store, c, "bob@ci", { onTakeover: (h) => (previous = h?.who ?? "") }));
    expect(previous).toBe("alice@laptop");
    await stale.release(); // If-Match on the old ETag: must not delete bob's lock
    expect(parseLock(store.objects.get(KEY)!.text)!.id).toBe(fresh.info.id);
    await fresh.release();
    expect(store.objects.has(KEY)).toBe(false);
  });

  it("lets exactly one of two racers take over an expired lock", async () => {
    const store = memoryStore();
    const c = clock();
    await acquireLock(request(store, c, "alice@laptop", { ttlMs: 30_000 }));
    c.advance(31_000);
    const results = await Promise.allSettled([
      acquireLock(request(store, c, "bob@ci")),
      acquireLock(request(store, c, "carol@ci")),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(LockedError);
  });

  it("treats an unreadable lock object as expired", async () => {
    const store = memoryStore();
    const c = clock();
    await store.put(KEY, "not json");
    const lock = await acquireLock(request(store, c, "bob@ci"));
    expect(parseLock(store.objects.get(KEY)!.text)!.id).toBe(lock.info.id);
  });

  it("force-unlock breaks only the lock with that ID", async () => {
    const store = memoryStore();
    const c = clock();
    const lock = await acquireLock(request(store, c, "alice@laptop"));
    expect(await forceUnlock(store, KEY, "ffffffffffff")).toBeNull();
    expect(store.objects.has(KEY)).toBe(true);
    const broken = await forceUnlock(store, KEY, lock.info.id);
    expect(broken?.who).toBe("alice@laptop");
    expect(store.objects.has(KEY)).toBe(false);
    await expect(acquireLock(request(store, c, "bob@ci"))).resolves.toBeDefined();
  });
});

describe("a held lock is kept alive", () => {
  it("renews expiresAt while held (conditional overwrite), and reports a lock broken meanwhile", async () => {
    const store = memoryStore();
    let t = Date.parse("2026-11-26T10:00:00Z");
    const lost: unknown[] = [];
    const lock = await acquireLock({
      store,
      key: KEY,
      actor: { who: "alice@laptop" },
      command: "apply",
      planDigest: "d",
      targets: [],
      ttlMs: 60_000,
      renewEveryMs: 20,
      now: () => t,
      onLost: (e) => lost.push(e),
    });
    const firstExpiry = parseLock(store.objects.get(KEY)!.text)!.expiresAt;
    t += 30_000;
    await new Promise((r) => setTimeout(r, 60));
    const renewed = parseLock(store.objects.get(KEY)!.text)!;
    expect(renewed.id).toBe(lock.info.id);
    expect(Date.parse(renewed.expiresAt)).toBe(Date.parse(firstExpiry) + 30_000);
    expect(lock.info.expiresAt).toBe(renewed.expiresAt);
    // Someone breaks it: the next renewal fails and says so; release leaves the new owner alone.
    await forceUnlock(store, KEY, lock.info.id);
    await store.put(KEY, "someone else");
    await new Promise((r) => setTimeout(r, 60));
    expect(lost).toHaveLength(1);
    await lock.release();
    expect(store.objects.get(KEY)?.text).toBe("someone else");
  });
});

/**
 * A store whose next `lose` writes (puts or deletes, as chosen) take effect but lose their
 * response: like the SDK after a 5xx, it then retries the same request, whose answer (a failed
 * condition, for a conditional write that already happened) is what the caller sees.
 */
function losingResponses(
  inner: MemoryStore,
  lose: { put?: number; delete?: number },
): ObjectStore & { lost: string[]; left: { put: number; delete: number } } {
  const left = { put: lose.put ?? 0, delete: lose.delete ?? 0 };
  const lost: string[] = [];
  return {
    where: inner.where,
    lost,
    left,
    get: (key) => inner.get(key),
    list: (prefix) => inner.list(prefix),
    async put(key, text, condition) {
      const etag = await inner.put(key, text, condition); // a refused write loses nothing
      if (left.put <= 0) return etag;
      left.put--;
      lost.push(`put ${condition?.ifNoneMatch === true ? "if-none-match" : "if-match"}`);
      return inner.put(key, text, condition); // the SDK's retry: its answer is what the caller sees
    },
    async delete(key, ifMatch) {
      await inner.delete(key, ifMatch);
      if (left.delete <= 0) return;
      left.delete--;
      lost.push("delete");
      return inner.delete(key, ifMatch);
    },
  };
}

describe("a lost response (the write happened, the SDK's retry fails its condition)", () => {
  it("on the create: the lock carrying our ID is ours, held and then released", async () => {
    const inner = memoryStore();
    const store = losingResponses(inner, { put: 1 });
    const c = clock();
    const lock = await acquireLock({ ...request(inner, c, "alice@laptop"), store });
    expect(store.lost).toEqual(["put if-none-match"]);
    expect(parseLock(inner.objects.get(KEY)!.text)!.id).toBe(lock.info.id);
    // The ETag read back is the object's: the release's conditional delete matches it.
    await lock.release();
    expect(inner.objects.has(KEY)).toBe(false);
  });

  it("on the takeover of an expired lock: ours too", async () => {
    const inner = memoryStore();
    const c = clock();
    await acquireLock(request(inner, c, "alice@laptop", { ttlMs: MIN_LOCK_TTL_MS }));
    c.advance(MIN_LOCK_TTL_MS + 1_000);
    const store = losingResponses(inner, { put: 1 }); // the create is refused (alice's); the takeover loses its answer
    let previous = "";
    const lock = await acquireLock({
      ...request(inner, c, "bob@ci", { onTakeover: (h) => (previous = h?.who ?? "") }),
      store,
    });
    expect(store.lost).toEqual(["put if-match"]);
    expect(previous).toBe("alice@laptop");
    expect(parseLock(inner.objects.get(KEY)!.text)!.who).toBe("bob@ci");
    await lock.release();
    expect(inner.objects.has(KEY)).toBe(false);
  });

  it("on a renewal: still held (not reported lost), and the release deletes it", async () => {
    const inner = memoryStore();
    const store = losingResponses(inner, {});
    let t = Date.parse("2026-11-26T10:00:00Z");
    const lost: unknown[] = [];
    const lock = await acquireLock({
      store,
      key: KEY,
      actor: { who: "alice@laptop" },
      command: "apply",
      planDigest: "d",
      targets: [],
      ttlMs: 60_000,
      renewEveryMs: 20,
      now: () => t,
      onLost: (e) => lost.push(e),
    });
    store.left.put = 1; // the first renewal loses its response
    t += 30_000;
    await new Promise((r) => setTimeout(r, 80));
    expect(store.lost).toEqual(["put if-match"]);
    expect(lost).toEqual([]);
    expect(Date.parse(parseLock(inner.objects.get(KEY)!.text)!.expiresAt)).toBe(t + 60_000);
    expect(lock.info.expiresAt).toBe(parseLock(inner.objects.get(KEY)!.text)!.expiresAt);
    await lock.release();
    expect(inner.objects.has(KEY)).toBe(false);
  });

  it("on the release: the retried delete finds nothing, which is released", async () => {
    const inner = memoryStore();
    const store = losingResponses(inner, { delete: 1 });
    const c = clock();
    const lock = await acquireLock({ ...request(inner, c, "alice@laptop"), store });
    await expect(lock.release()).resolves.toBeUndefined();
    expect(store.lost).toEqual(["delete"]);
    expect(inner.objects.has(KEY)).toBe(false);
  });

  it("someone else's lock is still someone else's: refused, naming them", async () => {
    const inner = memoryStore();
    const c = clock();
    const first = await acquireLock(request(inner, c, "alice@laptop"));
    const store = losingResponses(inner, { put: 1 });
    await expect(acquireLock({ ...request(inner, c, "bob@ci"), store })).rejects.toThrow(`lock ID ${first.info.id}`);
  });
});

describe("the TTL floor", () => {
  it.each([0, 1, 1_000, MIN_LOCK_TTL_MS - 1])("refuses a TTL of %i ms, naming the floor", async (ttlMs) => {
    const store = memoryStore();
    const attempt = acquireLock(request(store, clock(), "alice@laptop", { ttlMs }));
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(/floor of 30s/);
    expect(store.objects.size).toBe(0);
  });

  it("accepts the floor itself", async () => {
    const store = memoryStore();
    await expect(
      acquireLock(request(store, clock(), "alice@laptop", { ttlMs: MIN_LOCK_TTL_MS })),
    ).resolves.toBeDefined();
  });
});
