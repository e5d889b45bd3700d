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
import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { LockedError } from "../model/errors.js";
import { type ObjectStore, PreconditionFailedError } from "./objects.js";

export const LOCK_PREFIX = "cordon/locks/";
export const DEFAULT_LOCK_TTL_MS = 15 * 60_000;

export const lockKey = (account: string, region: string): string => `${LOCK_PREFIX}${account}-${region}.json`;

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
          if (!(e instanceof PreconditionFailedError)) throw e; // broken and re-taken by someone else
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
    // An unreadable lock object counts as expired: it cannot say who holds it or until when.
    const expired = holder === null || Date.parse(holder.expiresAt) <= now();
    if (expired) {
      try {
        const etag = await store.put(key, JSON.stringify(info, null, 2), { ifMatch: current.etag });
        request.onTakeover?.(holder);
        return held(info, etag);
      } catch (e) {
        if (!(e instanceof PreconditionFailedError)) throw e;
        continue; // someone else took it over first
      }
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
