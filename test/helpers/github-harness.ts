// A harness for the example workflows (examples/github/*.yml): their github-script bodies run as
// actions/github-script runs them (an async function of github, context, core, require) against a
// fake of the GitHub REST API that filters as GitHub does and records every write; and the `if:` /
// `environment:` expressions of their jobs and steps evaluated with GitHub's operators, so a test can
// follow a run from job to job.
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly if?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
export interface Job {
  readonly "runs-on": string;
  readonly needs?: string | string[];
  readonly if?: string;
  readonly environment?: string;
  readonly permissions?: Record<string, string>;
  readonly outputs?: Record<string, string>;
  readonly steps: Step[];
}
export interface Workflow {
  readonly name: string;
  readonly on: Record<string, unknown>;
  readonly permissions: Record<string, string>;
  readonly concurrency?: { readonly group: string; readonly "cancel-in-progress": boolean };
  readonly jobs: Record<string, Job>;
}

export const workflowText = (file: string): string => readFileSync(`examples/github/${file}`, "utf8");
export const loadWorkflow = (file: string): Workflow => parse(workflowText(file)) as Workflow;
export const allSteps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps);

/** The `script:` of the github-script step of that name; throws when there is none (a renamed step fails loudly). */
export function scriptOf(w: Workflow, name: string): string {
  const step = allSteps(w).find((s) => s.uses?.startsWith("actions/github-script@") && s.name === name);
  const body = step?.with?.["script"];
  if (typeof body !== "string") throw new Error(`no github-script step "${name}" in ${w.name}`);
  return body;
}

export interface ScriptResult {
  readonly outputs: Record<string, string>;
  readonly notices: string[];
  readonly warnings: string[];
  readonly failed?: string;
}

/** Runs a github-script body as the action does; `files` are what require("node:fs").readFileSync sees. */
export async function runScript(
  body: string,
  fakes: { github: unknown; context: unknown; env?: Record<string, string>; files?: Record<string, string> },
): Promise<ScriptResult> {
  const result = { outputs: {} as Record<string, string>, notices: [] as string[], warnings: [] as string[] } as {
    outputs: Record<string, string>;
    notices: string[];
    warnings: string[];
    failed?: string;
  };
  const core = {
    setOutput: (k: string, v: unknown) => {
      result.outputs[k] = String(v);
    },
    info: () => {},
    notice: (m: string) => result.notices.push(m),
    warning: (m: string) => result.warnings.push(m),
    setFailed: (m: string) => {
      result.failed = m;
    },
  };
  const fs = {
    readFileSync: (f: string) => {
      const text = fakes.files?.[f];
      if (text === undefined) throw new Error(`ENOENT: ${f}`);
      return text;
    },
  };
  const req = (m: string) => {
    if (m === "node:fs" || m === "fs") return fs;
    throw new Error(`the harness does not provide ${m}`);
  };
  const fn = new Function("github", "context", "core", "require", "process", `return (async () => {\n${body}\n})();`);
  await (fn as (...a: unknown[]) => Promise<unknown>)(fakes.github, fakes.context, core, req, { env: fakes.env ?? {} });
  return result;
}

export interface FakeRun {
  readonly id: number;
  readonly run_number: number;
  /** The workflow file's name, e.g. cordon-plan.yml. */
  readonly workflow: string;
  readonly event: string;
  readonly head_sha: string;
  readonly head_branch?: string;
  readonly status: "completed" | "in_progress" | "queued";
  readonly conclusion: "success" | "failure" | "cancelled" | null;
  readonly artifacts?: readonly { readonly name: string; readonly expired?: boolean }[];
}
export interface FakePr {
  readonly number: number;
  readonly merged_at: string | null;
  readonly head: { readonly sha: string; readonly repo: { readonly full_name: string } | null };
}
export interface FakeState {
  /** Pull requests by the commit they are associated with. */
  readonly prs?: Readonly<Record<string, readonly FakePr[]>>;
  readonly runs?: readonly FakeRun[];
  /** Comments by issue number. */
  readonly comments?: Readonly<Record<number, readonly { id: number; user: { type: string }; body: string }[]>>;
  /** Open issues and pull requests (listForRepo). */
  readonly issues?: readonly Record<string, unknown>[];
}

/** The fake REST API: reads answer from `state`, filtered like GitHub's; writes go to `calls`. */
export function fakeGithub(state: FakeState) {
  const calls: [string, Record<string, unknown>][] = [];
  const write = (name: string) => async (params: Record<string, unknown>) => {
    calls.push([name, params]);
    return { data: {} };
  };
  const html = (r: FakeRun) => `https://github.com/acme/net/actions/runs/${r.id}`;
  const listComments = Object.assign(
    async (p: { issue_number: number }) => ({ data: state.comments?.[p.issue_number] ?? [] }),
    { key: "listComments" },
  );
  const listForRepo = Object.assign(async () => ({ data: state.issues ?? [] }), { key: "listForRepo" });
  const github = {
    paginate: async (fn: (p: unknown) => Promise<{ data: unknown[] }>, params: unknown) => (await fn(params)).data,
    rest: {
      issues: {
        listComments,
        listForRepo,
        createComment: write("createComment"),
        updateComment: write("updateComment"),
        create: write("create"),
        update: write("update"),
      },
      repos: {
        listPullRequestsAssociatedWithCommit: async (p: { commit_sha: string }) => ({
          data: state.prs?.[p.commit_sha] ?? [],
        }),
      },
      actions: {
        listWorkflowRuns: async (p: {
          workflow_id: string;
          event?: string;
          head_sha?: string;
          branch?: string;
          status?: string;
          per_page?: number;
        }) => {
          calls.push(["listWorkflowRuns", p]);
          const runs = (state.runs ?? [])
            .filter(
              (r) =>
                r.workflow === p.workflow_id &&
                (p.event === undefined || r.event === p.event) &&
                (p.head_sha === undefined || r.head_sha === p.head_sha) &&
                (p.branch === undefined || r.head_branch === p.branch) &&
                (p.status === undefined || r.status === p.status || r.conclusion === p.status),
            )
            .sort((a, b) => b.id - a.id) // newest first, as GitHub lists them
            .slice(0, p.per_page ?? 30)
            .map((r) => ({ ...r, html_url: html(r) }));
          return { data: { total_count: runs.length, workflow_runs: runs } };
        },
        listWorkflowRunArtifacts: async (p: { run_id: number; name?: string }) => {
          const run = (state.runs ?? []).find((r) => r.id === p.run_id);
          const artifacts = (run?.artifacts ?? [])
            .filter((a) => p.name === undefined || a.name === p.name)
            .map((a, i) => ({ id: p.run_id * 100 + i, name: a.name, expired: a.expired === true }));
          return { data: { total_count: artifacts.length, artifacts } };
        },
      },
    },
  };
  return { github, calls, writes: () => calls.filter(([n]) => n !== "listWorkflowRuns") };
}

/**
 * A GitHub expression (`if:`, `environment:`, with or without `${{ }}`) evaluated with GitHub's
 * operators (==, !=, &&, ||, !, string literals, always(), success()), reading contexts from `ctx`
 * by dotted path (needs.decide.outputs.reviewed, steps.can.outputs.plan, github.event_name...).
 * A missing value is "" as in GitHub.
 */
export function evaluate(expression: string, ctx: Record<string, unknown>): unknown {
  const inner = expression.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
  const get = (path: string): unknown =>
    path
      .split(".")
      .reduce<unknown>(
        (o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
        ctx,
      ) ?? "";
  // Outside string literals: functions, operators and context paths.
  const js = inner
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => {
      if (i % 2 === 1) return JSON.stringify(part.slice(1, -1).replace(/''/g, "'"));
      return part
        .replace(/\balways\(\)/g, "true")
        .replace(/\bsuccess\(\)/g, String(ctx["success"] !== false))
        .replace(/\b([a-z_][\w-]*(?:\.[\w-]+)+)/gi, (m) => `get(${JSON.stringify(m)})`)
        .replace(/==/g, "===")
        .replace(/!=/g, "!==")
        .replace(/!===/g, "!==");
    })
    .join("");
  return new Function("get", `return (${js});`)(get);
}
