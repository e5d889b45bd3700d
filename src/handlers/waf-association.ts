// wafv2.association — a selected Application Load Balancer protected by Cordon's web ACL.
// name = load balancer name. The load balancers were resolved (by ARN, name or tag, through ELBv2
// DescribeLoadBalancers + DescribeTags, batched) when the desired state was derived; a load
// balancer protected by a web ACL that is not Cordon's was left out of the desired state and
// reported in the plan, unless the policy says takeOverLoadBalancers.
//
// observe: GetWebACLForResource. The association exists when the load balancer has any web ACL;
// its live webAclName is that ACL's name, so a foreign ACL shows as a difference (a take-over).
// create / update: AssociateWebACL with the web ACL's ARN resolved at execution (a fresh
// ListWebACLs: the ACL may have been created earlier in this apply). AssociateWebACL replaces the
// load balancer's current web ACL in one call, so there is no moment without one. Right after the
// web ACL's creation WAF may answer WAFUnavailableEntityException: retried with backoff for a few
// minutes (WafTiming.unavailableBackoffMs). Association calls are serialised per (account,
// region): WAF allows one Associate/Disassociate per 2 seconds (aws-facts §3.2).
// delete: DisassociateWebACL, only when the load balancer is still protected by this web ACL.
import { isNotFound } from "../aws/errors.js";
import type { TargetPorts, WafPort } from "../aws/ports.js";
import type { FieldDiff } from "../model/change.js";
import { ConflictError } from "../model/errors.js";
import { ABSENT_FINGERPRINT, type Address, type TargetRef } from "../model/resource.js";
import type { AssociationSpec } from "../model/specs-blocking.js";
import { fingerprint } from "../planner/fingerprint.js";
import type { DiffResult, Handler, HandlerContext } from "./contract.js";
import { DEFAULT_WAF_TIMING, listWebAcls, type WafTiming, withUnavailableRetry } from "./waf-common.js";

type Ctx = HandlerContext<TargetPorts>;

const WEB_ACL_ARN = /^arn:[^:]+:wafv2:[^:]*:\d{12}:regional\/webacl\/([^/]+)\/[^/]+$/;
const webAclNameOf = (arn: string): string => WEB_ACL_ARN.exec(arn)?.[1] ?? arn;

const queues = new Map<string, Promise<unknown>>();

/** Runs `task` after every association call already queued for the same account and region. */
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
  const associate = async (ctx: Ctx, spec: AssociationSpec): Promise<void> => {
    const waf = await ctx.aws.wafv2();
    const arn = await webAclArn(waf, spec.webAclName);
    await serialised(ctx.target, () =>
      withUnavailableRetry(timing, () => waf.associateWebACL({ WebACLArn: arn, ResourceArn: spec.loadBalancerArn })),
    );
  };
  return {
    kind: "wafv2.association",
    replaceAction: "create-then-delete",

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
        return { exists: false, fingerprint: fingerprint({ lb: desired.spec.loadBalancerArn, webAcl: null }) };
      }
      const name = webAclNameOf(current);
      return {
        exists: true,
        live: { ...desired.spec, webAclName: name },
        meta: {
          id: desired.spec.loadBalancerArn,
          arn: current,
          fingerprint: fingerprint({ lb: desired.spec.loadBalancerArn, webAcl: current }),
          owned: name === desired.spec.webAclName,
        },
      };
    },

    diff: associationDiff,

    async create(ctx, desired) {
      await associate(ctx, desired.spec);
      return null;
    },

    async update(ctx, desired) {
      await associate(ctx, desired.spec);
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
