// What the WAF handlers share: paginated listing of IP sets and web ACLs, tags, the bounded
// read-modify-write retry on WAFOptimisticLockException, and resolution of IP-set references.

import { errorCode, isNotFound } from "../aws/errors.js";
import type { TargetPorts, WafPort } from "../aws/ports.js";
import { ConflictError } from "../model/errors.js";
import { type Address, makeAddress, type TargetRef } from "../model/resource.js";
import { OWNERSHIP, type Tags } from "../model/specs.js";
import { APPLIED_TAG, withoutAppliedTag } from "./applied-tag.js";
import type { HandlerContext } from "./contract.js";

export const SCOPE = "REGIONAL" as const;

export interface WafSummary {
  readonly name: string;
  readonly id: string;
  readonly arn: string;
}

/** Injectable timing of the WAF retries (tests pass a fast schedule and a fake sleep). */
export interface WafTiming {
  /** Delays before re-reading after WAFOptimisticLockException; attempts = length + 1. */
  readonly lockBackoffMs: readonly number[];
  /** Delays before retrying after WAFUnavailableEntityException (right after a creation). */
  readonly unavailableBackoffMs: readonly number[];
  readonly sleep: (ms: number) => Promise<void>;
}

/** 5 attempts for lock conflicts; about 4.5 minutes in all for an entity that is not available yet. */
export const DEFAULT_WAF_TIMING: WafTiming = {
  lockBackoffMs: [100, 250, 500, 1_000],
  unavailableBackoffMs: [1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000],
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

type Lister = (marker: string | undefined) => Promise<{
  readonly items: readonly { Name?: string | undefined; Id?: string | undefined; ARN?: string | undefined }[];
  readonly next: string | undefined;
}>;

/**
 * Every summary of a List* call. Defensive against the "always returns a marker" quirk
 * (docs/aws-behaviour.md, "List pagination"): stops on an empty page or a marker seen before.
 */
async function listAll(list: Lister): Promise<WafSummary[]> {
  const out: WafSummary[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  for (;;) {
    const page = await list(marker);
    for (const s of page.items) {
      if (s.Name !== undefined && s.Id !== undefined && s.ARN !== undefined)
        out.push({ name: s.Name, id: s.Id, arn: s.ARN });
    }
    const next = page.next;
    if (next === undefined || next === "" || page.items.length === 0 || seen.has(next)) return out;
    seen.add(next);
    marker = next;
  }
}

export const listIpSets = (waf: WafPort): Promise<WafSummary[]> =>
  listAll(async (marker) => {
    const r = await waf.listIPSets({
      Scope: SCOPE,
      Limit: 100,
      ...(marker !== undefined ? { NextMarker: marker } : {}),
    });
    return { items: r.IPSets ?? [], next: r.NextMarker };
  });

export const listWebAcls = (waf: WafPort): Promise<WafSummary[]> =>
  listAll(async (marker) => {
    const r = await waf.listWebACLs({
      Scope: SCOPE,
      Limit: 100,
      ...(marker !== undefined ? { NextMarker: marker } : {}),
    });
    return { items: r.WebACLs ?? [], next: r.NextMarker };
  });

/** Every tag of a WAF resource (paginated). */
export async function readTags(waf: WafPort, arn: string): Promise<Tags> {
  const out: Record<string, string> = {};
  let marker: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const r = await waf.listTagsForResource({
      ResourceARN: arn,
      ...(marker !== undefined ? { NextMarker: marker } : {}),
    });
    const list = r.TagInfoForResource?.TagList ?? [];
    for (const t of list) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
    const next = r.NextMarker;
    if (next === undefined || next === "" || list.length === 0 || seen.has(next)) return out;
    seen.add(next);
    marker = next;
  }
}

type Ctx = HandlerContext<TargetPorts>;

/** The target's web ACLs, listed once per pass (observe and discover of every WAF kind share it). */
export const webAclsOnce = (ctx: Ctx, waf: WafPort): Promise<WafSummary[]> =>
  ctx.memo("wafv2.webAcls", () => listWebAcls(waf));

/** The target's IP sets, listed once per pass. */
export const ipSetsOnce = (ctx: Ctx, waf: WafPort): Promise<WafSummary[]> =>
  ctx.memo("wafv2.ipSets", () => listIpSets(waf));

/** The tags of a WAF resource, read once per pass. */
export const tagsOnce = (ctx: Ctx, waf: WafPort, arn: string): Promise<Tags> =>
  ctx.memo(`wafv2.tags:${arn}`, () => readTags(waf, arn));

/**
 * The web ACLs of the target that carry Cordon's ownership tag, with their tags, once per pass:
 * what the discovery of web ACLs and of their load-balancer associations starts from.
 */
export const ownedWebAcls = (
  ctx: Ctx,
  waf: WafPort,
): Promise<readonly { readonly summary: WafSummary; readonly tags: Tags }[]> =>
  ctx.memo("wafv2.webAcls.owned", async () => {
    const all = await Promise.all(
      (await webAclsOnce(ctx, waf)).map(async (summary) => {
        try {
          return { summary, tags: await tagsOnce(ctx, waf, summary.arn) };
        } catch (e) {
          if (isNotFound(e)) return { summary, tags: {} }; // deleted since it was listed
          throw e;
        }
      }),
    );
    return all.filter((a) => isOwnedTags(a.tags));
  });

export const isOwnedTags = (tags: Tags): boolean => tags[OWNERSHIP.tagKey] === OWNERSHIP.tagValue;

/** The tags a diff may look at: the desired keys and Cordon's own; foreign tags are never touched. */
export function comparableTags(all: Tags, desired: Tags | null): Tags {
  if (desired === null) return withoutAppliedTag(all);
  return Object.fromEntries(
    Object.entries(all).filter(([k]) => k !== APPLIED_TAG && (k in desired || k.startsWith("cordon:"))),
  );
}

/** Brings the tags of `arn` to `desired` over the comparable keys: TagResource / UntagResource. */
export async function syncTags(waf: WafPort, arn: string, desired: Tags, live: Tags): Promise<void> {
  const set = Object.entries(desired).filter(([k, v]) => live[k] !== v);
  const unset = Object.keys(live).filter((k) => !(k in desired) && k.startsWith("cordon:"));
  if (set.length > 0) await waf.tagResource({ ResourceARN: arn, Tags: set.map(([Key, Value]) => ({ Key, Value })) });
  if (unset.length > 0) await waf.untagResource({ ResourceARN: arn, TagKeys: unset });
}

export const tagList = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/**
 * Runs one read-modify-write `attempt` (it must read the entity afresh, with its lock token) and
 * retries it on WAFOptimisticLockException after each delay of `timing.lockBackoffMs`, then fails
 * with a ConflictError naming what kept changing.
 */
export async function withLockRetry<T>(what: string, timing: WafTiming, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (errorCode(e) !== "WAFOptimisticLockException") throw e;
      const delay = timing.lockBackoffMs[i];
      if (delay === undefined) {
        throw new ConflictError(
          `${what} kept changing while Cordon updated it (WAFOptimisticLockException ${i + 1} times); run cordon apply again`,
        );
      }
      await timing.sleep(delay);
    }
  }
}

/** Retries `run` on WAFUnavailableEntityException (an entity just created is not visible yet). */
export async function withUnavailableRetry<T>(timing: WafTiming, run: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await run();
    } catch (e) {
      const delay = timing.unavailableBackoffMs[i];
      if (errorCode(e) !== "WAFUnavailableEntityException" || delay === undefined) throw e;
      await timing.sleep(delay);
    }
  }
}

/**
 * ARNs of the target's IP sets by their wafv2.ipSet address, read afresh (an IP set created earlier
 * in this apply must be found): the resolver resolveIpSetRefs() needs.
 */
export async function ipSetArns(waf: WafPort, target: TargetRef): Promise<(address: Address) => string | undefined> {
  const byAddress = new Map<Address, string>();
  for (const s of await listIpSets(waf)) byAddress.set(makeAddress(target, "wafv2.ipSet", s.name), s.arn);
  return (address) => byAddress.get(address);
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `task` after every association call already queued for the same account and region: WAF
 * allows one AssociateWebACL / DisassociateWebACL per 2 seconds (docs/aws-behaviour.md, "Associations").
 */
export function serialised<T>(target: TargetRef, task: () => Promise<T>): Promise<T> {
  const key = `${target.account}/${target.region}`;
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}
