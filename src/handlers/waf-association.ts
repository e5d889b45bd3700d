// wafv2.association — a selected Application Load Balancer protected by Cordon's web ACL.
// name = load balancer name. The load balancers were resolved (by ARN, name or tag, through ELBv2
// DescribeLoadBalancers + DescribeTags, batched) when the desired state was derived; a load
// balancer protected by a web ACL that is not Cordon's was left out of the desired state and
// reported in the plan, unless the policy says takeOverLoadBalancers.
//
// observe: GetWebACLForResource. The association exists when the load balancer has any web ACL;
// its live webAclName is that ACL's name, so a foreign ACL shows as a difference (a take-over).
// create / update: AssociateWebACL with the web ACL's ARN resolved at execution (a fresh
// ListWebACLs: the ACL may have been created earlier in this apply). Right after the web ACL's
// creation WAF may answer WAFUnavailableEntityException: retried with backoff for a few minutes
// (WafTiming.unavailableBackoffMs). Association calls are serialised per (account, region): WAF
// allows one Associate/Disassociate per 2 seconds (docs/aws-behaviour.md, "Associations").
//
// Take-over (and moving a load balancer from one of Cordon's web ACLs to another) is ONE
// AssociateWebACL with the new ACL, never DisassociateWebACL first: whether AssociateWebACL
// replaces an existing association is UNCONFIRMED (docs/aws-behaviour.md, "Associations"). If it replaces it, the
// load balancer goes from the old ACL to the new one with no moment unprotected; if AWS refuses
// instead, the load balancer keeps its old ACL (still protected) and the change fails with a
// message saying so. Disassociating first would leave it without any web ACL in between.
//
// delete: DisassociateWebACL, only when the load balancer is still protected by this web ACL.
// discover: the load balancers associated with a web ACL tagged as Cordon's that no policy
// selects any more (ListResourcesForWebACL per such ACL); each is disassociated before its web ACL
// is deleted (dependsOn).
import { errorCode, isNotFound } from "../aws/errors.js";
import type { TargetPorts, WafPort } from "../aws/ports.js";
import { fingerprint } from "../domain/fingerprint.js";
import { loadBalancerNameOf, webAclNameOf } from "../domain/waf.js";
import type { DiffResult, FieldDiff } from "../model/change.js";
import { ConflictError } from "../model/errors.js";
import { ABSENT_FINGERPRINT, type Address, makeAddress } from "../model/resource.js";
import type { AssociationSpec } from "../model/specs.js";
import type { Discovered, Handler, HandlerContext, KindDescriptor } from "./contract.js";
import {
  DEFAULT_WAF_TIMING,
  listWebAcls,
  ownedWebAcls,
  serialised,
  type WafTiming,
  withUnavailableRetry,
} from "./waf-common.js";

type Ctx = HandlerContext<TargetPorts>;

/** The fingerprint of a load balancer's association: which web ACL protects it (null: none). */
const associationFingerprint = (loadBalancerArn: string, webAclArn: string | null): string =>
  fingerprint({ lb: loadBalancerArn, webAcl: webAclArn });

async function webAclArn(waf: WafPort, name: string): Promise<string> {
  const found = (await listWebAcls(waf)).find((s) => s.name === name);
  if (found === undefined) throw new ConflictError(`web ACL ${name} does not exist: it must be created first`);
  return found.arn;
}

export function associationDiff(desired: AssociationSpec, live: AssociationSpec): DiffResult {
  const fields: FieldDiff[] = [];
  if (desired.loadBalancerArn !== live.loadBalancerArn)
    fields.push({ path: "/loadBalancerArn", before: live.loadBalancerArn, after: desired.loadBalancerArn });
  if (desired.webAclName !== live.webAclName)
    fields.push({ path: "/webAclName", before: live.webAclName, after: desired.webAclName });
  return { fields, replace: false };
}

export function makeAssociationHandler(timing: WafTiming = DEFAULT_WAF_TIMING): Handler<AssociationSpec, TargetPorts> {
  /** `current`: the web ACL protecting the load balancer when it was observed (a take-over), or null. */
  const associate = async (ctx: Ctx, spec: AssociationSpec, current: string | null): Promise<void> => {
    const waf = await ctx.aws.wafv2();
    const arn = await webAclArn(waf, spec.webAclName);
    try {
      await serialised(ctx.target, () =>
        withUnavailableRetry(timing, () => waf.associateWebACL({ WebACLArn: arn, ResourceArn: spec.loadBalancerArn })),
      );
    } catch (e) {
      if (current === null || current === arn || isNotFound(e) || errorCode(e) === "WAFUnavailableEntityException") {
        throw e;
      }
      const message = e instanceof Error ? e.message : String(e);
      throw new ConflictError(
        `load balancer ${spec.loadBalancerName} is still protected by web ACL ${webAclNameOf(current) ?? current}: AWS refused to replace it with ${spec.webAclName} (${message}). Cordon never disassociates first, which would leave the load balancer unprotected; disassociate it by hand when that is acceptable, then run cordon apply again`,
      );
    }
  };
  return {
    kind: "wafv2.association",

    async observe(ctx, desired) {
      const waf = await ctx.aws.wafv2();
      let current: string | undefined;
      try {
        current = (await waf.getWebACLForResource({ ResourceArn: desired.spec.loadBalancerArn })).WebACL?.ARN;
      } catch (e) {
        if (isNotFound(e)) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
        throw e;
      }
      if (current === undefined) {
        return { exists: false, fingerprint: associationFingerprint(desired.spec.loadBalancerArn, null) };
      }
      const name = webAclNameOf(current) ?? current;
      return {
        exists: true,
        live: { ...desired.spec, webAclName: name },
        meta: {
          id: desired.spec.loadBalancerArn,
          arn: current,
          fingerprint: associationFingerprint(desired.spec.loadBalancerArn, current),
          owned: name === desired.spec.webAclName,
        },
      };
    },

    async discover(ctx, declared) {
      const waf = await ctx.aws.wafv2();
      const perAcl = await Promise.all(
        (await ownedWebAcls(ctx, waf)).map(async ({ summary, tags }) => {
          let arns: readonly string[];
          try {
            arns =
              (await waf.listResourcesForWebACL({ WebACLArn: summary.arn, ResourceType: "APPLICATION_LOAD_BALANCER" }))
                .ResourceArns ?? [];
          } catch (e) {
            if (isNotFound(e)) return []; // deleted since it was listed
            throw e;
          }
          const webAclAddress = makeAddress(ctx.target, "wafv2.webAcl", summary.name);
          return arns.flatMap((lbArn): Discovered<AssociationSpec>[] => {
            const name = loadBalancerNameOf(lbArn);
            if (name === null) return [];
            const address = makeAddress(ctx.target, "wafv2.association", name);
            if (declared.has(address)) return [];
            const live: AssociationSpec = {
              loadBalancerName: name,
              loadBalancerArn: lbArn,
              webAclName: summary.name,
              webAclAddress,
            };
            return [
              {
                address,
                kind: "wafv2.association",
                name,
                target: ctx.target,
                // The web ACL's tags: its cordon:policy tag names the policy whose mode applies.
                observation: {
                  exists: true,
                  live,
                  meta: {
                    id: lbArn,
                    arn: summary.arn,
                    fingerprint: associationFingerprint(lbArn, summary.arn),
                    tags,
                    owned: true,
                  },
                },
                dependsOn: [webAclAddress],
              },
            ];
          });
        }),
      );
      return perAcl.flat();
    },

    diff: associationDiff,

    async create(ctx, desired) {
      await associate(ctx, desired.spec, null);
      return null;
    },

    async update(ctx, desired, live) {
      await associate(ctx, desired.spec, live.meta.arn ?? null);
    },

    async delete(ctx, _address: Address, live) {
      const waf = await ctx.aws.wafv2();
      const spec = live.live;
      await serialised(ctx.target, async () => {
        try {
          const now = (await waf.getWebACLForResource({ ResourceArn: spec.loadBalancerArn })).WebACL?.ARN;
          if (now === undefined || webAclNameOf(now) !== spec.webAclName) return; // not ours: left alone
          await waf.disassociateWebACL({ ResourceArn: spec.loadBalancerArn });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      });
    },
  };
}

export const associationHandler = makeAssociationHandler();

export const associationKind: KindDescriptor<AssociationSpec, TargetPorts> = {
  kind: "wafv2.association",
  order: 90,
  securityControl: true,
  dataOrMonitoring: false,
  blocksTraffic: true,
  replaceAction: "create-then-delete",
  section: "webAcl",
  iam: {
    declaredBy: (p) => p.webAcl?.loadBalancers !== undefined,
    observe: ["wafv2.getWebACLForResource", "wafv2.listResourcesForWebACL"],
    discover: [],
    write: ["wafv2.getWebACLForResource", "wafv2.associateWebACL", "wafv2.disassociateWebACL"],
  },
  handler: associationHandler,
};
