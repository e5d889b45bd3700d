// The pull-request comment's header and the table of a large plan (src/render/plan-markdown.ts),
// and where the CLI says the full plan is (src/cli/github.ts): the header names the commit, the
// run, the targets and the policy files changed; a large plan gets a table by kind and action
// before anything is cut; the cut note points to places that hold the full plan.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fullPlanWhere, planHeader } from "../../../src/cli/github.js";
import type { PlanDocument } from "../../../src/model/plan.js";
import {
  LARGE_PLAN_CHANGES,
  PLAN_MARKER,
  renderPlanMarkdown,
  summaryTable,
} from "../../../src/render/plan-markdown.js";
import { emptyPlan, largePlan, representativePlan } from "../../helpers/plan-fixture.js";

const header = {
  commit: { sha: "bead0000bead0000bead0000bead0000bead0000", url: "https://github.com/acme/net/commit/bead" },
  run: { label: "run 4242", url: "https://github.com/acme/net/actions/runs/4242" },
  changedFiles: ["policies/prod.yaml", "policies/staging.yaml"],
};

/** The representative plan with every change twice (the copies at other addresses): 12 changes. */
function doubled(): PlanDocument {
  const doc = representativePlan();
  return { ...doc, changes: [...doc.changes, ...doc.changes.map((c) => ({ ...c, address: `${c.address}-copy` }))] };
}

describe("the header", () => {
  it("names the commit (linked), the run (linked), every target and the policy files changed, before the summary", () => {
    const md = renderPlanMarkdown(representativePlan(), { header });
    const lines = md.split("\n");
    expect(lines[0]).toBe(PLAN_MARKER);
    expect(lines[1]).toBe(
      "**Commit** [`bead0000bead`](https://github.com/acme/net/commit/bead) · **Run** [run 4242](https://github.com/acme/net/actions/runs/4242) · " +
        "**Targets** `111122223333/eu-west-1`, `444455556666/us-east-1`",
    );
    expect(lines[3]).toBe("**Policy files changed** `policies/prod.yaml`, `policies/staging.yaml`");
    expect(lines[5]).toMatch(/^\*\*Plan: /);
  });

  it("is absent without header data: the comment starts with the summary as before", () => {
    expect(renderPlanMarkdown(representativePlan()).split("\n")[1]).toMatch(/^\*\*Plan: /);
  });

  it("is kept for a plan without changes, and says when no policy file changed", () => {
    const md = renderPlanMarkdown(emptyPlan(), { header: { ...header, changedFiles: [] } });
    expect(md).toContain("**Policy files changed** none");
    expect(md).toMatch(/\*\*Commit\*\*.*\n\n\*\*Policy files changed\*\* none\n\n/);
  });

  it("names at most 20 changed files and counts the rest", () => {
    const files = Array.from({ length: 23 }, (_, i) => `policies/p${i}.yaml`);
    const md = renderPlanMarkdown(representativePlan(), { header: { changedFiles: files } });
    expect(md).toContain("`policies/p19.yaml` and 3 more");
    expect(md).not.toContain("p20.yaml");
  });

  it("survives the cut: with a tiny limit the header, the summary and the table are kept", () => {
    const md = renderPlanMarkdown(largePlan(900), { header, limit: 3000 });
    expect(md.length).toBeLessThanOrEqual(3000);
    expect(md).toContain("**Commit** [`bead0000bead`]");
    expect(md).toContain("| `ec2.flowLog` | 900 |");
  });
});

describe("the table by kind and action", () => {
  it(`a plan of more than ${LARGE_PLAN_CHANGES} changes gets it before the first change, counting every change`, () => {
    const md = renderPlanMarkdown(doubled());
    const table = md.slice(md.indexOf("| kind |"), md.indexOf("<details>"));
    expect(md.indexOf("| kind |")).toBeGreaterThan(md.indexOf("**Plan: "));
    expect(table).toContain("| kind | create | update | delete | replace | observe only |");
    expect(table).toContain("| `ec2.flowLog` | 0 | 0 | 2 | 2 | 2 |");
    expect(table).toContain("| `s3.bucket` | 2 | 0 | 0 | 0 | 0 |");
    expect(table).toContain("| `glue.table` | 0 | 2 | 0 | 0 | 0 |");
    // No-op changes are not rows: glue.database is only a no-op.
    expect(table).not.toContain("glue.database");
  });

  it("a small plan that fits has none", () => {
    expect(renderPlanMarkdown(representativePlan())).not.toContain("| kind |");
  });

  it("a small plan whose details are cut gets it", () => {
    const md = renderPlanMarkdown(representativePlan(), { limit: 1500 });
    expect(md).toContain("not shown");
    expect(md).toContain("| kind |");
  });

  it("lists only the columns used, kinds sorted", () => {
    expect(summaryTable(largePlan(3).changes)).toBe("| kind | create |\n| --- | ---: |\n| `ec2.flowLog` | 3 |\n\n");
  });
});

describe("where the full plan is", () => {
  const actions = {
    GITHUB_ACTIONS: "true",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: "acme/net",
    GITHUB_RUN_ID: "4242",
    GITHUB_SHA: "5a5a5a5a5a5a5a5a",
  };
  it("a cut comment points to the run's job summary and the saved plan", () => {
    const where = fullPlanWhere(true, "plan.json", { ...actions, GITHUB_RUN_ATTEMPT: "2" });
    expect(where).toBe(
      "The full plan is in the job summary of [run 4242, attempt 2](https://github.com/acme/net/actions/runs/4242/attempts/2) and in the saved plan `plan.json` (`cordon show plan.json`).",
    );
    const md = renderPlanMarkdown(largePlan(900), { fullPlan: where });
    expect(md).toMatch(
      /805 of 900 changes not shown: the comment would exceed its size limit\. The full plan is in the job summary/,
    );
  });
  it("not the job summary when the plan does not fit there; `cordon plan` outside Actions without --out", () => {
    expect(fullPlanWhere(false, "plan.json", actions)).toBe(
      "The full plan is in the saved plan `plan.json` (`cordon show plan.json`).",
    );
    expect(fullPlanWhere(true, undefined, {})).toBe("Run `cordon plan` (text) for the full plan.");
  });
});

describe("the header from the CLI's flags and GitHub's variables", () => {
  const dir = mkdtempSync(join(tmpdir(), "cordon-header-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it("outside Actions without flags: none", () => {
    expect(planHeader({}, {})).toBeUndefined();
  });
  it("in Actions: the commit from GITHUB_SHA (--commit wins), linked, and the run", () => {
    const env = {
      GITHUB_ACTIONS: "true",
      GITHUB_SERVER_URL: "https://ghe.example",
      GITHUB_REPOSITORY: "acme/net",
      GITHUB_RUN_ID: "7",
      GITHUB_SHA: "merge0",
    };
    expect(planHeader({}, env)).toEqual({
      commit: { sha: "merge0", url: "https://ghe.example/acme/net/commit/merge0" },
      run: { label: "run 7", url: "https://ghe.example/acme/net/actions/runs/7" },
    });
    expect(planHeader({ commit: "head1" }, env)?.commit?.sha).toBe("head1");
  });
  it("--changed-files: one path a line, blank lines skipped; outside Actions no link", () => {
    const file = join(dir, "changed.txt");
    writeFileSync(file, "policies/a.yaml\r\n\n  policies/b.yaml  \n");
    expect(planHeader({ changedFiles: file, commit: "abc" }, {})).toEqual({
      commit: { sha: "abc" },
      changedFiles: ["policies/a.yaml", "policies/b.yaml"],
    });
  });
});
