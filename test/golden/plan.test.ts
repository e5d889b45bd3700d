import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { planDocumentDigest } from "../../src/domain/fingerprint.js";
import { parsePlanJson, planFileIntegrity, renderPlanJson } from "../../src/render/plan-json.js";
import { PLAN_MARKER, renderPlanMarkdown } from "../../src/render/plan-markdown.js";
import { renderPlanText, renderQueriesText } from "../../src/render/plan-text.js";
import { makeStyler } from "../../src/render/style.js";
import { expectGolden } from "../helpers/golden.js";
import { emptyPlan, largePlan, representativePlan } from "../helpers/plan-fixture.js";

const schema = JSON.parse(readFileSync(new URL("../../schemas/plan.schema.json", import.meta.url), "utf8"));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe("golden renderings of a representative plan", () => {
  const doc = representativePlan();
  it("text", () => expectGolden("plan/representative.txt", renderPlanText(doc)));
  it("markdown", () => expectGolden("plan/representative.md", renderPlanMarkdown(doc)));
  it("json", () => expectGolden("plan/representative.json", renderPlanJson(doc)));
  it("queries", () => expectGolden("plan/representative-queries.sql", renderQueriesText(doc)));
});

describe("golden renderings of an empty plan", () => {
  const doc = emptyPlan();
  it("text", () => expectGolden("plan/empty.txt", renderPlanText(doc)));
  it("markdown", () => expectGolden("plan/empty.md", renderPlanMarkdown(doc)));
  it("json", () => expectGolden("plan/empty.json", renderPlanJson(doc)));
});

describe("a large plan in markdown", () => {
  const doc = largePlan(900);
  const md = renderPlanMarkdown(doc);
  it("golden", () => expectGolden("plan/large-truncated.md", md));
  it("fits GitHub's comment limit, keeps the marker and the summary, says how to see the rest", () => {
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md.startsWith(`${PLAN_MARKER}\n**Plan: 900 to add, 0 to change, 0 to destroy.**`)).toBe(true);
    expect(md).toMatch(/\d+ of 900 changes not shown/);
    expect(md).toContain("cordon plan");
    expect(md.split("<details>").length - 1).toBeLessThan(900);
    expect(md.split("<details>").length).toBe(md.split("</details>").length);
  });
  it("fits a smaller limit too", () => {
    const small = renderPlanMarkdown(doc, { limit: 5000 });
    expect(small.length).toBeLessThanOrEqual(5000);
    expect(small).toContain("**Plan: 900 to add");
  });
});

describe("the JSON document", () => {
  it("validates against schemas/plan.schema.json (representative and empty)", () => {
    for (const doc of [representativePlan(), emptyPlan()]) {
      const ok = validate(JSON.parse(renderPlanJson(doc)));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });
  it("the schema rejects a plan without fingerprints", () => {
    const doc = JSON.parse(renderPlanJson(representativePlan()));
    delete doc.changes[0].observedFingerprint;
    expect(validate(doc)).toBe(false);
  });
  it("reads back to a document that renders identically (renderers read only the document)", () => {
    const doc = representativePlan();
    const back = parsePlanJson(renderPlanJson(doc));
    expect(renderPlanJson(back)).toBe(renderPlanJson(doc));
    expect(renderPlanText(back)).toBe(renderPlanText(doc));
    expect(renderPlanMarkdown(back)).toBe(renderPlanMarkdown(doc));
  });
  it("refuses another format version or a non-plan", () => {
    expect(() => parsePlanJson(JSON.stringify({ formatVersion: "0" }), "old.json")).toThrow(
      /old.json has plan format "0"/,
    );
    expect(() => parsePlanJson("nope", "x.json")).toThrow(/x.json is not JSON/);
  });
});

describe("text view details", () => {
  it("colours only when asked", () => {
    const doc = representativePlan();
    expect(renderPlanText(doc)).not.toContain("\u001b[");
    expect(renderPlanText(doc, makeStyler(true))).toContain("\u001b[32m");
  });
  it("shows a replacement of a flow log as +/- with the forcing field", () => {
    const text = renderPlanText(representativePlan());
    expect(text).toContain('+/- ec2.flowLog "vpc-0bbb" {');
    expect(text).toContain('~ trafficType = "REJECT" -> "ALL"  # forces replacement');
    expect(text).toContain("Plan: 2 to add, 2 to change, 2 to destroy.");
  });
  it("an empty plan says so in one line", () => {
    expect(renderPlanText(emptyPlan())).toBe("No changes. Your infrastructure matches the policies.\n");
    expect(renderPlanMarkdown(emptyPlan())).toBe(
      `${PLAN_MARKER}\nNo changes. Your infrastructure matches the policies.\n`,
    );
  });
});

describe("forward-compatible members", () => {
  it("policyPaths (written by cordon plan) is accepted by the schema and kept after policyDigest", () => {
    const doc = { ...representativePlan(), policyPaths: ["policies/"] };
    const json = renderPlanJson(doc);
    expect(validate(JSON.parse(json))).toBe(true);
    expect(Object.keys(JSON.parse(json)).slice(3, 6)).toEqual(["digest", "policyDigest", "policyPaths"]);
  });
  it("the saved-plan members (policyFiles, today, only) are accepted by the schema, after policyPaths", () => {
    const doc = {
      ...representativePlan(),
      policyPaths: ["policies/"],
      policyFiles: { "policies/a.yaml": "a".repeat(64) },
      today: "2026-11-26",
      only: ["111122223333/eu-west-1/ec2.flowLog"],
    };
    const json = JSON.parse(renderPlanJson(doc));
    expect(validate(json)).toBe(true);
    expect(Object.keys(json).slice(5, 9)).toEqual(["policyPaths", "policyFiles", "today", "only"]);
  });
  it("every rendering carries the digest of the rest of the document, which an edit breaks", () => {
    const json = renderPlanJson(representativePlan());
    const doc = parsePlanJson(json);
    expect(doc.digest).toBe(planDocumentDigest(doc));
    expect(planFileIntegrity(doc)).toEqual({ status: "intact", digest: doc.digest });
    const edited = { ...doc, changes: doc.changes.slice(1) };
    expect(planFileIntegrity(edited).status).toBe("edited");
    const { digest: _d, ...without } = doc;
    expect(planFileIntegrity(without).status).toBe("no-digest");
    // Re-rendering a document replaces whatever digest it carried.
    expect(parsePlanJson(renderPlanJson({ ...doc, digest: "0".repeat(64) })).digest).toBe(doc.digest);
  });
});
