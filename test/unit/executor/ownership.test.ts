// The ownership scoping rule: which owned-but-undeclared resources a plan may act on, and which it
// leaves alone because their policy was not loaded.
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { type LoadedScope, scopeOwned } from "../../../src/executor/ownership.js";
import type { Discovered } from "../../../src/handlers/contract.js";
import type { LoadedPolicy, Policy } from "../../../src/model/policy.js";
import type { Kind } from "../../../src/model/resource.js";
import { plan } from "../../../src/planner/plan.js";
import { renderPlanJson } from "../../../src/render/plan-json.js";
import { changeForOwnedReason } from "../../helpers/owned-reason.js";

const ACCOUNT = "111122223333";

const found = (
  name: string,
  tags: Record<string, string>,
  kind: Kind = "wafv2.webAcl",
  region = "eu-west-1",
): Discovered => ({
  address: `${ACCOUNT}/${region}/${kind}/${name}`,
  kind,
  name,
  target: { account: ACCOUNT, region },
  observation: { exists: true, live: {}, meta: { fingerprint: "f", owned: true, tags } },
});

const loaded = (name: string, set?: string, extra: Partial<Policy> = {}, region = "eu-west-1"): LoadedPolicy => ({
  policy: {
    apiVersion: "cordon.dev/v1",
    kind: "Policy",
    metadata: { name },
    target: { account: ACCOUNT, region },
    ...extra,
  } as Policy,
  source: { file: `${name}.yaml`, document: 0 },
  ...(set === undefined ? {} : { set }),
});

const tags = (policy?: string, set?: string): Record<string, string> => ({
  "cordon:managed-by": "cordon",
  ...(policy === undefined ? {} : { "cordon:policy": policy }),
  ...(set === undefined ? {} : { "cordon:set": set }),
});

const edge = loaded("edge", "main");
const whole: LoadedScope = { policies: [edge], set: { name: "main", complete: true } };
const partial: LoadedScope = { policies: [edge], set: { name: "main", complete: false } };
const noSet: LoadedScope = { policies: [loaded("edge")], set: null };

type Outcome = "planned" | "removed" | "left alone";

const cases: { reason: string; scope: LoadedScope; tags: Record<string, string>; want: Outcome }[] = [
  { reason: "its policy is loaded", scope: partial, tags: tags("edge", "main"), want: "planned" },
  {
    reason: "its policy is loaded, tagged by an older Cordon (no set)",
    scope: whole,
    tags: tags("edge"),
    want: "planned",
  },
  { reason: "its policy is loaded and neither has a set", scope: noSet, tags: tags("edge"), want: "planned" },
  {
    reason: "partial load: another policy of the set",
    scope: partial,
    tags: tags("staging", "main"),
    want: "left alone",
  },
  { reason: "whole set: a policy removed from it", scope: whole, tags: tags("staging", "main"), want: "removed" },
  { reason: "whole set: a policy of another set", scope: whole, tags: tags("staging", "other"), want: "left alone" },
  {
    reason: "whole set: a same-named policy of another set",
    scope: whole,
    tags: tags("edge", "other"),
    want: "left alone",
  },
  { reason: "whole set: a policy of no set (older Cordon)", scope: whole, tags: tags("staging"), want: "left alone" },
  { reason: "whole set: no cordon:policy tag at all", scope: whole, tags: tags(undefined, "main"), want: "left alone" },
  { reason: "no set loaded: a policy not loaded", scope: noSet, tags: tags("staging"), want: "left alone" },
  { reason: "no set loaded: a resource of a set", scope: noSet, tags: tags("edge", "main"), want: "left alone" },
];

describe("scopeOwned", () => {
  it.each(cases)("$reason → $want", ({ scope, tags: t, want }) => {
    const d = found("acl", t);
    const r = scopeOwned([d], scope);
    const got: Outcome =
      r.leftAlone.length === 1 ? "left alone" : r.owned[0]?.removedPolicy !== undefined ? "removed" : "planned";
    expect(got).toBe(want);
    expect(r.owned.length + r.leftAlone.length).toBe(1);
    expect(r.note === null).toBe(want !== "left alone");
  });

  it("a removed policy's resource is deleted with the reason naming it", () => {
    const r = scopeOwned([found("acl", tags("staging", "main"))], whole);
    expect(r.owned[0]?.removedPolicy).toBe("staging");
    expect(changeForOwnedReason(r.owned[0]!)).toEqual({ action: "delete", reason: "policy staging was removed" });
  });

  it("keeps the declaring policy's mode when it targets the same account and region", () => {
    const keep = loaded("edge", "main", { webAcl: { name: "acl", mode: "no-delete" } } as Partial<Policy>);
    const scope: LoadedScope = { policies: [keep], set: { name: "main", complete: true } };
    expect(scopeOwned([found("acl", tags("edge", "main"))], scope).owned[0]?.mode).toBe("no-delete");
    const far = found("acl", tags("edge", "main"), "wafv2.webAcl", "us-east-1");
    expect(scopeOwned([far], scope).owned[0]?.mode).toBeUndefined();
  });

  it("lists what it left alone in one info note, per policy, with every address", () => {
    const r = scopeOwned(
      [
        found("b-acl", tags("staging", "main")),
        found("a-acl", tags("staging", "main")),
        found("vpc-1", tags("staging", "main"), "ec2.flowLog"),
        found("x-acl", tags("loose")),
        found("y-acl", tags("far", "other")),
        found("mine", tags("edge", "main")),
      ],
      partial,
    );
    expect(r.owned.map((o) => o.name)).toEqual(["mine"]);
    expect(r.note).toEqual({
      severity: "info",
      message:
        "5 resources of 3 policies not loaded: left alone (" +
        `policy far, policy set other: ${ACCOUNT}/eu-west-1/wafv2.webAcl/y-acl; ` +
        `policy loose, no policy set: ${ACCOUNT}/eu-west-1/wafv2.webAcl/x-acl; ` +
        `policy staging: ${ACCOUNT}/eu-west-1/ec2.flowLog/vpc-1, ${ACCOUNT}/eu-west-1/wafv2.webAcl/a-acl, ${ACCOUNT}/eu-west-1/wafv2.webAcl/b-acl)`,
      addresses: [
        `${ACCOUNT}/eu-west-1/ec2.flowLog/vpc-1`,
        `${ACCOUNT}/eu-west-1/wafv2.webAcl/a-acl`,
        `${ACCOUNT}/eu-west-1/wafv2.webAcl/b-acl`,
        `${ACCOUNT}/eu-west-1/wafv2.webAcl/x-acl`,
        `${ACCOUNT}/eu-west-1/wafv2.webAcl/y-acl`,
      ],
    });
  });

  it("says 1 resource of 1 policy in the singular", () => {
    expect(scopeOwned([found("acl", tags("staging", "main"))], partial).note?.message).toMatch(
      /^1 resource of 1 policy not loaded: left alone \(policy staging: /,
    );
  });

  it("the note, with its addresses, is valid in the plan document", () => {
    const scoped = scopeOwned([found("acl", tags("staging", "main"))], partial);
    const doc = plan({
      desired: [],
      observed: new Map(),
      owned: scoped.owned,
      diff: {},
      policyDigest: "0".repeat(64),
      createdAt: "2026-11-26T00:00:00.000Z",
      cordonVersion: "test",
      notes: scoped.note === null ? [] : [scoped.note],
    });
    const json = JSON.parse(renderPlanJson(doc));
    expect(json.changes).toEqual([]);
    expect(json.notes[0].addresses).toEqual([`${ACCOUNT}/eu-west-1/wafv2.webAcl/acl`]);
    const schema = JSON.parse(readFileSync("schemas/plan.schema.json", "utf8"));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  });
});
