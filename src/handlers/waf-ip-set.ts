// wafv2.ipSet — one regional IP set of blocked CIDRs per address family. name = IP set name.
//
// Ownership: the OWNERSHIP tag. An IP set of that name that is not Cordon's is foreign: the plan
// refuses it unless the policy says webAcl.adopt: true, and create / update refuse to change it
// unless the change is that adoption (then the tags make it Cordon's). Observation: ONE paginated ListIPSets per (account, region)
// and pass, then GetIPSet + ListTagsForResource for the set itself.
//
// update is read-modify-write: a fresh GetIPSet for the lock token, then UpdateIPSet with the
// desired addresses (the whole list is replaced atomically: no address that stays is ever absent);
// WAFOptimisticLockException → re-read and retry, bounded (WafTiming).

import { isAlreadyExists, isNotFound } from "../aws/errors.js";
import type { TargetPorts, WafPort } from "../aws/ports.js";
import { fingerprint } from "../domain/fingerprint.js";
import { ipSetDiff, isCordonIpSetName, normalizeIpSetAddresses } from "../domain/waf.js";
import { ConflictError } from "../model/errors.js";
import { ABSENT_FINGERPRINT, type Address, type LiveMeta, makeAddress, type Observation } from "../model/resource.js";
import { type IpSetSpec, OWNERSHIP, type Tags } from "../model/specs.js";
import { liveWithAppliedTag, withAppliedTag } from "./applied-tag.js";
import { type Discovered, type Handler, type HandlerContext, type KindDescriptor, startEarly } from "./contract.js";
import {
  comparableTags,
  DEFAULT_WAF_TIMING,
  ipSetsOnce,
  isOwnedTags,
  listIpSets,
  readTags,
  SCOPE,
  syncTags,
  tagList,
  tagsOnce,
  type WafSummary,
  type WafTiming,
  withLockRetry,
} from "./waf-common.js";

type Ctx = HandlerContext<TargetPorts>;
type Live = Observation<IpSetSpec> & { exists: true };

/** `desiredTags` null = every tag is comparable (a discovered set no policy declares). */
async function observeSet(
  waf: WafPort,
  summary: WafSummary,
  desiredTags: Tags | null,
  tagsOf: (arn: string) => Promise<Tags> = (arn) => readTags(waf, arn),
): Promise<Live> {
  const [got, tags] = await Promise.all([
    waf.getIPSet({ Name: summary.name, Id: summary.id, Scope: SCOPE }),
    tagsOf(summary.arn),
  ]);
  const set = got.IPSet;
  const version = set?.IPAddressVersion === "IPV6" ? "IPV6" : "IPV4";
  const addresses = normalizeIpSetAddresses(set?.Addresses ?? []);
  const live: IpSetSpec = {
    name: summary.name,
    scope: SCOPE,
    ipAddressVersion: version,
    addresses,
    tags: comparableTags(tags, desiredTags),
  };
  return {
    exists: true,
    live,
    meta: {
      id: summary.id,
      arn: summary.arn,
      ...(got.LockToken !== undefined ? { lockToken: got.LockToken } : {}),
      fingerprint: fingerprint({ id: summary.id, version, addresses, tags }),
      tags,
      owned: isOwnedTags(tags),
    },
  };
}

async function find(waf: WafPort, name: string): Promise<WafSummary | undefined> {
  return (await listIpSets(waf)).find((s) => s.name === name);
}

async function writeAddresses(waf: WafPort, summary: WafSummary, spec: IpSetSpec, timing: WafTiming): Promise<void> {
  await withLockRetry(`IP set ${spec.name}`, timing, async () => {
    const got = await waf.getIPSet({ Name: summary.name, Id: summary.id, Scope: SCOPE });
    if (got.LockToken === undefined) throw new ConflictError(`IP set ${spec.name}: GetIPSet returned no lock token`);
    await waf.updateIPSet({
      Name: summary.name,
      Id: summary.id,
      Scope: SCOPE,
      Addresses: [...spec.addresses],
      LockToken: got.LockToken,
      ...(got.IPSet?.Description !== undefined ? { Description: got.IPSet.Description } : {}),
    });
  });
}

function refuseForeign(live: Live, adopt: boolean | undefined): void {
  if (!live.meta.owned && adopt !== true) {
    throw new ConflictError(
      `IP set ${live.live.name} exists and is not Cordon's (no tag cordon:managed-by=cordon): Cordon does not change it; rename the web ACL or set webAcl.adopt: true`,
    );
  }
}

export function makeIpSetHandler(timing: WafTiming = DEFAULT_WAF_TIMING): Handler<IpSetSpec, TargetPorts> {
  return {
    kind: "wafv2.ipSet",

    async observe(ctx: Ctx, desired) {
      const waf = await ctx.aws.wafv2();
      const summary = (await ipSetsOnce(ctx, waf)).find((s) => s.name === desired.spec.name);
      if (summary === undefined) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
      try {
        return await observeSet(waf, summary, desired.spec.tags, (arn) => tagsOnce(ctx, waf, arn));
      } catch (e) {
        if (isNotFound(e)) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
        throw e;
      }
    },

    /**
     * Cordon's IP sets (named "<web ACL>-blocked-ipv4|6" and tagged as Cordon's) that no policy
     * declares any more: the planner deletes them. Each still referenced by a web ACL that goes
     * too is deleted after it (the web ACL's discovery lists it in dependsOn).
     */
    prefetch(ctx: Ctx) {
      startEarly(ctx.aws.wafv2().then((waf) => ipSetsOnce(ctx, waf)));
    },

    async discover(ctx: Ctx, declared) {
      const waf = await ctx.aws.wafv2();
      const found = await Promise.all(
        (await ipSetsOnce(ctx, waf)).map(async (summary): Promise<Discovered<IpSetSpec> | null> => {
          const address = makeAddress(ctx.target, "wafv2.ipSet", summary.name);
          if (!isCordonIpSetName(summary.name) || declared.has(address)) return null;
          try {
            if (!isOwnedTags(await tagsOnce(ctx, waf, summary.arn))) return null;
            const observation = await observeSet(waf, summary, null, (arn) => tagsOnce(ctx, waf, arn));
            return { address, kind: "wafv2.ipSet", name: summary.name, target: ctx.target, observation };
          } catch (e) {
            if (isNotFound(e)) return null; // deleted since it was listed
            throw e;
          }
        }),
      );
      return found.filter((d): d is Discovered<IpSetSpec> => d !== null);
    },

    diff: (desired, live) => ipSetDiff(desired, live),

    foreign: (desired, observed) =>
      observed.meta.owned
        ? null
        : {
            what: `WAF IP set ${desired.spec.name}`,
            problem: `already exists and is not Cordon's (no tag ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue})`,
            details: [],
          },

    async create(ctx, desired): Promise<LiveMeta | null> {
      const waf = await ctx.aws.wafv2();
      const spec = desired.spec;
      try {
        const out = await waf.createIPSet({
          Name: spec.name,
          Scope: SCOPE,
          IPAddressVersion: spec.ipAddressVersion,
          Addresses: [...spec.addresses],
          Description: "Blocked addresses, managed by Cordon",
          Tags: tagList(withAppliedTag(spec.tags, spec)),
        });
        const s = out.Summary;
        if (s?.Id === undefined || s.ARN === undefined) return null;
        return {
          id: s.Id,
          arn: s.ARN,
          ...(s.LockToken !== undefined ? { lockToken: s.LockToken } : {}),
          fingerprint: fingerprint({
            id: s.Id,
            version: spec.ipAddressVersion,
            addresses: spec.addresses,
            tags: spec.tags,
          }),
          tags: spec.tags,
          owned: true,
        };
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      // Already there (an earlier attempt succeeded, or it was created since the plan): make it match.
      const summary = await find(waf, spec.name);
      if (summary === undefined) throw new ConflictError(`IP set ${spec.name}: WAF reports a duplicate but lists none`);
      const live = await observeSet(waf, summary, spec.tags);
      refuseForeign(live, desired.adopt);
      if (live.live.ipAddressVersion !== spec.ipAddressVersion) {
        throw new ConflictError(`IP set ${spec.name} exists with IP version ${live.live.ipAddressVersion}`);
      }
      await writeAddresses(waf, summary, spec, timing);
      await syncTags(
        waf,
        summary.arn,
        withAppliedTag(spec.tags, spec),
        liveWithAppliedTag(live.live.tags, live.meta.tags),
      );
      return null;
    },

    async update(ctx, desired, live) {
      refuseForeign(live, desired.adopt);
      const waf = await ctx.aws.wafv2();
      const summary = { name: live.live.name, id: live.meta.id!, arn: live.meta.arn! };
      if (ipSetDiff(desired.spec, live.live).fields.some((f) => f.path.startsWith("/addresses/"))) {
        await writeAddresses(waf, summary, desired.spec, timing);
      }
      await syncTags(
        waf,
        summary.arn,
        withAppliedTag(desired.spec.tags, desired.spec),
        liveWithAppliedTag(live.live.tags, live.meta.tags),
      );
    },

    async delete(ctx, _address: Address, live) {
      if (!live.meta.owned) return;
      const waf = await ctx.aws.wafv2();
      const id = live.meta.id!;
      try {
        await withLockRetry(`IP set ${live.live.name}`, timing, async () => {
          const got = await waf.getIPSet({ Name: live.live.name, Id: id, Scope: SCOPE });
          await waf.deleteIPSet({ Name: live.live.name, Id: id, Scope: SCOPE, LockToken: got.LockToken! });
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}

export const ipSetHandler = makeIpSetHandler();

export const ipSetKind: KindDescriptor<IpSetSpec, TargetPorts> = {
  kind: "wafv2.ipSet",
  order: 60,
  securityControl: true,
  dataOrMonitoring: false,
  blocksTraffic: true,
  replaceAction: "create-then-delete",
  section: "blockedAddresses",
  iam: {
    declaredBy: (p) => p.blockedAddresses?.webAcl === true && p.webAcl !== undefined,
    observe: ["wafv2.listIPSets", "wafv2.getIPSet", "wafv2.listTagsForResource"],
    discover: ["wafv2.listIPSets"],
    write: ["wafv2.createIPSet", "wafv2.updateIPSet", "wafv2.deleteIPSet", "wafv2.tagResource", "wafv2.untagResource"],
  },
  handler: ipSetHandler,
};
