// Reviewer notes travel with the diff result and the desired state: the planner adds them to the
// change once, and the plan pipeline diffs nothing a second time to find them.
import { describe, expect, it } from "vitest";
import { ABSENT_FINGERPRINT, type DesiredResource, type Observation } from "../../../src/model/resource.js";
import { plan } from "../../../src/planner/plan.js";

const T = { account: "111122223333", region: "eu-west-1" };
const ADDRESS = `${T.account}/${T.region}/wafv2.ipSet/edge-blocked-ipv4`;

const ipSet = (addresses: string[]): DesiredResource => ({
  address: ADDRESS,
  kind: "wafv2.ipSet",
  name: "edge-blocked-ipv4",
  target: T,
  spec: { addresses },
  mode: "enforce",
  origin: { file: "p.yaml", document: 0, section: "blockedAddresses" },
  dependsOn: [],
});

const live = (addresses: string[]): Observation => ({
  exists: true,
  live: { addresses },
  meta: { fingerprint: "fp", owned: true },
});

let diffCalls = 0;
const run = (desired: string[], observed: Observation, changeNotes: readonly string[] = []) => {
  diffCalls = 0;
  return plan({
    desired: [ipSet(desired)],
    observed: new Map([[ADDRESS, observed]]),
    owned: [],
    diff: {
      "wafv2.ipSet": (d: { addresses: string[] }, l: { addresses: string[] }) => {
        diffCalls++;
        const gone = l.addresses.filter((a) => !d.addresses.includes(a));
        const same = d.addresses.join() === l.addresses.join();
        return {
          fields: same ? [] : [{ path: "/addresses", before: l.addresses, after: d.addresses }],
          replace: false,
          broadensAccess: gone.length > 0,
          notes: gone.map((a) => `${a} stops being blocked`),
        };
      },
    },
    policyDigest: "d".repeat(64),
    createdAt: "2026-05-01T00:00:00Z",
    cordonVersion: "test",
    changeNotes: new Map([[ADDRESS, changeNotes]]),
  }).changes[0];
};

describe("plan: notes from the diff result and the desired state", () => {
  it("an update carries the desired state's notes, then the diff's, each once; the diff runs once", () => {
    const c = run(["1.2.3.4/32"], live(["1.2.3.4/32", "5.6.7.8/32"]), [
      "5.6.7.8/32 expired 2026-04-30",
      "5.6.7.8/32 expired 2026-04-30",
    ]);
    expect(c?.action).toBe("update");
    expect(c?.impact.notes).toEqual(["5.6.7.8/32 expired 2026-04-30", "5.6.7.8/32 stops being blocked"]);
    expect(c?.impact.broadensAccess).toBe(true);
    expect(diffCalls).toBe(1);
  });

  it("a no-op carries neither (an expired entry already removed is not news)", () => {
    const c = run(["1.2.3.4/32"], live(["1.2.3.4/32"]), ["5.6.7.8/32 expired 2026-04-30"]);
    expect(c?.action).toBe("no-op");
    expect(c?.impact.notes).toEqual([]);
  });

  it("a create carries the desired state's notes", () => {
    const c = run(["1.2.3.4/32"], { exists: false, fingerprint: ABSENT_FINGERPRINT }, ["taken over from web ACL x"]);
    expect(c?.action).toBe("create");
    expect(c?.impact.notes).toEqual(["taken over from web ACL x"]);
  });
});
