// WAF handlers against a fake WafPort: the association's take-over is one AssociateWebACL (never a
// DisassociateWebACL first), WAFUnavailableEntityException right after a creation is retried on
// the backoff schedule, and lock conflicts are retried a bounded number of times.
import { describe, expect, it } from "vitest";
import type { TargetPorts, WafPort } from "../../../src/aws/ports.js";
import type { HandlerContext } from "../../../src/handlers/contract.js";
import { makeAssociationHandler } from "../../../src/handlers/waf-association.js";
import type { WafTiming } from "../../../src/handlers/waf-common.js";
import { makeIpSetHandler } from "../../../src/handlers/waf-ip-set.js";
import { AwsError, ConflictError } from "../../../src/model/errors.js";
import { type DesiredResource, makeAddress, type TargetRef } from "../../../src/model/resource.js";
import type { AssociationSpec, IpSetSpec } from "../../../src/model/specs.js";

const target: TargetRef = { account: "111122223333", region: "eu-west-1" };
const arn = (kind: string, name: string) =>
  `arn:aws:wafv2:eu-west-1:111122223333:regional/${kind}/${name}/0000-${name}`;
const LB = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/edge-alb/0123456789abcdef";

/** A fake WAF: answers from `script` per operation (a function per call, or a default), records calls. */
function fakeWaf(script: Partial<Record<keyof WafPort, (input: unknown, n: number) => unknown>>) {
  const calls: string[] = [];
  const counts = new Map<string, number>();
  const port = new Proxy({} as WafPort, {
    // Not a thenable: the port is returned from an async function.
    get: (_t, op: string) =>
      op === "then"
        ? undefined
        : async (input: unknown) => {
            calls.push(op);
            const n = (counts.get(op) ?? 0) + 1;
            counts.set(op, n);
            const answer = script[op as keyof WafPort];
            if (answer === undefined) throw new Error(`unexpected call ${op}`);
            return answer(input, n);
          },
  });
  return { port, calls };
}

const sleeps: number[] = [];
const timing: WafTiming = {
  lockBackoffMs: [1, 2, 3],
  unavailableBackoffMs: [10, 20, 40],
  sleep: async (ms) => {
    sleeps.push(ms);
  },
};

const ctxFor = (waf: WafPort): HandlerContext<TargetPorts> => {
  const memo = new Map<string, Promise<unknown>>();
  return {
    target,
    aws: { wafv2: async () => waf } as unknown as TargetPorts,
    now: () => new Date(0),
    log: () => {},
    memo: <T>(k: string, load: () => Promise<T>) => {
      if (!memo.has(k)) memo.set(k, load());
      return memo.get(k) as Promise<T>;
    },
  };
};

const wafError = (code: string) => new AwsError("Op", "x", code, "fake");

const association: DesiredResource<AssociationSpec> = {
  address: makeAddress(target, "wafv2.association", "edge-alb"),
  kind: "wafv2.association",
  name: "edge-alb",
  target,
  spec: {
    loadBalancerName: "edge-alb",
    loadBalancerArn: LB,
    webAclName: "cordon-edge",
    webAclAddress: makeAddress(target, "wafv2.webAcl", "cordon-edge"),
  },
  mode: "enforce",
  origin: { file: "p.yaml", document: 0, section: "webAcl" },
  dependsOn: [],
};
const list = () => ({ WebACLs: [{ Name: "cordon-edge", Id: "0000-cordon-edge", ARN: arn("webacl", "cordon-edge") }] });
const takenOver = {
  exists: true as const,
  live: { ...association.spec, webAclName: "partner-waf" },
  meta: { id: LB, arn: arn("webacl", "partner-waf"), fingerprint: "f", owned: false },
};

describe("association take-over", () => {
  it("is one AssociateWebACL with the new web ACL: never a DisassociateWebACL first", async () => {
    const { port, calls } = fakeWaf({ listWebACLs: list, associateWebACL: () => ({}) });
    await makeAssociationHandler(timing).update(ctxFor(port), association, takenOver);
    expect(calls).toEqual(["listWebACLs", "associateWebACL"]);
  });

  it("when AWS refuses to replace, fails saying the load balancer keeps its old web ACL, and disassociates nothing", async () => {
    const { port, calls } = fakeWaf({
      listWebACLs: list,
      associateWebACL: () => {
        throw wafError("WAFInvalidOperationException");
      },
    });
    const run = makeAssociationHandler(timing).update(ctxFor(port), association, takenOver);
    await expect(run).rejects.toThrow(ConflictError);
    await expect(run).rejects.toThrow(
      /edge-alb is still protected by web ACL partner-waf: AWS refused to replace it with cordon-edge .*never disassociates first/,
    );
    expect(calls).not.toContain("disassociateWebACL");
  });
});

describe("WAFUnavailableEntityException right after a creation", () => {
  it("is retried on the backoff schedule until the web ACL is available", async () => {
    sleeps.length = 0;
    const { port, calls } = fakeWaf({
      listWebACLs: list,
      associateWebACL: (_i, n) => {
        if (n <= 2) throw wafError("WAFUnavailableEntityException");
        return {};
      },
    });
    await makeAssociationHandler(timing).create(ctxFor(port), association);
    expect(calls.filter((c) => c === "associateWebACL")).toHaveLength(3);
    expect(sleeps).toEqual([10, 20]);
  });

  it("gives up with the error once the schedule is spent", async () => {
    const { port } = fakeWaf({
      listWebACLs: list,
      associateWebACL: () => {
        throw wafError("WAFUnavailableEntityException");
      },
    });
    await expect(makeAssociationHandler(timing).create(ctxFor(port), association)).rejects.toThrow(
      /WAFUnavailableEntityException/,
    );
  });
});

describe("WAFOptimisticLockException", () => {
  const ipSet: DesiredResource<IpSetSpec> = {
    ...association,
    address: makeAddress(target, "wafv2.ipSet", "cordon-edge-blocked-ipv4"),
    kind: "wafv2.ipSet",
    name: "cordon-edge-blocked-ipv4",
    spec: {
      name: "cordon-edge-blocked-ipv4",
      scope: "REGIONAL",
      ipAddressVersion: "IPV4",
      addresses: ["192.0.2.0/24"],
      tags: {},
    },
  };
  const live = {
    exists: true as const,
    live: { ...ipSet.spec, addresses: [] },
    meta: { id: "0000-set", arn: arn("ipset", "cordon-edge-blocked-ipv4"), fingerprint: "f", owned: true },
  };

  it("re-reads the lock token and re-applies the change, bounded: then a ConflictError", async () => {
    const { port, calls } = fakeWaf({
      getIPSet: (_i, n) => ({ IPSet: { Addresses: [] }, LockToken: `token-${n}` }),
      updateIPSet: (input) => {
        expect((input as { LockToken: string }).LockToken).toMatch(/^token-/);
        throw wafError("WAFOptimisticLockException");
      },
    });
    await expect(makeIpSetHandler(timing).update(ctxFor(port), ipSet, live)).rejects.toThrow(
      /kept changing while Cordon updated it \(WAFOptimisticLockException 4 times\)/,
    );
    expect(calls.filter((c) => c === "getIPSet")).toHaveLength(4);
  });

  it("succeeds on the attempt after a conflict, with the fresh token", async () => {
    const tokens: string[] = [];
    const { port } = fakeWaf({
      getIPSet: (_i, n) => ({ IPSet: { Addresses: [] }, LockToken: `token-${n}` }),
      updateIPSet: (input, n) => {
        tokens.push((input as { LockToken: string }).LockToken);
        if (n === 1) throw wafError("WAFOptimisticLockException");
        return { NextLockToken: "next" };
      },
      // The update records what Cordon applied in a tag (drift detection); it needs no lock token.
      tagResource: () => ({}),
    });
    await makeIpSetHandler(timing).update(ctxFor(port), ipSet, live);
    expect(tokens).toEqual(["token-1", "token-2"]);
  });
});
