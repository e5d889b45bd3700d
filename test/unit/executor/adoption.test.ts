// The first touch of what Cordon finds in place: checkFirstTouch (what is not Cordon's becomes a
// plan error at the policy field, or an adoption when the policy asks) and plan()'s adoption
// changes. Fakes, no AWS.
import { describe, expect, it } from "vitest";
import { checkFirstTouch } from "../../../src/executor/adoption.js";
import type { Handler } from "../../../src/handlers/contract.js";
import type { Foreign } from "../../../src/model/change.js";
import type { DesiredResource, Kind, Observation } from "../../../src/model/resource.js";
import { ABSENT_FINGERPRINT } from "../../../src/model/resource.js";
import { plan } from "../../../src/planner/plan.js";

const T = { account: "111122223333", region: "eu-west-1" };

const bucket = (extra: Partial<DesiredResource> = {}): DesiredResource => ({
  address: `${T.account}/${T.region}/s3.bucket/logs`,
  kind: "s3.bucket",
  name: "logs",
  target: T,
  spec: { encryption: "AES256" },
  mode: "enforce",
  origin: { file: "p.yaml", document: 1, section: "flowLogs" },
  dependsOn: [],
  inPlace: { pointer: "/flowLogs/bucket/create", choices: "create: false or adopt: true" },
  ...extra,
});

const observed = (owned: boolean, spec: unknown = { encryption: "AES256" }): Observation => ({
  exists: true,
  live: spec,
  meta: { fingerprint: "fp", owned },
});

/** A handler that finds the live resource foreign when it lacks the ownership marker. */
const handlers = (kind: Kind): Handler | undefined =>
  kind === "s3.bucket"
    ? ({
        kind,
        foreign: (_d: DesiredResource, o: Observation & { exists: true }): Foreign | null =>
          o.meta.owned ? null : { what: "bucket logs", problem: "already exists and is not Cordon's", details: [] },
      } as unknown as Handler)
    : ({ kind } as unknown as Handler);

describe("checkFirstTouch", () => {
  const cases: {
    reason: string;
    desired: DesiredResource;
    obs: Observation;
    errors: number;
    adopting: number;
  }[] = [
    {
      reason: "nothing in place: a create",
      desired: bucket(),
      obs: { exists: false, fingerprint: ABSENT_FINGERPRINT },
      errors: 0,
      adopting: 0,
    },
    { reason: "Cordon's own: no finding", desired: bucket(), obs: observed(true), errors: 0, adopting: 0 },
    { reason: "foreign, no adopt: an error", desired: bucket(), obs: observed(false), errors: 1, adopting: 0 },
    {
      reason: "foreign, adopt: an adoption",
      desired: bucket({ adopt: true }),
      obs: observed(false),
      errors: 0,
      adopting: 1,
    },
  ];
  it.each(cases)("$reason", ({ desired, obs, errors, adopting }) => {
    const r = checkFirstTouch([desired], new Map([[desired.address, obs]]), handlers);
    expect(r.diagnostics).toHaveLength(errors);
    expect(r.adopting.size).toBe(adopting);
  });

  it("the error names the resource at the declaring field, with the policy's choices", () => {
    const d = bucket();
    const r = checkFirstTouch([d], new Map([[d.address, observed(false)]]), handlers);
    expect(r.diagnostics).toEqual([
      {
        severity: "error",
        code: "adoption.not-cordons",
        file: "p.yaml",
        position: null,
        pointer: "/flowLogs/bucket/create",
        document: 1,
        message: "bucket logs already exists and is not Cordon's",
        hint: "create: false or adopt: true",
      },
    ]);
  });

  it("kinds whose handler cannot tell are never reported", () => {
    const d = { ...bucket(), kind: "ec2.flowLog" as const, address: "x/ec2.flowLog/vpc-1" };
    expect(checkFirstTouch([d], new Map([[d.address, observed(false)]]), handlers).diagnostics).toEqual([]);
  });

  it("lists foreign items, at most 20, then how many more", () => {
    const many = (kind: Kind): Handler | undefined =>
      ({
        kind,
        foreign: () => ({
          what: "the band",
          problem: "holds entries",
          details: Array.from({ length: 23 }, (_, i) => `entry ${i}`),
        }),
      }) as unknown as Handler;
    const d = bucket();
    const [diag] = checkFirstTouch([d], new Map([[d.address, observed(false)]]), many).diagnostics;
    expect(diag?.message).toMatch(/^the band holds entries: entry 0; entry 1; .*; entry 19; and 3 more$/);
  });
});

describe("plan: adoptions", () => {
  const run = (d: DesiredResource, obs: Observation, foreign: Foreign | null) =>
    plan({
      desired: [d],
      observed: new Map([[d.address, obs]]),
      owned: [],
      diff: {},
      policyDigest: "d".repeat(64),
      createdAt: "2026-05-01T00:00:00Z",
      cordonVersion: "test",
      ...(foreign === null ? {} : { adopting: new Map([[d.address, foreign]]) }),
    }).changes[0]!;
  const found: Foreign = { what: "bucket logs", problem: "is not Cordon's", details: ["item a"] };

  it("an adoption with nothing else to change is still an update (it writes Cordon's marker)", () => {
    const c = run(bucket({ adopt: true }), observed(false), found);
    expect(c.action).toBe("update");
    expect(c.adopting).toBe(true);
    expect(c.fields).toEqual([]);
    expect(c.reason).toBe("adopting bucket logs (the policy says adopt: true)");
    expect(c.impact.notes).toContain("adopted: item a");
  });

  it("an adoption lists what changes after its reason", () => {
    const c = run(bucket({ adopt: true }), observed(false, { encryption: "aws:kms" }), found);
    expect(c.fields).toEqual([{ path: "/encryption", before: "aws:kms", after: "AES256" }]);
    expect(c.reason).toBe("adopting bucket logs (the policy says adopt: true); differs from the policies: encryption");
  });

  it("without an adoption, an equal resource is a no-op and carries no adopting member", () => {
    const c = run(bucket(), observed(true), null);
    expect(c.action).toBe("no-op");
    expect("adopting" in c).toBe(false);
  });

  it("observe mode reports the adoption without executing it", () => {
    const c = run(bucket({ adopt: true, mode: "observe" }), observed(false), found);
    expect(c.reason).toBe("observe mode: not changing; adopting bucket logs (the policy says adopt: true)");
  });
});
