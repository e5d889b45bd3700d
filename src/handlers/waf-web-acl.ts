// wafv2.webAcl — the regional web ACL with Cordon's block rules. name = web ACL name.
//
// owned:  Cordon creates the ACL, tags it with the OWNERSHIP tags and owns all of it. An existing
//         ACL of that name without Cordon's tag is foreign: the plan refuses it unless the policy
//         says webAcl.adopt: true, and create / update refuse to take it over unless the change is
//         that adoption.
// shared: the ACL exists and is someone else's; Cordon writes only the rules named with its
//         prefix. Every other rule, its priority and every other setting of the ACL are sent back
//         exactly as GetWebACL returned them (webAclUpdateInput / mergeSharedRules).
//
// Observation: ONE paginated ListWebACLs per (account, region) and pass, then GetWebACL and
// ListTagsForResource for the ACL itself. Every update is read-modify-write: a fresh GetWebACL
// (document + lock token), Cordon's part replaced, UpdateWebACL with that token; on
// WAFOptimisticLockException re-read and re-apply, bounded (WafTiming). Rules change in place
// with one UpdateWebACL, so a block rule that stays is never absent. IP-set references
// (`cordon-ref:<address>`) are resolved at execution from a fresh ListIPSets.

import { isAlreadyExists, isNotFound } from "../aws/errors.js";
import type { TargetPorts, WafPort } from "../aws/ports.js";
import { fingerprint } from "../domain/fingerprint.js";
import {
  ipSetReferences,
  referencedIpSetNames,
  webAclCreateInput,
  webAclDiff,
  webAclUpdateInput,
} from "../domain/waf.js";
import { ConflictError } from "../model/errors.js";
import { POLICY_DEFAULTS } from "../model/policy.js";
import { ABSENT_FINGERPRINT, type Address, makeAddress, type Observation } from "../model/resource.js";
import {
  OWNERSHIP,
  type Tags,
  type WafForeignRule,
  type WafRule,
  type WafVisibilityConfig,
  type WebAclSpec,
} from "../model/specs.js";
import { liveWithAppliedTag, withAppliedTag } from "./applied-tag.js";
import { type Discovered, type Handler, type HandlerContext, type KindDescriptor, startEarly } from "./contract.js";
import {
  comparableTags,
  DEFAULT_WAF_TIMING,
  ipSetArns,
  isOwnedTags,
  listWebAcls,
  ownedWebAcls,
  readTags,
  SCOPE,
  serialised,
  syncTags,
  tagsOnce,
  type WafSummary,
  type WafTiming,
  webAclsOnce,
  withLockRetry,
  withUnavailableRetry,
} from "./waf-common.js";

type Ctx = HandlerContext<TargetPorts>;
type Live = Observation<WebAclSpec> & { exists: true };
type Json = Readonly<Record<string, unknown>>;

/** The live spec of a web ACL as the desired spec's ownership mode sees it. */
export function liveWebAclSpec(webAcl: Json, tags: Record<string, string>, desired: WebAclSpec): WebAclSpec {
  const rules = ((webAcl["Rules"] as WafForeignRule[] | undefined) ?? []).filter(
    (r) => typeof r.Name === "string" && typeof r.Priority === "number",
  );
  const mine = rules.filter((r) => r.Name.startsWith(desired.rulePrefix)) as unknown as WafRule[];
  const foreign = rules.filter((r) => !r.Name.startsWith(desired.rulePrefix));
  const capacity = typeof webAcl["Capacity"] === "number" ? webAcl["Capacity"] : undefined;
  const common = {
    name: desired.name,
    scope: SCOPE,
    rulePrefix: desired.rulePrefix,
    rules: mine,
    foreignRules: foreign,
    ...(capacity !== undefined ? { capacity } : {}),
  };
  if (desired.ownership === "shared") {
    return { ...common, ownership: "shared", defaultAction: null, visibilityConfig: null, tags: null };
  }
  return {
    ...common,
    ownership: "owned",
    defaultAction: (webAcl["DefaultAction"] as WebAclSpec["defaultAction"]) ?? null,
    visibilityConfig: (webAcl["VisibilityConfig"] as WafVisibilityConfig | undefined) ?? null,
    tags: comparableTags(tags, desired.tags),
  };
}

async function read(waf: WafPort, summary: WafSummary): Promise<{ webAcl: Json; lockToken: string }> {
  const got = await waf.getWebACL({ Name: summary.name, Id: summary.id, Scope: SCOPE });
  if (got.WebACL === undefined || got.LockToken === undefined) {
    throw new ConflictError(`web ACL ${summary.name}: GetWebACL returned no document or lock token`);
  }
  return { webAcl: got.WebACL as unknown as Json, lockToken: got.LockToken };
}

/** Everything that identifies the ACL's content, except the lock token and AWS's bookkeeping. */
const fingerprintOf = (id: string, webAcl: Json, tags: Record<string, string>): string => {
  const { LockToken: _l, ...rest } = webAcl as Record<string, unknown>;
  return fingerprint({ id, webAcl: rest, tags });
};

async function observeAcl(
  waf: WafPort,
  summary: WafSummary,
  desired: WebAclSpec,
  tagsOf: (arn: string) => Promise<Tags> = (arn) => readTags(waf, arn),
): Promise<Live> {
  const [{ webAcl, lockToken }, tags] = await Promise.all([read(waf, summary), tagsOf(summary.arn)]);
  return {
    exists: true,
    live: liveWebAclSpec(webAcl, tags, desired),
    meta: {
      id: summary.id,
      arn: summary.arn,
      lockToken,
      fingerprint: fingerprintOf(summary.id, webAcl, tags),
      tags,
      owned: isOwnedTags(tags),
    },
  };
}

/** How a discovered web ACL is read: owned, every tag comparable, Cordon's default rule prefix. */
const ownedRemnant = (name: string): WebAclSpec => ({
  name,
  scope: SCOPE,
  ownership: "owned",
  rulePrefix: POLICY_DEFAULTS.rulePrefix,
  defaultAction: null,
  visibilityConfig: null,
  rules: [],
  tags: null,
});

function refuseTakeOver(spec: WebAclSpec, owned: boolean, adopt: boolean | undefined): void {
  if (spec.ownership === "owned" && !owned && adopt !== true) {
    throw new ConflictError(
      `web ACL ${spec.name} exists and is not Cordon's (no tag cordon:managed-by=cordon): Cordon does not take it over; set webAcl.ownership: shared to manage only Cordon's rules inside it, or webAcl.adopt: true`,
    );
  }
}

/** One read-modify-write of the ACL's rules (and, when owned, default action and visibility). */
async function writeRules(ctx: Ctx, waf: WafPort, summary: WafSummary, spec: WebAclSpec, timing: WafTiming) {
  const arnOf = await ipSetArns(waf, ctx.target);
  await withLockRetry(`web ACL ${spec.name}`, timing, async () => {
    const { webAcl, lockToken } = await read(waf, summary);
    const input = webAclUpdateInput(webAcl, lockToken, spec, arnOf);
    // A just-created IP set may not be referenceable yet: WAFUnavailableEntityException, retried.
    await withUnavailableRetry(timing, () => waf.updateWebACL(input as never));
  });
}

export function makeWebAclHandler(timing: WafTiming = DEFAULT_WAF_TIMING): Handler<WebAclSpec, TargetPorts> {
  return {
    kind: "wafv2.webAcl",

    async observe(ctx, desired) {
      const waf = await ctx.aws.wafv2();
      const summary = (await webAclsOnce(ctx, waf)).find((s) => s.name === desired.spec.name);
      if (summary === undefined) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
      try {
        return await observeAcl(waf, summary, desired.spec, (arn) => tagsOnce(ctx, waf, arn));
      } catch (e) {
        if (isNotFound(e)) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
        throw e;
      }
    },

    /**
     * Web ACLs tagged as Cordon's that no policy declares any more: the planner deletes them (delete
     * disassociates the load balancers they still protect first). Each depends on the IP sets its
     * rules reference, so those are deleted only after the ACL stopped referencing them. Shared web
     * ACLs are not Cordon's and are never discovered.
     */
    prefetch(ctx) {
      startEarly(ctx.aws.wafv2().then((waf) => webAclsOnce(ctx, waf)));
    },

    async discover(ctx, declared) {
      const waf = await ctx.aws.wafv2();
      const found = await Promise.all(
        (await ownedWebAcls(ctx, waf)).map(async ({ summary }): Promise<Discovered<WebAclSpec> | null> => {
          const address = makeAddress(ctx.target, "wafv2.webAcl", summary.name);
          if (declared.has(address)) return null;
          try {
            const observation = await observeAcl(waf, summary, ownedRemnant(summary.name), (arn) =>
              tagsOnce(ctx, waf, arn),
            );
            const rules = [...observation.live.rules, ...(observation.live.foreignRules ?? [])];
            const dependsOn = referencedIpSetNames(rules).map((n) => makeAddress(ctx.target, "wafv2.ipSet", n));
            return { address, kind: "wafv2.webAcl", name: summary.name, target: ctx.target, observation, dependsOn };
          } catch (e) {
            if (isNotFound(e)) return null; // deleted since it was listed
            throw e;
          }
        }),
      );
      return found.filter((d): d is Discovered<WebAclSpec> => d !== null);
    },

    diff: (desired, live) => webAclDiff(desired, live),

    // Shared: the ACL is someone else's by declaration; only Cordon's rules inside it are managed.
    foreign: (desired, observed) =>
      desired.spec.ownership !== "owned" || observed.meta.owned
        ? null
        : {
            what: `web ACL ${desired.spec.name}`,
            problem: `already exists and is not Cordon's (no tag ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue})`,
            details: [],
          },

    async create(ctx, desired) {
      const spec = desired.spec;
      const waf = await ctx.aws.wafv2();
      if (spec.ownership === "shared") {
        throw new ConflictError(
          `web ACL ${spec.name} does not exist: ownership shared manages Cordon's rules inside an existing web ACL and never creates one (use ownership: owned to let Cordon create it)`,
        );
      }
      const arnOf = await ipSetArns(waf, ctx.target);
      try {
        const tagged = spec.tags === null ? spec : { ...spec, tags: withAppliedTag(spec.tags, spec) };
        const input = webAclCreateInput(tagged, arnOf);
        const out = await withUnavailableRetry(timing, () => waf.createWebACL(input as never));
        const s = out.Summary;
        if (s?.Id === undefined || s.ARN === undefined) return null;
        return { id: s.Id, arn: s.ARN, fingerprint: ABSENT_FINGERPRINT, tags: spec.tags ?? {}, owned: true };
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      // Already there (an earlier attempt succeeded, or it was created since the plan): make it match.
      const summary = (await listWebAcls(waf)).find((s) => s.name === spec.name);
      if (summary === undefined)
        throw new ConflictError(`web ACL ${spec.name}: WAF reports a duplicate but lists none`);
      const live = await observeAcl(waf, summary, spec);
      refuseTakeOver(spec, live.meta.owned, desired.adopt);
      await writeRules(ctx, waf, summary, spec, timing);
      if (spec.tags !== null) {
        await syncTags(
          waf,
          summary.arn,
          withAppliedTag(spec.tags, spec),
          liveWithAppliedTag(live.live.tags ?? {}, live.meta.tags),
        );
      }
      return null;
    },

    async update(ctx, desired, live) {
      const spec = desired.spec;
      refuseTakeOver(spec, live.meta.owned, desired.adopt);
      const waf = await ctx.aws.wafv2();
      const summary = { name: spec.name, id: live.meta.id!, arn: live.meta.arn! };
      const fields = webAclDiff(spec, live.live).fields;
      if (fields.some((f) => !f.path.startsWith("/tags/"))) await writeRules(ctx, waf, summary, spec, timing);
      if (spec.tags !== null) {
        await syncTags(
          waf,
          summary.arn,
          withAppliedTag(spec.tags, spec),
          liveWithAppliedTag(live.live.tags ?? {}, live.meta.tags),
        );
      }
    },

    /**
     * Owned: disassociates the load balancers it still protects, then deletes it. Shared: removes
     * only Cordon's rules (read-modify-write), the ACL and its other rules stay.
     */
    async delete(ctx, _address: Address, live) {
      const waf = await ctx.aws.wafv2();
      const summary = { name: live.live.name, id: live.meta.id!, arn: live.meta.arn! };
      try {
        if (live.live.ownership === "shared" || !live.meta.owned) {
          await writeRules(ctx, waf, summary, { ...live.live, ownership: "shared", rules: [] }, timing);
          return;
        }
        const attached = await waf.listResourcesForWebACL({
          WebACLArn: summary.arn,
          ResourceType: "APPLICATION_LOAD_BALANCER",
        });
        for (const lb of attached.ResourceArns ?? []) {
          await serialised(ctx.target, () => waf.disassociateWebACL({ ResourceArn: lb }));
        }
        await withLockRetry(`web ACL ${summary.name}`, timing, async () => {
          const { lockToken } = await read(waf, summary);
          await waf.deleteWebACL({ Name: summary.name, Id: summary.id, Scope: SCOPE, LockToken: lockToken });
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}

export const webAclHandler = makeWebAclHandler();

export const webAclKind: KindDescriptor<WebAclSpec, TargetPorts> = {
  kind: "wafv2.webAcl",
  order: 80,
  securityControl: true,
  dataOrMonitoring: false,
  blocksTraffic: true,
  replaceAction: "create-then-delete",
  section: "webAcl",
  references: ipSetReferences,
  iam: {
    declaredBy: (p) => p.webAcl !== undefined,
    observe: ["wafv2.listWebACLs", "wafv2.getWebACL", "wafv2.listTagsForResource", "wafv2.listResourcesForWebACL"],
    discover: ["wafv2.listWebACLs"],
    write: [
      "wafv2.createWebACL",
      "wafv2.updateWebACL",
      "wafv2.deleteWebACL",
      "wafv2.listResourcesForWebACL",
      "wafv2.disassociateWebACL",
      "wafv2.tagResource",
      "wafv2.untagResource",
    ],
  },
  handler: webAclHandler,
};
