import { describe, expect, it } from "vitest";
import { changedPolicyFiles } from "../../../src/cli/saved-plan.js";
import { planDocumentDigest } from "../../../src/domain/fingerprint.js";
import type { Change } from "../../../src/model/change.js";
import type { PlanDocument } from "../../../src/model/plan.js";
import { comparePlans, firstDifference } from "../../../src/planner/compare.js";
import { parsePlanJson, renderPlanJson } from "../../../src/render/plan-json.js";
import { representativePlan } from "../../helpers/plan-fixture.js";

const saved = (): PlanDocument => parsePlanJson(renderPlanJson(representativePlan()));
const now = (): PlanDocument => structuredClone(saved());

/** `doc` with the change at index `i` replaced by `edit(change)`. */
const withChange = (doc: PlanDocument, i: number, edit: (c: Change) => Change): PlanDocument => ({
  ...doc,
  changes: doc.changes.map((c, j) => (j === i ? edit(structuredClone(c)) : c)),
});

describe("comparePlans: what may differ between a saved plan and the same plan made again", () => {
  it("nothing differs in a plan made again", () => {
    expect(comparePlans(saved(), now())).toEqual([]);
  });

  const volatile: { reason: string; edit: (d: PlanDocument) => PlanDocument }[] = [
    { reason: "made at another time", edit: (d) => ({ ...d, createdAt: "2030-01-01T00:00:00.000Z" }) },
    { reason: "by another Cordon version", edit: (d) => ({ ...d, cordonVersion: "9.9.9" }) },
    { reason: "not rendered (no digest)", edit: ({ digest: _d, ...d }) => d },
    { reason: "policies named another way", edit: (d) => ({ ...d, policyPaths: ["./policies/"] }) },
    { reason: "file digests are checked before", edit: (d) => ({ ...d, policyFiles: { "x.yaml": "0" } }) },
  ];
  it.each(volatile)("equal when $reason", ({ edit }) => {
    expect(comparePlans(saved(), edit(now()))).toEqual([]);
  });

  it("notes and warnings are compared as sets (their order follows AWS's listing order)", () => {
    const n1 = { severity: "info" as const, message: "one" };
    const n2 = { severity: "warning" as const, message: "two" };
    expect(comparePlans({ ...saved(), notes: [n1, n2] }, { ...now(), notes: [n2, n1] })).toEqual([]);
    expect(comparePlans({ ...saved(), notes: [n1] }, { ...now(), notes: [n2, n1] })).toHaveLength(1);
  });

  it("origin file paths are compared through samePath", () => {
    const a = withChange(saved(), 0, (c) => ({
      ...c,
      origin: { file: "./policies/a.yaml", document: 0, section: "s" },
    }));
    const b = withChange(saved(), 0, (c) => ({ ...c, origin: { file: "policies/a.yaml", document: 0, section: "s" } }));
    expect(comparePlans(a, b)).toHaveLength(1);
    expect(comparePlans(a, b, { samePath: (f) => f.replace(/^\.\//, "") })).toEqual([]);
  });

  const edits: { reason: string; edit: (c: Change) => Change; how: RegExp; stale?: boolean }[] = [
    {
      reason: "an after-spec member",
      edit: (c) => ({ ...c, after: { ...(c.after as object), extra: 1 } }),
      how: /^after differs at \/extra$/,
    },
    {
      reason: "the action",
      edit: (c) => ({ ...c, action: "no-op" }),
      how: /^action no-op in the saved plan, \S+ now$/,
    },
    { reason: "the mode", edit: (c) => ({ ...c, mode: "observe" }), how: /^mode observe in the saved plan, \S+ now$/ },
    { reason: "the dependencies", edit: (c) => ({ ...c, dependsOn: ["x"] }), how: /^dependsOn differs at \/0$/ },
    { reason: "the reason shown", edit: (c) => ({ ...c, reason: "up to date" }), how: /^reason differs$/ },
    {
      reason: "the impact shown",
      edit: (c) => ({ ...c, impact: { ...c.impact, broadensAccess: !c.impact.broadensAccess } }),
      how: /^impact differs at \/broadensAccess$/,
    },
    {
      reason: "the fingerprint (AWS changed)",
      edit: (c) => ({ ...c, observedFingerprint: "f".repeat(64) }),
      how: /^changed in AWS since the plan was made$/,
      stale: true,
    },
    {
      reason: "a member the file added",
      edit: (c) => ({ ...c, skip: true }) as Change,
      how: /^skip only in the saved plan$/,
    },
  ];
  it.each(edits)("names the change when $reason differs", ({ edit, how, stale }) => {
    const doc = saved();
    const i = doc.changes.findIndex((c) => c.action !== "no-op" && c.after !== null);
    const d = comparePlans(withChange(doc, i, edit), now());
    expect(d).toEqual([{ address: doc.changes[i]!.address, how: expect.stringMatching(how), stale: stale === true }]);
  });

  it("a change only in the saved plan, only now, listed twice, or in another order", () => {
    const doc = saved();
    const [first, second, ...rest] = doc.changes;
    expect(comparePlans({ ...doc, changes: [second!, ...rest] }, now())).toEqual([
      { address: first!.address, how: "only now (not in the saved plan)", stale: false },
    ]);
    expect(comparePlans(doc, { ...now(), changes: [second!, ...rest] })).toEqual([
      { address: first!.address, how: "only in the saved plan", stale: false },
    ]);
    expect(comparePlans({ ...doc, changes: [first!, first!, second!, ...rest] }, now())).toEqual([
      { address: first!.address, how: "listed more than once in the saved plan", stale: false },
    ]);
    expect(comparePlans({ ...doc, changes: [second!, first!, ...rest] }, now())).toEqual([
      { address: "(plan)", how: "the changes are listed in another order", stale: false },
    ]);
  });

  it("the document's own members: summary, queries, today, only, policyDigest, added members", () => {
    const doc = saved();
    const cases: [PlanDocument, string][] = [
      [{ ...doc, summary: { ...doc.summary, add: 0 } }, "summary differs at /add"],
      [{ ...doc, queries: [] }, "queries differs at /0"],
      [{ ...doc, today: "2026-01-01" }, "today only in the saved plan"],
      [{ ...doc, only: ["x"] }, "only only in the saved plan"],
      [{ ...doc, policyDigest: "0".repeat(64) }, "policyDigest differs"],
      [{ ...doc, extra: 1 } as PlanDocument, "extra only in the saved plan"],
    ];
    for (const [edited, how] of cases) {
      expect(comparePlans(edited, now())).toEqual([{ address: "(plan)", how, stale: false }]);
    }
  });
});

describe("firstDifference", () => {
  it("the JSON pointer of the first difference, null when equal up to key order", () => {
    expect(firstDifference({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBeNull();
    expect(firstDifference({ a: { "x/y": [1, 2] } }, { a: { "x/y": [1, 3] } })).toBe("/a/x~1y/1");
    expect(firstDifference([1], [1, 2])).toBe("/1");
    expect(firstDifference("a", "b")).toBe("");
  });
});

describe("planDocumentDigest", () => {
  it("is the same for a document and its JSON rendering read back", () => {
    const doc = representativePlan();
    expect(saved().digest).toBe(planDocumentDigest(doc));
    expect(planDocumentDigest({ ...doc, digest: "ignored" })).toBe(planDocumentDigest(doc));
    expect(planDocumentDigest({ ...doc, createdAt: "x" })).not.toBe(planDocumentDigest(doc));
  });
});

describe("changedPolicyFiles", () => {
  it("names changed, new and removed files, sorted", () => {
    expect(
      changedPolicyFiles(
        { "a.yaml": "1", "b.yaml": "2", "c.yaml": "3" },
        { "a.yaml": "1", "b.yaml": "9", "d.yaml": "4" },
      ),
    ).toEqual(["b.yaml (changed)", "c.yaml (removed)", "d.yaml (new)"]);
    expect(changedPolicyFiles({ "a.yaml": "1" }, { "a.yaml": "1" })).toEqual([]);
  });
});
