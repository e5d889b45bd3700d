// Observation passes: every pass re-reads the world (docs/architecture.md, "Level-based") through fresh handler
// contexts, one per target, whose memo lets handlers batch their reads per (account, region,
// service) ("Batched reads" there). Targets and resources are observed concurrently.
import type { Discovered, Handler, HandlerContext } from "../handlers/contract.js";
import type { Change } from "../model/change.js";
import { ConflictError, UsageError } from "../model/errors.js";
import type { Address, DesiredResource, Kind, Observation, TargetRef } from "../model/resource.js";
import { DEFAULT_RETRY, type RetryOptions, withRetry } from "./retry.js";

export type HandlerLookup = (kind: Kind) => Handler | undefined;

/** Makes the contexts of one observation or apply pass: one context (and memo) per target. */
export type PassFactory = () => (target: TargetRef) => HandlerContext;

const targetKey = (t: TargetRef): string => `${t.account}|${t.region}|${t.roleArn ?? ""}|${t.externalId ?? ""}`;

export function passFactory(options: {
  readonly ports: (target: TargetRef) => unknown;
  readonly now?: () => Date;
  readonly log?: (message: string) => void;
}): PassFactory {
  return () => {
    const contexts = new Map<string, HandlerContext>();
    return (target) => {
      const key = targetKey(target);
      let ctx = contexts.get(key);
      if (ctx === undefined) {
        const memo = new Map<string, Promise<unknown>>();
        ctx = {
          target,
          aws: options.ports(target),
          now: options.now ?? (() => new Date()),
          log: options.log ?? (() => {}),
          memo: <T>(k: string, load: () => Promise<T>): Promise<T> => {
            let p = memo.get(k) as Promise<T> | undefined;
            if (p === undefined) {
              p = load();
              memo.set(k, p);
            }
            return p;
          },
        };
        contexts.set(key, ctx);
      }
      return ctx;
    };
  };
}

export function requireHandler(handlers: HandlerLookup, kind: Kind): Handler {
  const h = handlers(kind);
  if (h === undefined)
    throw new UsageError(`this version of Cordon cannot observe or change resources of kind ${kind}`);
  return h;
}

/**
 * Observes every desired resource in one pass. When observations refuse with ConflictError (what
 * is in AWS needs a person's decision), every such conflict of the pass is reported in one error.
 */
export async function observeAll(
  desired: readonly DesiredResource[],
  handlers: HandlerLookup,
  contextFor: (target: TargetRef) => HandlerContext,
  retry: RetryOptions = DEFAULT_RETRY,
): Promise<Map<Address, Observation>> {
  const settled = await Promise.allSettled(
    desired.map(async (d) => {
      const h = requireHandler(handlers, d.kind);
      const obs = await withRetry(() => h.observe(contextFor(d.target), d), retry);
      return [d.address, obs] as const;
    }),
  );
  const failures = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  const conflicts = failures.filter((e): e is ConflictError => e instanceof ConflictError);
  if (failures.length > conflicts.length) throw failures.find((e) => !(e instanceof ConflictError));
  if (conflicts.length === 1) throw conflicts[0];
  if (conflicts.length > 1) {
    throw new ConflictError(
      `${conflicts.length} resources need a decision before Cordon can plan them`,
      conflicts.flatMap((c) => [c.message, ...c.details]),
    );
  }
  return new Map(settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])));
}

/**
 * Resources Cordon owns in `targets` that no desired resource declares, for every kind whose
 * handler can discover them.
 */
export async function discoverAll(
  targets: readonly TargetRef[],
  kinds: readonly Kind[],
  declared: ReadonlySet<Address>,
  handlers: HandlerLookup,
  contextFor: (target: TargetRef) => HandlerContext,
  retry: RetryOptions = DEFAULT_RETRY,
): Promise<Discovered[]> {
  const jobs: Promise<readonly Discovered[]>[] = [];
  for (const target of targets) {
    for (const kind of kinds) {
      const h = handlers(kind);
      const discover = h?.discover;
      if (h === undefined || discover === undefined) continue;
      jobs.push(withRetry(() => discover.call(h, contextFor(target), declared), retry));
    }
  }
  const found = (await Promise.all(jobs)).flat();
  return found.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/**
 * The resource a change acts on, as a DesiredResource: its desired spec (`after`), or for a
 * deletion the spec it had (`before`), so the handler can observe it again.
 */
export function resourceOf(change: Change): DesiredResource {
  return {
    address: change.address,
    kind: change.kind,
    name: change.name,
    target: change.target,
    spec: change.after ?? change.before,
    mode: change.mode,
    origin: change.origin ?? { file: "", document: 0, section: "" },
    dependsOn: change.dependsOn,
    ...(change.adopting === true ? { adopt: true } : {}),
  };
}

export const fingerprintOf = (o: Observation): string => (o.exists ? o.meta.fingerprint : o.fingerprint);
