// The apply lock: one S3 object per target, cordon/locks/<account>-<region>.json, so that two
// applies (people, CI jobs, watch loops) never change the same target at once.
//
// - Taken with PutObject If-None-Match: * (S3 creates it for exactly one writer).
// - The object says who holds it (user@host, CI run), since when, until when, and what for (plan
//   digest, targets). A holder that died leaves it behind: once `expiresAt` has passed, anyone may
//   take it over with a conditional overwrite (If-Match on the ETag read), which again succeeds
//   for exactly one writer.
// - A waiter retries with jittered exponential backoff until its timeout, then fails with a
//   LockedError naming the holder and the lock ID that `cordon force-unlock ID` takes.
// - Kept alive while held: every third of the TTL the holder extends `expiresAt` with a conditional
//   overwrite (If-Match on its own ETag), so a long apply never loses its lock to a takeover; if
//   the overwrite fails the lock was broken (force-unlock) and `onLost` is told.
// - Released with DeleteObject If-Match on our own ETag: a lock someone has since broken and
//   re-taken is never deleted by the old holder.
// - Lost responses: a conditional write can succeed in S3 while its response is lost (a 5xx or a
//   dropped connection); the SDK then retries it, and the retry fails its own condition (412)
//   because the first attempt already wrote. So whenever a condition fails, the lock object is
//   read back: if it carries our lock ID, the write was ours and we hold the lock (with the ETag
//   read). Only the holder ever writes an object with its ID (IDs are 48 random bits), so the ID
//   alone decides. A lost DeleteObject response, retried, finds no object: released.
// - TTL floor: a lock shorter than MIN_LOCK_TTL_MS is refused (see there).
import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { LockedError, UsageError } from "../model/errors.js";
import { type ObjectStore, PreconditionFailedError } from "./objects.js";

export const DEFAULT_LOCK_TTL_MS = 15 * 60_000;
/**
 * The shortest lock TTL accepted: 30 seconds. The holder renews every third of the TTL, so with
 * 30 s it has 10 s between renewals, and a renewal may still be late by 20 s (a slow S3 round trip
 * with SDK retries and backoff, a paused or swapped-out process, a loaded CI runner) before the
 * lock lapses. Below that a lock can expire while its holder is still applying, and another run
 * takes it over: no mutual exclusion at all (a TTL of 0 expires as it is written).
 */
export const MIN_LOCK_TTL_MS = 30_000;

/** Why a TTL below the floor is refused (the message of the usage error); `given` names the value. */
export function lockTtlFloorMessage(given: string): string {
  return `${given} is below the lock TTL floor of ${MIN_LOCK_TTL_MS / 1000}s: the holder renews the lock every third of its TTL, and a shorter lock can expire while its holder is still applying (a slow S3 round trip, a paused process), letting another run in`;
}

/** Who is running Cordon: for locks and audit records. */
export interface Actor {
  /** user@host */
  readonly who: string;
  /** CI run id and URL when running in CI (GitHub Actions), else absent. */
  readonly ciRunId?: string;
  readonly ciRunUrl?: string;
}

export function currentActor(env: NodeJS.ProcessEnv = process.env): Actor {
  let user = env["USER"] ?? env["USERNAME"] ?? "";
  if (user === "") {
    try {
      user = userInfo().username;
    } catch {
      user = "unknown";
    }
  }
  const who = `${env["GITHUB_ACTOR"] ?? user}@${hostname()}`;
  const runId = env["GITHUB_RUN_ID"] ?? env["CORDON_RUN_ID"];
  const server = env["GITHUB_SERVER_URL"];
  const repo = env["GITHUB_REPOSITORY"];
  return {
    who,
    ...(runId !== undefined && runId !== "" ? { ciRunId: runId } : {}),
    ...(runId !== undefined && server !== undefined && repo !== undefined
      ? { ciRunUrl: `${server}/${repo}/actions/runs/${runId}` }
      : {}),
  };
}

export interface LockInfo {
  readonly format: "cordon.lock/v1";
  readonly id: string;
  readonly who: string;
  readonly ciRunId?: string;
  readonly ciRunUrl?: string;
  readonly command: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly planDigest: string;
  readonly targets: readonly string[];
}

export interface LockRequest {
  readonly store: ObjectStore;
  readonly key: string;
  readonly actor: Actor;
  readonly command: string;
  readonly planDigest: string;
  readonly targets: readonly string[];
  /** The lock expires this long after it is taken (default 15 minutes). */
  readonly ttlMs?: number;
  /** How long to wait for a held lock before failing (0 = fail at once). */
  readonly timeoutMs?: number;
  /** Called once when the lock is held by someone else and we start waiting. */
  readonly onWait?: (holder: LockInfo | null) => void;
  readonly onTakeover?: (previous: LockInfo | null) => void;
  /** Called when renewing finds the lock broken by someone else (it is no longer ours). */
  readonly onLost?: (error: unknown) => void;
  /** Renew every this many ms while held (default ttl / 3; 0 = never). */
  readonly renewEveryMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface HeldLock {
  readonly info: LockInfo;
  readonly key: string;
  readonly where: string;
  /** Deletes the lock if it is still ours. Safe to call more than once. */
  release(): Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const newLockId = (): string => randomBytes(6).toString("hex");

export function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (v.format !== "cordon.lock/v1" || typeof v.id !== "string" || typeof v.expiresAt !== "string") return null;
    return v as LockInfo;
  } catch {
    return null;
  }
}

/** "alice@build-7 (CI run 42) since 2026-11-26T10:00:00Z for plan 3f2a1c9e0b7d, lock ID 9c1f…, expires …" */
export function describeHolder(info: LockInfo): string {
  const ci = info.ciRunId !== undefined ? ` (CI run ${info.ciRunId})` : "";
  return `${info.who}${ci}, running ${info.command} since ${info.createdAt} for plan ${info.planDigest.slice(0, 12)}; lock ID ${info.id}, expires ${info.expiresAt}`;
}

/** Takes the lock, waiting up to `timeoutMs`; throws LockedError when it stays held. */
export async function acquireLock(request: LockRequest): Promise<HeldLock> {
  const now = request.now ?? Date.now;
  const sleep = request.sleep ?? realSleep;
  const random = request.random ?? Math.random;
  const ttl = request.ttlMs ?? DEFAULT_LOCK_TTL_MS;
  if (!(ttl >= MIN_LOCK_TTL_MS)) throw new UsageError(lockTtlFloorMessage(`a lock TTL of ${ttl}ms`));
  const deadline = now() + Math.max(0, request.timeoutMs ?? 0);
  const { store, key } = request;
  let delay = 250;
  let waited = false;

  const make = (): LockInfo => {
    const t = now();
    return {
      format: "cordon.lock/v1",
      id: newLockId(),
      who: request.actor.who,
      ...(request.actor.ciRunId !== undefined ? { ciRunId: request.actor.ciRunId } : {}),
      ...(request.actor.ciRunUrl !== undefined ? { ciRunUrl: request.actor.ciRunUrl } : {}),
      command: request.command,
      createdAt: new Date(t).toISOString(),
      expiresAt: new Date(t + ttl).toISOString(),
      planDigest: request.planDigest,
      targets: [...request.targets],
    };
  };
  const held = (first: LockInfo, firstEtag: string): HeldLock => {
    let released = false;
    let info = first;
    let etag = firstEtag;
    let renewing: Promise<void> = Promise.resolve();
    const every = request.renewEveryMs ?? Math.floor(ttl / 3);
    const timer =
      every > 0
        ? setInterval(() => {
            renewing = (async () => {
              if (released) return;
              const next = { ...info, expiresAt: new Date(now() + ttl).toISOString() };
              try {
                etag = await store.put(key, JSON.stringify(next, null, 2), { ifMatch: etag });
                info = next;
              } catch (e) {
                const own =
                  e instanceof PreconditionFailedError ? await ownLock(store, key, info.id).catch(() => null) : null;
                if (own !== null) {
                  // Our renewal landed; only its response was lost.
                  etag = own.etag;
                  info = own.info;
                  return;
                }
                clearInterval(timer);
                request.onLost?.(e);
              }
            })();
          }, every)
        : undefined;
    timer?.unref();
    return {
      get info() {
        return info;
      },
      key,
      where: `${store.where}/${key}`,
      async release() {
        if (released) return;
        released = true;
        if (timer !== undefined) clearInterval(timer);
        await renewing;
        try {
          await store.delete(key, etag);
        } catch (e) {
          if (!(e instanceof PreconditionFailedError)) throw e;
          // Still ours under another ETag (a renewal whose response was lost): delete that version.
          // Otherwise it was broken and re-taken by someone else, and is left alone.
          const own = await ownLock(store, key, info.id);
          if (own !== null) await store.delete(key, own.etag);
        }
      },
    };
  };

  for (;;) {
    const info = make();
    try {
      return held(info, await store.put(key, JSON.stringify(info, null, 2), { ifNoneMatch: true }));
    } catch (e) {
      if (!(e instanceof PreconditionFailedError)) throw e;
    }
    const current = await store.get(key);
    if (current === null) continue; // released in between: try again at once
    const holder = parseLock(current.text);
    // Our own write, whose response was lost and whose SDK retry then failed its condition.
    if (holder?.id === info.id) return held(holder, current.etag);
    // An unreadable lock object counts as expired: it cannot say who holds it or until when.
    const expired = holder === null || Date.parse(holder.expiresAt) <= now();
    if (expired) {
      let etag: string | null;
      try {
        etag = await store.put(key, JSON.stringify(info, null, 2), { ifMatch: current.etag });
      } catch (e) {
        if (!(e instanceof PreconditionFailedError)) throw e;
        etag = await ownEtag(store, key, info.id); // null: someone else took it over first
      }
      if (etag === null) continue;
      request.onTakeover?.(holder);
      return held(info, etag);
    }
    const left = deadline - now();
    if (left <= 0) {
      throw new LockedError(`${store.where}/${key} is locked by ${describeHolder(holder)}`, [
        waited ? "gave up waiting (--lock-timeout)" : "pass --lock-timeout 10m to wait for it",
        `if that run is gone, break the lock: cordon force-unlock ${holder.id}`,
      ]);
    }
    if (!waited) {
      waited = true;
      request.onWait?.(holder);
    }
    const jittered = Math.floor(delay / 2 + random() * (delay / 2));
    await sleep(Math.min(jittered, left));
    delay = Math.min(delay * 2, 10_000);
  }
}

/** The lock object at `key` with its ETag when it carries lock ID `id`, else null. */
async function ownLock(store: ObjectStore, key: string, id: string): Promise<{ info: LockInfo; etag: string } | null> {
  const current = await store.get(key);
  if (current === null) return null;
  const info = parseLock(current.text);
  return info !== null && info.id === id ? { info, etag: current.etag } : null;
}

const ownEtag = async (store: ObjectStore, key: string, id: string): Promise<string | null> =>
  (await ownLock(store, key, id))?.etag ?? null;

/**
 * Breaks the lock at `key` if its ID is `id` (conditional delete on the ETag read). Returns the
 * broken lock, or null when no lock with that ID is there.
 */
export async function forceUnlock(store: ObjectStore, key: string, id: string): Promise<LockInfo | null> {
  const current = await store.get(key);
  if (current === null) return null;
  const info = parseLock(current.text);
  if (info === null || info.id !== id) return null;
  await store.delete(key, current.etag);
  return info;
}
