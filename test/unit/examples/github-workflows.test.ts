// The example workflows (examples/github/) as GitHub would read them: valid YAML with the jobs,
// permissions and pinned actions each needs, the inputs action.yml declares, and their
// github-script steps run against a fake of the GitHub API (test/helpers/github-harness.ts): the
// sticky plan comment, the fork that cannot be planned, the apply that uses a plan only when it was
// reviewed for exactly main's content and otherwise plans afresh and waits for approval, the
// comments on the merged pull requests, the one drift issue opened, updated or closed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DRIFT_MARKER } from "../../../src/render/drift.js";
import { PLAN_MARKER } from "../../../src/render/plan-markdown.js";
import {
  allSteps,
  evaluate,
  type FakePr,
  type FakeRun,
  type FakeState,
  fakeGithub,
  loadWorkflow,
  runScript,
  scriptOf,
  type Workflow,
  workflowText,
} from "../../helpers/github-harness.js";

const FILES = ["cordon-plan.yml", "cordon-apply.yml", "cordon-drift.yml"] as const;
const plan = loadWorkflow("cordon-plan.yml");
const apply = loadWorkflow("cordon-apply.yml");
const drift = loadWorkflow("cordon-drift.yml");
const action = parse(readFileSync("action.yml", "utf8")) as {
  inputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
};
/** `${{ inner }}`, a GitHub expression as written in the YAML. */
const expr = (inner: string) => `$${"{{"} ${inner} }}`;
const cordonSteps = (w: Workflow) => allSteps(w).filter((s) => s.uses?.startsWith("acme/cordon@"));

const REPO = "acme/net";
const context = (over: Record<string, unknown> = {}) => ({
  repo: { owner: "acme", repo: "net" },
  payload: {},
  sha: "c0ffee",
  serverUrl: "https://github.com",
  runId: 99,
  runNumber: 40,
  ...over,
});

describe("the example workflows", () => {
  it("are workflows GitHub accepts: triggers, jobs with steps, a step either uses an action or runs a command", () => {
    for (const w of [plan, apply, drift]) {
      expect(Object.keys(w.on).length).toBeGreaterThan(0);
      for (const job of Object.values(w.jobs)) {
        expect(job["runs-on"]).toBe("ubuntu-latest");
        expect(job.steps.length).toBeGreaterThan(0);
        for (const s of job.steps) expect(s.uses === undefined || s.run === undefined).toBe(true);
      }
    }
    expect(Object.keys(plan.on).sort()).toEqual(["merge_group", "pull_request"]);
    expect(apply.on).toMatchObject({ push: { branches: ["main"] } });
    expect(Object.keys(drift.on)).toContain("schedule");
  });

  it("pin every action (and action.yml's) to a full commit SHA with its tag in a comment", () => {
    let count = 0;
    for (const file of [...FILES.map((f) => `examples/github/${f}`), "action.yml"]) {
      for (const line of readFileSync(file, "utf8").split("\n")) {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (m === null) continue;
        count++;
        expect(m[1], `${file}: ${line}`).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
        expect(m[2], `${file}: ${line}`).toMatch(/^\s+# v\d+(\.\d+)*\b/);
      }
    }
    expect(count).toBeGreaterThan(15);
  });

  it("action.yml is a Node 24 JavaScript action running the committed bundle (no npm ci, no build per use)", () => {
    expect(action.runs).toEqual({ using: "node24", main: "dist-action/index.js" });
    const setupNode = FILES.flatMap((f) => allSteps(loadWorkflow(f))).filter((s) =>
      s.uses?.startsWith("actions/setup-node@"),
    );
    for (const s of setupNode) expect(String(s.with?.["node-version"])).toBe("24");
    // The project itself keeps working on Node 20.
    expect(JSON.parse(readFileSync("package.json", "utf8")).engines.node).toBe(">=20");
  });

  const permissions = [
    {
      reason: "plan: read the code, OIDC for the read-only role, write the PR comment",
      w: plan,
      want: { contents: "read", "id-token": "write", "pull-requests": "write" },
    },
    {
      reason: "apply: only contents: read for the whole workflow (each job asks for its own)",
      w: apply,
      want: { contents: "read" },
    },
    {
      reason: "drift: read the code, OIDC, open and update the issue",
      w: drift,
      want: { contents: "read", "id-token": "write", issues: "write" },
    },
  ];
  for (const c of permissions) {
    it(`asks for exactly the permissions it needs — ${c.reason}`, () => {
      expect(c.w.permissions).toEqual(c.want);
    });
  }

  it("apply's jobs: decide has no OIDC, plan gets the read-only role, only apply (in an environment) gets the write role", () => {
    expect(apply.jobs["decide"]?.permissions).toEqual({ contents: "read", actions: "read", "pull-requests": "read" });
    expect(apply.jobs["plan"]?.permissions).toMatchObject({ "id-token": "write" });
    expect(apply.jobs["apply"]?.permissions).toMatchObject({ "id-token": "write", actions: "read" });
  });

  it("the apply role is asked for only by jobs in an environment; the plan workflow asks only for the read-only role", () => {
    for (const w of [plan, apply, drift]) {
      for (const [name, job] of Object.entries(w.jobs)) {
        const roles = job.steps
          .filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))
          .map((s) => String(s.with?.["role-to-assume"]));
        for (const role of roles)
          expect(role, `${w.name}/${name}`).toMatch(/^\$\{\{ vars\.CORDON_(PLAN|APPLY)_ROLE_ARN \}\}$/);
        if (roles.some((r) => r.includes("APPLY"))) expect(job.environment, `${w.name}/${name}`).toBeDefined();
        else expect(job.environment, `${w.name}/${name}`).toBeUndefined();
      }
    }
    expect(workflowText("cordon-plan.yml")).not.toContain("CORDON_APPLY_ROLE_ARN");
  });

  it("never run apply with --auto-approve; apply applies only a downloaded plan file", () => {
    for (const w of [plan, apply, drift]) {
      for (const s of allSteps(w))
        expect(`${s.run ?? ""} ${String(s.with?.["args"] ?? "")}`).not.toContain("--auto-approve");
    }
    const applies = cordonSteps(apply).filter((s) => s.with?.["command"] === "apply");
    expect(applies).toHaveLength(1);
    expect(applies[0]?.with?.["paths"]).toBe("plan.json");
  });

  it("pass the action only the inputs action.yml declares", () => {
    for (const w of [plan, apply, drift]) {
      for (const s of cordonSteps(w)) {
        for (const k of Object.keys(s.with ?? {})) expect(Object.keys(action.inputs)).toContain(k);
      }
    }
    for (const input of Object.values(action.inputs)) expect(input.description.length).toBeGreaterThan(10);
  });

  it("plan names its artifact after the tree it planned, the one apply looks for; the comment gets the header flags", () => {
    const planStep = cordonSteps(plan).find((s) => s.with?.["command"] === "plan");
    expect(planStep?.with).toMatchObject({ format: "markdown" });
    const args = String(planStep?.with?.["args"]);
    for (const flag of ["--out plan.json", "--commit ", "--changed-files "]) expect(args).toContain(flag);
    const upload = allSteps(plan).find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with).toMatchObject({ name: `cordon-plan-${expr("steps.what.outputs.tree")}`, path: "plan.json" });
    expect(allSteps(plan).find((s) => s.id === "what")?.run).toContain("git rev-parse 'HEAD^{tree}'");
    expect(scriptOf(apply, "Find the reviewed plan")).toContain(`\`cordon-plan-$${"{"}tree}\``);
  });

  it("apply's concurrency never cancels a running apply, and each run applies main as it is when it starts", () => {
    expect(apply.concurrency).toEqual({ group: "cordon-apply", "cancel-in-progress": false });
    const checkout = apply.jobs["decide"]?.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["ref"]).toBe("main");
    for (const job of ["plan", "apply"]) {
      const co = apply.jobs[job]?.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
      expect(co?.with?.["ref"]).toBe(expr("needs.decide.outputs.sha"));
    }
  });
});

describe("a pull request from a fork", () => {
  const body = scriptOf(plan, "Can this run plan");
  const pr = (full_name: string) => ({ pull_request: { number: 12, head: { sha: "abc", repo: { full_name } } } });
  const stepIf = (name: string, can: string) =>
    evaluate(allSteps(plan).find((s) => s.name === name || s.id === name)?.if ?? "true", {
      steps: { can: { outputs: { plan: can } }, plan: { outcome: "skipped" } },
      github: { event_name: "pull_request" },
    });
  it("is validated, not planned (no OIDC token): the AWS steps, the plan, the artifact and the comment are skipped, and it says what to do", async () => {
    const { github, calls } = fakeGithub({});
    const r = await runScript(body, { github, context: context({ payload: pr("mallory/net") }) });
    expect(r.outputs).toEqual({ plan: "false" });
    expect(r.warnings.join()).toMatch(
      /fork mallory\/net.*no OIDC token.*validated but not planned.*cordon-apply-approval/,
    );
    for (const s of ["plan", "Keep the reviewed plan", "Sticky plan comment"])
      expect(stepIf(s, r.outputs["plan"]!)).toBe(false);
    const aws = allSteps(plan).find((s) => s.uses?.startsWith("aws-actions/"));
    expect(evaluate(aws?.if ?? "true", { steps: { can: { outputs: r.outputs } } })).toBe(false);
    expect(allSteps(plan).find((s) => s.name === "Validate")?.if).toBeUndefined();
    expect(calls).toEqual([]);
  });
  it("a branch of the repository itself is planned, and so is a merge-queue group", async () => {
    for (const payload of [pr(REPO), { merge_group: { head_sha: "f00" } }]) {
      const { github } = fakeGithub({});
      const r = await runScript(body, { github, context: context({ payload }) });
      expect(r).toMatchObject({ outputs: { plan: "true" }, warnings: [] });
    }
  });
});

describe("the sticky plan comment", () => {
  const body = scriptOf(plan, "Sticky plan comment");
  const md = `${PLAN_MARKER}\n**Plan: 1 to add, 0 to change, 0 to destroy.**\n`;
  const ctx = context({ payload: { pull_request: { number: 12, head: { sha: "abcdef0123456789" } } } });
  const cases = [
    {
      reason: "our earlier comment (a bot's, starting with the marker) is updated in place",
      outcome: "success",
      comments: [
        { id: 1, user: { type: "User" }, body: "LGTM" },
        { id: 2, user: { type: "Bot" }, body: `${PLAN_MARKER}\n**Plan: 2 to add…**` },
      ],
      want: ["updateComment", { comment_id: 2, body: md }],
    },
    {
      reason: "a person quoting the marker is not our comment: a new one is posted",
      outcome: "success",
      comments: [{ id: 3, user: { type: "User" }, body: `${PLAN_MARKER} quoted` }],
      want: ["createComment", { issue_number: 12, body: md }],
    },
    {
      reason: "the first plan of a pull request posts a comment",
      outcome: "success",
      comments: [],
      want: ["createComment", { body: md }],
    },
    {
      reason: "a failed plan replaces the earlier plan with a notice: an old plan never stays as if current",
      outcome: "failure",
      comments: [{ id: 2, user: { type: "Bot" }, body: `${PLAN_MARKER}\n**Plan: 2 to add…**` }],
      want: ["updateComment", { comment_id: 2 }],
      says: /^<!-- cordon-plan -->\n\*\*No plan for abcdef012345\*\*: the plan failed in \[run 99\]\(https:\/\/github.com\/acme\/net\/actions\/runs\/99\)/,
    },
    {
      reason: "a failed validation (plan skipped) says so",
      outcome: "skipped",
      comments: [],
      want: ["createComment", { issue_number: 12 }],
      says: /the validation failed/,
    },
  ];
  for (const c of cases) {
    it(c.reason, async () => {
      const { github, calls } = fakeGithub({ comments: { 12: c.comments } });
      await runScript(body, {
        github,
        context: ctx,
        env: { PLAN_MD: "/p.md", PLAN_OUTCOME: c.outcome },
        files: { "/p.md": md },
      });
      expect(calls).toHaveLength(1);
      expect(calls[0]?.[0]).toBe(c.want[0]);
      expect(calls[0]?.[1]).toMatchObject(c.want[1] as object);
      if (c.says) expect(String(calls[0]?.[1]["body"])).toMatch(c.says);
    });
  }
  it("runs even when the plan failed (always()), on pull requests only", () => {
    const s = allSteps(plan).find((x) => x.name === "Sticky plan comment");
    const ctxOf = (event: string) => ({ github: { event_name: event }, steps: { can: { outputs: { plan: "true" } } } });
    expect(evaluate(s?.if ?? "", ctxOf("pull_request"))).toBe(true);
    expect(evaluate(s?.if ?? "", ctxOf("merge_group"))).toBe(false);
  });
});

// ---- The apply: one run followed from job to job ------------------------------------------------

const SHA = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"; // main's head when the run starts
const TREE = "7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e";
const HEAD = "bead0000bead0000bead0000bead0000bead0000"; // the pull request's last commit
const mergedPr = (over: Partial<FakePr> = {}): FakePr => ({
  number: 12,
  merged_at: "2026-12-01T10:00:00Z",
  head: { sha: HEAD, repo: { full_name: REPO } },
  ...over,
});
const planRun = (over: Partial<FakeRun> = {}): FakeRun => ({
  id: 500,
  run_number: 20,
  workflow: "cordon-plan.yml",
  event: "pull_request",
  head_sha: HEAD,
  status: "completed",
  conclusion: "success",
  artifacts: [{ name: `cordon-plan-${TREE}` }],
  ...over,
});

interface Followed {
  readonly decide: Record<string, string>;
  readonly warnings: string[];
  readonly notices: string[];
  /** Whether the plan-afresh job runs. */
  readonly plans: boolean;
  /** Whether the apply job runs, in which environment, with which artifact of which run. */
  readonly applies: boolean;
  readonly environment: unknown;
  readonly download: { name: unknown; run: unknown };
  readonly comments: [string, Record<string, unknown>][];
}

/** Runs decide's script on `state`, then evaluates the plan and apply jobs' `if:` and `environment:`, as GitHub would. */
async function follow(
  state: FakeState,
  over: { attempt?: string; planHasChanges?: string; planResult?: string; ctx?: Record<string, unknown> } = {},
): Promise<Followed> {
  const { github, writes } = fakeGithub(state);
  const r = await runScript(scriptOf(apply, "Find the reviewed plan"), {
    github,
    context: context({ sha: SHA, ...over.ctx }),
    env: { SHA, TREE, RUN_ATTEMPT: over.attempt ?? "1" },
  });
  const needs = {
    decide: { result: "success", outputs: r.outputs },
    plan: {
      result: r.outputs["reviewed"] === "false" ? (over.planResult ?? "success") : "skipped",
      outputs: { "has-changes": over.planHasChanges ?? "true" },
    },
  };
  const plans = evaluate(apply.jobs["plan"]?.if ?? "true", { needs }) === true;
  const applies = evaluate(apply.jobs["apply"]?.if ?? "true", { needs }) === true;
  const dl = apply.jobs["apply"]?.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"));
  return {
    decide: r.outputs,
    warnings: r.warnings,
    notices: r.notices,
    plans,
    applies,
    environment: evaluate(apply.jobs["apply"]?.environment ?? "", { needs }),
    download: {
      name: evaluate(String(dl?.with?.["name"]), { needs }),
      run: evaluate(String(dl?.with?.["run-id"]), { needs }),
    },
    comments: writes(),
  };
}

describe("the apply applies a plan only when it was reviewed for exactly main's content", () => {
  it("the merged pull request's last plan run succeeded with this tree's artifact: that plan is applied without waiting", async () => {
    const f = await follow({ prs: { [SHA]: [mergedPr()] }, runs: [planRun()] });
    expect(f.decide).toMatchObject({ reviewed: "true", "run-id": "500", artifact: `cordon-plan-${TREE}`, prs: "[12]" });
    expect(f).toMatchObject({ plans: false, applies: true, environment: "cordon-apply" });
    expect(f.download).toEqual({ name: `cordon-plan-${TREE}`, run: "500" });
    expect(f.notices.join()).toContain("Applying the plan reviewed on #12");
    expect(f.comments).toEqual([]); // decide writes nothing
  });

  const afresh = [
    {
      reason: "no pull request (a direct push)",
      state: { prs: {}, runs: [planRun()] },
      why: /no merged pull request for 5a5a5a5a5a5a/,
    },
    {
      reason: "a pull request that was closed, not merged",
      state: { prs: { [SHA]: [mergedPr({ merged_at: null })] }, runs: [planRun()] },
      why: /no merged pull request/,
    },
    {
      reason: "a stale plan: main moved on since the pull request was planned (the artifact is of another tree)",
      state: {
        prs: { [SHA]: [mergedPr()] },
        runs: [planRun({ artifacts: [{ name: "cordon-plan-0123456789abcdef" }] })],
      },
      why: /made for other content than main's 5a5a5a5a5a5a \(main moved on/,
    },
    {
      reason:
        "a stale plan: the only plan run is of another commit of the pull request (pushed to after it was planned)",
      state: { prs: { [SHA]: [mergedPr()] }, runs: [planRun({ head_sha: "0ld0ld" })] },
      why: /no plan run for the last commit of #12/,
    },
    {
      reason: "the last plan run failed (an earlier successful one does not count)",
      state: {
        prs: { [SHA]: [mergedPr()] },
        runs: [planRun(), planRun({ id: 501, run_number: 21, conclusion: "failure", artifacts: [] })],
      },
      why: /last plan run of #12 \(https:\/\/github.com\/acme\/net\/actions\/runs\/501\) is failure/,
    },
    {
      reason: "the last plan run has not finished",
      state: { prs: { [SHA]: [mergedPr()] }, runs: [planRun({ status: "in_progress", conclusion: null })] },
      why: /is in_progress, not successful/,
    },
    {
      reason: "the plan artifact expired",
      state: {
        prs: { [SHA]: [mergedPr()] },
        runs: [planRun({ artifacts: [{ name: `cordon-plan-${TREE}`, expired: true }] })],
      },
      why: /plan artifact of #12 has expired/,
    },
    {
      reason: "a pull request from a fork (never planned: no OIDC token)",
      state: {
        prs: { [SHA]: [mergedPr({ head: { sha: HEAD, repo: { full_name: "mallory/net" } } })] },
        runs: [planRun()],
      },
      why: /#12 came from a fork/,
    },
    {
      reason: "a pull request from a fork that was deleted since",
      state: { prs: { [SHA]: [mergedPr({ head: { sha: HEAD, repo: null } })] }, runs: [planRun()] },
      why: /#12 came from a fork/,
    },
    {
      reason: "a plan run of another workflow or event is not a review (a merge-queue run, a push)",
      state: {
        prs: { [SHA]: [mergedPr()] },
        runs: [planRun({ event: "merge_group" }), planRun({ id: 502, workflow: "other.yml" })],
      },
      why: /no plan run for the last commit of #12/,
    },
  ];
  for (const c of afresh) {
    it(`${c.reason}: plans main afresh, then waits for the approval environment`, async () => {
      const f = await follow(c.state);
      expect(f.decide).toMatchObject({
        reviewed: "false",
        environment: "cordon-apply-approval",
        artifact: `cordon-plan-fresh-${TREE}`,
        "run-id": "99",
      });
      expect(f.decide["reason"]).toMatch(c.why);
      expect(f.warnings.join()).toMatch(/No reviewed plan: .*Planning main afresh; the apply waits for approval/);
      expect(f).toMatchObject({ plans: true, applies: true, environment: "cordon-apply-approval" });
      expect(f.download).toEqual({ name: `cordon-plan-fresh-${TREE}`, run: "99" });
    });
  }

  it("a re-run (attempt 2) never reuses the pull request's plan, even one reviewed for this content", async () => {
    const f = await follow({ prs: { [SHA]: [mergedPr()] }, runs: [planRun()] }, { attempt: "2" });
    expect(f.decide).toMatchObject({ reviewed: "false", environment: "cordon-apply-approval" });
    expect(f.decide["reason"]).toMatch(/attempt 2 of this run: a re-run never reuses/);
  });

  it("a fresh plan without changes applies nothing; a failed fresh plan applies nothing", async () => {
    expect(await follow({}, { planHasChanges: "false" })).toMatchObject({ plans: true, applies: false });
    expect(await follow({}, { planResult: "failure" })).toMatchObject({ plans: true, applies: false });
  });

  it("decide failing applies nothing", () => {
    const needs = { decide: { result: "failure", outputs: {} }, plan: { result: "skipped", outputs: {} } };
    expect(evaluate(apply.jobs["apply"]?.if ?? "", { needs })).toBe(false);
  });

  it("a run replaced while pending is not dropped silently: the next run names its commit and comments on its pull request", async () => {
    const applyRun = (
      id: number,
      run_number: number,
      head_sha: string,
      conclusion: FakeRun["conclusion"],
    ): FakeRun => ({
      id,
      run_number,
      workflow: "cordon-apply.yml",
      event: "push",
      head_branch: "main",
      head_sha,
      status: "completed",
      conclusion,
    });
    const f = await follow(
      {
        prs: { [SHA]: [mergedPr()], c0ffee: [mergedPr({ number: 14 })], dropped: [mergedPr({ number: 13 })] },
        runs: [
          planRun(),
          applyRun(300, 37, "applied", "success"),
          applyRun(301, 38, "failed1", "failure"),
          applyRun(302, 39, "dropped", "cancelled"),
        ],
      },
      { ctx: { sha: "c0ffee" } },
    );
    expect(JSON.parse(f.decide["prs"] ?? "[]")).toEqual([12, 13, 14]);
    expect(f.notices.join("\n")).toMatch(/also applies dropped: its run 302 ended cancelled/);
    expect(f.notices.join("\n")).toMatch(/also applies failed1: its run 301 ended failure/);
    expect(f.notices.join("\n")).not.toContain("applied:");
  });
});

describe("the comments on the merged pull requests", () => {
  it("a fresh plan is posted on each merged pull request, saying why and that it waits for approval", async () => {
    const { github, calls } = fakeGithub({});
    const md = `${PLAN_MARKER}\n**Commit** \`5a5a5a5a5a5a\`\n**Plan: 1 to add, 0 to change, 0 to destroy.**\n`;
    const r = await runScript(scriptOf(apply, "Post the plan to approve"), {
      github,
      context: context(),
      env: {
        PLAN_OUTCOME: "success",
        PLAN_MD: "/p.md",
        HAS_CHANGES: "true",
        PRS: "[12,13]",
        REASON: "the plan artifact of #12 has expired",
        SHA,
      },
      files: { "/p.md": md },
    });
    expect(calls.map(([n, p]) => [n, p["issue_number"]])).toEqual([
      ["createComment", 12],
      ["createComment", 13],
    ]);
    const body = String(calls[0]?.[1]["body"]);
    expect(body).toContain("main (5a5a5a5a5a5a) planned afresh, not yet reviewed");
    expect(body).toContain("No reviewed plan could be applied: the plan artifact of #12 has expired.");
    expect(body).toContain(
      "approval of the `cordon-apply-approval` environment in [run 99](https://github.com/acme/net/actions/runs/99)",
    );
    expect(body).toContain("**Plan: 1 to add");
    expect(body.startsWith(PLAN_MARKER)).toBe(false); // never taken for the sticky comment
    expect(r.notices).toHaveLength(1);
  });

  it("a fresh plan that failed is said on the pull requests too: nothing was applied", async () => {
    const { github, calls } = fakeGithub({});
    const r = await runScript(scriptOf(apply, "Post the plan to approve"), {
      github,
      context: context(),
      env: { PLAN_OUTCOME: "failure", PLAN_MD: "", HAS_CHANGES: "", PRS: "[12]", REASON: "a direct push", SHA },
    });
    expect(calls).toHaveLength(1);
    expect(String(calls[0]?.[1]["body"])).toMatch(
      /planning main afresh ended `failure` in \[run 99\].*Nothing was applied/,
    );
    expect(r.failed).toMatch(/nothing was applied/);
    expect(apply.jobs["plan"]?.steps.find((s) => s.name === "Post the plan to approve")?.if).toMatch(/^always\(\)/);
  });

  const outcomes = [
    {
      reason: "after a successful apply: the outcome and the audit record's location",
      env: { OUTCOME: "success", AUDIT: "s3://logs/cordon/audit/2026-12-01/x.json" },
      says: [
        /✅ Cordon applied main \(5a5a5a5a5a5a\)/,
        /Applied the plan reviewed on #12 in \[run 99\]/,
        /Audit record: `s3:\/\/logs\/cordon\/audit\/2026-12-01\/x\.json`/,
      ],
      failed: false,
    },
    {
      reason: "after a failed apply: what failed, that nothing unreviewed was applied, and how a re-run converges",
      env: { OUTCOME: "failure", AUDIT: "" },
      says: [
        /❌ Cordon did not apply main/,
        /ended `failure`/,
        /No audit record was written/,
        /Re-run all jobs.*plans main afresh/,
      ],
      failed: true,
    },
  ];
  for (const c of outcomes) {
    it(c.reason, async () => {
      const { github, calls } = fakeGithub({});
      const r = await runScript(scriptOf(apply, "Report the outcome"), {
        github,
        context: context(),
        env: { ...c.env, PRS: "[12]", REASON: "the plan reviewed on #12", SHA },
      });
      expect(calls).toHaveLength(1);
      expect(calls[0]?.[1]).toMatchObject({ issue_number: 12 });
      for (const re of c.says) expect(String(calls[0]?.[1]["body"])).toMatch(re);
      expect(r.failed !== undefined).toBe(c.failed);
    });
  }

  it("the outcome is reported also when the apply step failed, with the action's audit-record output", () => {
    const s = apply.jobs["apply"]?.steps.find((x) => x.name === "Report the outcome");
    expect(s?.if).toBe("always()");
    expect(s?.env?.["AUDIT"]).toBe(expr("steps.apply.outputs.audit-record"));
    expect(readFileSync("action.yml", "utf8")).toMatch(/\n {2}audit-record:\n/);
  });
});

describe("the drift issue", () => {
  const body = scriptOf(drift, "Open, update or close the drift issue");
  const report = `${DRIFT_MARKER}\n**Drift: 1 drifted…**\n`;
  const ours = { number: 7, body: `${DRIFT_MARKER}\nold report` };
  const cases = [
    {
      reason: "drift found, our issue open (found by its marker even if the label was dropped): updated",
      found: "true",
      issues: [{ number: 5, body: "unrelated" }, ours],
      want: ["update"],
      check: (p: Record<string, unknown>) => expect(String(p["body"])).toContain(report),
    },
    {
      reason: "drift found, none open (a pull request carrying the marker is not the issue): one is opened",
      found: "true",
      issues: [{ number: 8, body: `${DRIFT_MARKER}`, pull_request: {} }],
      want: ["create"],
      check: (p: Record<string, unknown>) => expect(String(p["body"]).startsWith(DRIFT_MARKER)).toBe(true),
    },
    {
      reason: "clean again: our issue gets a comment and is closed",
      found: "false",
      issues: [ours],
      want: ["createComment", "update"],
      check: (p: Record<string, unknown>) => expect(p).toMatchObject({ issue_number: 7, state: "closed" }),
    },
    { reason: "clean and nothing open: nothing is written", found: "false", issues: [], want: [], check: () => {} },
  ];
  for (const c of cases) {
    it(c.reason, async () => {
      const { github, calls } = fakeGithub({ issues: c.issues });
      await runScript(body, {
        github,
        context: context(),
        env: { FOUND: c.found, REPORT: "/d.md" },
        files: { "/d.md": report },
      });
      expect(calls.map(([n]) => n)).toEqual(c.want);
      const last = calls.at(-1);
      if (last !== undefined) c.check(last[1]);
    });
  }

  it("corrects drift only when asked and found, in its own job in the cordon-apply environment", () => {
    const job = drift.jobs["correct"];
    expect(job?.environment).toBe("cordon-apply");
    const when = (correct: boolean, found: string) =>
      evaluate(job?.if ?? "", { inputs: { correct }, needs: { drift: { outputs: { found } } } });
    expect(when(true, "true")).toBe(true);
    expect(when(false, "true")).toBe(false);
    expect(when(true, "false")).toBe(false);
    expect(drift.jobs["drift"]?.environment).toBeUndefined();
  });

  it("enforces expiry on every run that found something, unless the full correction runs", () => {
    const job = drift.jobs["expire"];
    expect(job?.environment).toBe("cordon-apply");
    const when = (correct: boolean | undefined, found: string) =>
      evaluate(job?.if ?? "", {
        inputs: correct === undefined ? {} : { correct },
        needs: { drift: { outputs: { found } } },
      });
    expect(when(undefined, "true")).toBe(true); // the schedule: no inputs
    expect(when(false, "true")).toBe(true);
    expect(when(true, "true")).toBe(false); // --correct removes expired entries too
    expect(when(undefined, "false")).toBe(false);
    const step = (job?.steps ?? []).find((s) => s.with?.["command"] === "drift");
    expect(String(step?.with?.["args"])).toMatch(/^--correct-expired\b/);
  });
});
