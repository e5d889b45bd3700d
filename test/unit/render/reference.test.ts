// The plan renderers' shortcuts for large plans (docs/performance.md, "A third pass") change no
// byte: on random plan documents (every action, nested and flat values, tag maps with keys that
// need quoting, references, context fields, field names, labels, policy entries, several targets,
// hostile text) the text plan, the markdown plan and the last output guard give exactly what the
// code before them gave (test/unit/render/reference/, copied from it).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { structuralDiff } from "../../../src/domain/diff.js";
import type { Action, Change } from "../../../src/model/change.js";
import { PLAN_FORMAT_VERSION, type PlanDocument, summarize } from "../../../src/model/plan.js";
import { changeBody, showValue } from "../../../src/render/plan-body.js";
import { renderPlanText } from "../../../src/render/plan-text.js";
import { safeOutput, term } from "../../../src/render/safe-text.js";
import { makeStyler } from "../../../src/render/style.js";
import { largePlan, representativePlan } from "../../helpers/plan-fixture.js";
import * as refBody from "./reference/plan-body.js";
import * as refText from "./reference/plan-text.js";
import * as refSafe from "./reference/safe-text.js";

const text = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom("a", "vpc-1", "arn:aws:s3:::logs/flow/", "prod", "x y", "") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "::warning::x",
      "  ::x",
      "\u001b[31mred",
      "a\u202eb",
      "line\nbreak",
      "tab\there",
      "\u0085",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const key = fc.constantFrom("name", "tags", "env", "cordon:policy", "a b", "Name", "Type", "rules", "perHourPartition");
const scalar = fc.oneof(text, fc.constantFrom(null, true, false, 0, 600, -1.5));
const flat = fc.dictionary(key, scalar, { maxKeys: 4 });
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    flat,
    fc.array(fc.oneof(scalar, flat), { maxLength: 4 }),
    fc.dictionary(key, tie("v"), { maxKeys: 4 }),
    fc.array(tie("v"), { maxLength: 3 }),
  ),
})).v;
const spec = fc.dictionary(key, value, { maxKeys: 6 });
const ACTIONS: Action[] = ["create", "update", "delete", "create-then-delete", "delete-then-create", "no-op"];

const change = fc
  .record({
    action: fc.constantFrom(...ACTIONS),
    kind: fc.constantFrom("ec2.flowLog", "s3.bucket", "wafv2.ipSet", "glue.table"),
    name: text,
    target: fc.constantFrom(
      { account: "111122223333", region: "eu-west-1" },
      { account: "444455556666", region: "us-east-1" },
    ),
    before: fc.oneof(spec, fc.constant(null)),
    after: fc.oneof(spec, fc.constant(null)),
    reason: text,
    notes: fc.array(text, { maxLength: 2 }),
    flags: fc.record({ broadensAccess: fc.boolean(), destructive: fc.boolean(), replace: fc.boolean() }),
    mode: fc.constantFrom("enforce" as const, "observe" as const),
    label: fc.option(text, { nil: undefined }),
    contextFields: fc.option(fc.subarray(["name", "env", "rules"]), { nil: undefined }),
    fieldNames: fc.option(fc.constantFrom({ perHourPartition: "perHourPartitions" }, { tags: "labels" }), {
      nil: undefined,
    }),
    refs: fc.option(fc.dictionary(text, text, { maxKeys: 2 }), { nil: undefined }),
    declared: fc.option(
      fc.array(
        fc.record({
          rule: text,
          entries: fc.array(
            fc.record({
              value: text,
              reason: text,
              ticket: fc.option(text, { nil: undefined }),
              expires: fc.option(fc.constant("2026-12-31"), { nil: undefined }),
            }),
            { minLength: 1, maxLength: 2 },
          ),
        }),
        { maxLength: 2 },
      ),
      { nil: undefined },
    ),
  })
  .map((r): Change => {
    const fields = structuralDiff(r.after, r.before).map((f) =>
      r.flags.replace ? { ...f, forcesReplacement: true } : f,
    );
    const c: Record<string, unknown> = {
      address: `${r.target.account}/${r.target.region}/${r.kind}/${r.name}`,
      kind: r.kind,
      name: r.name,
      target: r.target,
      action: r.action,
      before: r.action === "create" ? null : r.before,
      after: r.action === "delete" ? null : r.after,
      fields: r.action === "create" || r.action === "delete" ? [] : fields,
      reason: r.reason,
      impact: { broadensAccess: r.flags.broadensAccess, destructive: r.flags.destructive, notes: r.notes },
      mode: r.mode,
      observedFingerprint: "0".repeat(64),
      dependsOn: [],
      origin: null,
    };
    if (r.label !== undefined) c["label"] = r.label;
    if (r.contextFields !== undefined) c["contextFields"] = r.contextFields;
    if (r.fieldNames !== undefined) c["fieldNames"] = r.fieldNames;
    if (r.refs !== undefined) c["references"] = r.refs;
    if (r.declared !== undefined) c["declared"] = r.declared;
    return c as unknown as Change;
  });

const plan = fc.array(change, { maxLength: 6 }).map(
  (changes): PlanDocument => ({
    formatVersion: PLAN_FORMAT_VERSION,
    cordonVersion: "0.0.0",
    createdAt: "2026-11-26T00:00:00.000Z",
    policyDigest: "0".repeat(64),
    targets: [],
    changes: changes.map((c, i) => ({ ...c, address: `${c.address}-${i}` })),
    summary: summarize(changes),
    notes: [],
    warnings: [],
    queries: [],
  }),
);

const plain = makeStyler(false);
const colour = makeStyler(true);

describe("the plan renderers equal the code before the shortcuts", () => {
  it("text, plain and in colour, and every change's body (the markdown plan's too), on random plans", () => {
    fc.assert(
      fc.property(plan, (doc) => {
        expect(renderPlanText(doc)).toBe(refText.renderPlanText(doc));
        expect(renderPlanText(doc, colour)).toBe(refText.renderPlanText(doc, colour));
        for (const c of doc.changes) {
          for (const style of ["text", "diff"] as const) {
            expect(changeBody(c, style)).toEqual(refBody.changeBody(c, style));
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it("text of the fixtures (representative, 900 changes)", () => {
    for (const doc of [representativePlan(), largePlan(900)]) {
      expect(renderPlanText(doc, plain)).toBe(refText.renderPlanText(doc, plain));
      expect(renderPlanText(doc, colour)).toBe(refText.renderPlanText(doc, colour));
    }
  });

  it("showValue, term and the output guard", () => {
    const outcome = (f: () => string): string => {
      try {
        return f();
      } catch (e) {
        return `threw ${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    fc.assert(
      fc.property(value, text, fc.boolean(), (v, s, commands) => {
        expect(outcome(() => showValue(v))).toBe(outcome(() => refBody.showValue(v)));
        expect(term(s)).toBe(refSafe.term(s));
        const lines = `${s}\n${colour.red(s)}\n  ${s}\n`;
        expect(safeOutput(lines, { commands })).toBe(refSafe.safeOutput(lines, { commands }));
      }),
      { numRuns: 2000 },
    );
    for (const v of [undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, "\u2028", [undefined], () => 1]) {
      expect(outcome(() => showValue(v))).toBe(outcome(() => refBody.showValue(v)));
    }
  });
});
