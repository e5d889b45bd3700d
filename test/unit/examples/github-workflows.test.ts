// The example workflows (examples/github/) as GitHub would read them: valid YAML with the jobs,
// permissions and pinned actions each needs, the inputs action.yml declares, and their
// github-script steps run against fakes of the GitHub API — the sticky plan comment found by its
// hidden marker, the reviewed plan found for the apply, the one drift issue opened, updated or closed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DRIFT_MARKER } from "../../../src/render/drift.js";
import { PLAN_MARKER } from "../../../src/render/plan-markdown.js";

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly if?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly permissions: Record<string, string>;
  readonly jobs: Record<string, { readonly "runs-on": string; readonly steps: Step[] }>;
}

const load = (file: string) => parse(readFileSync(`examples/github/${file}`, "utf8")) as Workflow;
const plan = load("cordon-plan.yml");
const apply = load("cordon-apply.yml");
const drift = load("cordon-drift.yml");
const action = parse(readFileSync("action.yml", "utf8")) as { inputs: Record<string, { description: string }> };
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const cordonSteps = (w: Workflow) => steps(w).filter((s) => s.uses === "acme/cordon@v1");
const script = (w: Workflow, name: string) =>
  (steps(w).find((s) => s.uses?.startsWith("actions/github-script@") && s.name === name)?.with?.["script"] ??
    "") as string;

/** Runs a github-script body as the action does: an async function of github, context, core, require. */
async function runScript(
  body: string,
  fakes: { github: unknown; context: unknown; env: Record<string, string>; files?: Record<string, string> },
) {
  const outputs: Record<string, string> = {};
  const core = { setOutput: (k: string, v: string) => (outputs[k] = v), info: () => {} };
  const fn = new Function(
    "github",
    "context",
    "core",
    "require",
    "process",
    `return (async () => {\n${body}\n})();`,
  ) as (...a: unknown[]) => Promise<unknown>;
  const fs = {
    readFileSync: (f: string) => {
      const text = fakes.files?.[f];
      if (text === undefined) throw new Error(`ENOENT: ${f}`);
      return text;
    },
  };
  const req = (m: string) => (m === "node:fs" ? fs : null);
  await fn(fakes.github, fakes.context, core, req, { env: fakes.env });
  return outputs;
}

/** A fake of the GitHub REST API: lists from `data`, every write recorded in `calls`. */
function fakeGithub(data: Record<string, unknown[]>) {
  const calls: [string, Record<string, unknown>][] = [];
  const write = (name: string) => async (params: Record<string, unknown>) => {
    calls.push([name, params]);
    return { data: {} };
  };
  const list = (name: string) => Object.assign(async () => ({ data: data[name] ?? [] }), { key: name });
  const github = {
    // Filters by label as GitHub does: an issue whose label was dropped is not listed.
    paginate: async (fn: { key: string }, params: { labels?: string }) =>
      (data[fn.key] ?? []).filter(
        (i) =>
          params.labels === undefined ||
          ((i as { labels?: { name: string }[] }).labels ?? []).some((l) => l.name === params.labels),
      ),
    rest: {
      issues: {
        listComments: list("listComments"),
        listForRepo: list("listForRepo"),
        createComment: write("createComment"),
        updateComment: write("updateComment"),
        create: write("create"),
        update: write("update"),
      },
      repos: { listPullRequestsAssociatedWithCommit: list("prs") },
      actions: {
        listWorkflowRuns: async (p: Record<string, unknown>) => {
          calls.push(["listWorkflowRuns", p]);
          return { data: { workflow_runs: data["runs"] ?? [] } };
        },
      },
    },
  };
  return { github, calls };
}

const context = {
  repo: { owner: "acme", repo: "net" },
  payload: { pull_request: { number: 12 } },
  sha: "c0ffee",
  serverUrl: "https://github.com",
  runId: 99,
};

describe("the example workflows", () => {
  it("are workflows GitHub accepts: triggers, jobs with steps, every action pinned to a version", () => {
    for (const w of [plan, apply, drift]) {
      expect(Object.keys(w.on).length).toBeGreaterThan(0);
      for (const job of Object.values(w.jobs)) {
        expect(job["runs-on"]).toBe("ubuntu-latest");
        expect(job.steps.length).toBeGreaterThan(0);
        for (const s of job.steps) {
          expect(s.uses === undefined || s.run === undefined).toBe(true);
          if (s.uses !== undefined) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+|[0-9a-f]{40})$/);
        }
      }
    }
    expect(Object.keys(plan.on)).toEqual(["pull_request"]);
    expect(apply.on).toMatchObject({ push: { branches: ["main"] } });
    expect(Object.keys(drift.on)).toContain("schedule");
  });

  const permissions = [
    {
      reason: "plan: read the code, OIDC for the read-only role, write the PR comment",
      w: plan,
      want: { contents: "read", "id-token": "write", "pull-requests": "write" },
    },
    {
      reason: "apply: read the code, OIDC for the write role, read the plan run's artifact",
      w: apply,
      want: { contents: "read", "id-token": "write", actions: "read" },
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

  it("pass the action only the inputs action.yml declares, and plan saves the plan the apply downloads", () => {
    for (const w of [plan, apply, drift]) {
      for (const s of cordonSteps(w)) {
        for (const k of Object.keys(s.with ?? {})) expect(Object.keys(action.inputs)).toContain(k);
      }
    }
    for (const input of Object.values(action.inputs)) expect(input.description.length).toBeGreaterThan(10);
    const planStep = cordonSteps(plan).find((s) => s.with?.["command"] === "plan");
    expect(planStep?.with).toMatchObject({ format: "markdown" });
    expect(planStep?.with?.["args"]).toContain("--out plan.json");
    const upload = steps(plan).find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with).toMatchObject({
      name: `cordon-plan-pr-$${"{{"} github.event.pull_request.number }}`,
      path: "plan.json",
    });
    const reviewed = cordonSteps(apply).find((s) => s.with?.["paths"] === "plan.json");
    expect(reviewed?.if).toBe("steps.reviewed.outputs.run-id != ''");
    expect(reviewed?.with?.["args"] ?? "").not.toContain("--auto-approve");
  });
});

describe("the sticky plan comment", () => {
  const body = script(plan, "Sticky plan comment");
  const md = `${PLAN_MARKER}\n**Plan: 1 to add, 0 to change, 0 to destroy.**\n`;
  const cases = [
    {
      reason: "our earlier comment (a bot's, starting with the marker) is updated in place",
      comments: [
        { id: 1, user: { type: "User" }, body: "LGTM" },
        { id: 2, user: { type: "Bot" }, body: `${PLAN_MARKER}\n**Plan: 2 to add…**` },
      ],
      want: [["updateComment", { comment_id: 2, body: md }]],
    },
    {
      reason: "a person quoting the marker is not our comment: a new one is posted",
      comments: [{ id: 3, user: { type: "User" }, body: `${PLAN_MARKER} quoted` }],
      want: [["createComment", { issue_number: 12, body: md }]],
    },
    {
      reason: "the first plan of a pull request posts a comment",
      comments: [],
      want: [["createComment", { body: md }]],
    },
  ];
  for (const c of cases) {
    it(c.reason, async () => {
      const { github, calls } = fakeGithub({ listComments: c.comments });
      await runScript(body, { github, context, env: { PLAN_MD: "/p.md" }, files: { "/p.md": md } });
      expect(calls).toHaveLength(1);
      expect(calls[0]?.[0]).toBe(c.want[0]?.[0]);
      expect(calls[0]?.[1]).toMatchObject(c.want[0]?.[1] as object);
    });
  }
});

describe("the reviewed plan for the apply", () => {
  const body = script(apply, "Find the reviewed plan");
  it("is the artifact of the last successful plan run of the merged pull request's head", async () => {
    const { github, calls } = fakeGithub({
      prs: [{ number: 12, merged_at: "2026-11-26T10:00:00Z", head: { sha: "abc" } }],
      runs: [{ id: 555 }],
    });
    const out = await runScript(body, { github, context, env: {} });
    expect(out).toEqual({ "run-id": "555", artifact: "cordon-plan-pr-12" });
    expect(calls[0]?.[1]).toMatchObject({ workflow_id: "cordon-plan.yml", head_sha: "abc", status: "success" });
  });
  it("is none for a direct push (then main is planned and applied afresh)", async () => {
    const { github } = fakeGithub({ prs: [] });
    expect(await runScript(body, { github, context, env: {} })).toEqual({});
  });
});

describe("the drift issue", () => {
  const body = script(drift, "Open, update or close the drift issue");
  const report = `${DRIFT_MARKER}\n**Drift: 1 drifted…**\n`;
  const ours = { number: 7, body: `${DRIFT_MARKER}\nold report` };
  const cases = [
    {
      reason: "drift found, our issue open (found by its marker even if the label was dropped): updated",
      found: "true",
      issues: [
        { number: 5, body: "unrelated" },
        { ...ours, pull_request: undefined },
      ],
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
      const { github, calls } = fakeGithub({ listForRepo: c.issues });
      await runScript(body, {
        github,
        context,
        env: { FOUND: c.found, REPORT: "/d.md" },
        files: { "/d.md": report },
      });
      expect(calls.map(([n]) => n)).toEqual(c.want);
      const last = calls.at(-1);
      if (last !== undefined) c.check(last[1]);
    });
  }
});
