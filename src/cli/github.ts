// GitHub Actions integration: when GITHUB_ACTIONS=true, plans and drift reports are also appended
// (markdown) to the job's step summary file, $GITHUB_STEP_SUMMARY; the action's inputs and outputs
// (action.yml, run by src/cli/action.ts).
import { appendFileSync, readFileSync } from "node:fs";
import { UsageError } from "../model/errors.js";
import type { PlanHeader } from "../render/plan-markdown.js";
import { err } from "./output.js";

export const inGithubActions = (env: NodeJS.ProcessEnv = process.env): boolean => env["GITHUB_ACTIONS"] === "true";

/** Appends `markdown` to $GITHUB_STEP_SUMMARY in GitHub Actions; does nothing elsewhere. Never throws. */
/** Whether appendStepSummary writes anything: in GitHub Actions, with a step summary file. */
export const stepSummaryWanted = (env: NodeJS.ProcessEnv = process.env): boolean =>
  inGithubActions(env) && (env["GITHUB_STEP_SUMMARY"] ?? "") !== "";

export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env["GITHUB_STEP_SUMMARY"];
  if (!stepSummaryWanted(env) || file === undefined) return;
  try {
    appendFileSync(file, markdown.endsWith("\n") ? `${markdown}\n` : `${markdown}\n\n`);
  } catch (e) {
    err(`warning: could not append to the step summary ${file}: ${(e as Error).message}`);
  }
}

/** An action input as the runner passes it (INPUT_<NAME>), trimmed; "" when not given. */
export const actionInput = (name: string, env: NodeJS.ProcessEnv = process.env): string =>
  (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();

/** Space-separated words, as the inputs `paths` and `args` are documented (no quoting). */
const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");

/** The CLI arguments for the inputs: command, paths, --format when given, then args. */
export function cliArguments(env: NodeJS.ProcessEnv = process.env): string[] {
  const command = actionInput("command", env) || "plan";
  const format = actionInput("format", env);
  return [
    command,
    ...words(actionInput("paths", env)),
    ...(format !== "" ? ["--format", format] : []),
    ...words(actionInput("args", env)),
  ];
}

/** The file named by --out / -o / --out=FILE in the arguments, or "". */
export function planFileOf(args: readonly string[]): string {
  let file = "";
  args.forEach((a, i) => {
    if ((a === "--out" || a === "-o") && args[i + 1] !== undefined) file = args[i + 1]!;
    else if (a.startsWith("--out=")) file = a.slice("--out=".length);
  });
  return file;
}

/** Appends `name=value` lines to $GITHUB_OUTPUT (values are single-line paths and words). */
export function setOutputs(outputs: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): void {
  const file = env["GITHUB_OUTPUT"];
  if (file === undefined || file === "") return;
  appendFileSync(
    file,
    Object.entries(outputs)
      .map(([k, v]) => `${k}=${v.replace(/[\r\n]/g, " ")}\n`)
      .join(""),
  );
}

/** The workflow run's link in Actions (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT). */
export function runLink(env: NodeJS.ProcessEnv = process.env): { label: string; url: string } | undefined {
  const [server, repo, id] = [env["GITHUB_SERVER_URL"], env["GITHUB_REPOSITORY"], env["GITHUB_RUN_ID"]];
  if (!inGithubActions(env) || !server || !repo || !id) return undefined;
  const attempt = Number(env["GITHUB_RUN_ATTEMPT"] ?? "1");
  return attempt > 1
    ? { label: `run ${id}, attempt ${attempt}`, url: `${server}/${repo}/actions/runs/${id}/attempts/${attempt}` }
    : { label: `run ${id}`, url: `${server}/${repo}/actions/runs/${id}` };
}

/** Reads a list of repository-relative paths, one a line (e.g. `git diff --name-only`). */
function readPathList(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(
      `cannot read --changed-files ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

/**
 * The plan comment's header: --commit (in Actions default $GITHUB_SHA), the run link in Actions,
 * --changed-files. Undefined outside Actions when neither flag is given (the plan starts with its
 * summary, as before).
 */
export function planHeader(
  options: { readonly commit?: string; readonly changedFiles?: string },
  env: NodeJS.ProcessEnv = process.env,
): PlanHeader | undefined {
  const actions = inGithubActions(env);
  if (!actions && options.commit === undefined && options.changedFiles === undefined) return undefined;
  const sha = options.commit ?? (actions ? env["GITHUB_SHA"] : undefined);
  const [server, repo] = [env["GITHUB_SERVER_URL"], env["GITHUB_REPOSITORY"]];
  const run = runLink(env);
  return {
    ...(sha
      ? { commit: { sha, ...(actions && server && repo ? { url: `${server}/${repo}/commit/${sha}` } : {}) } }
      : {}),
    ...(run !== undefined ? { run } : {}),
    ...(options.changedFiles !== undefined ? { changedFiles: readPathList(options.changedFiles) } : {}),
  };
}

/** Where the full plan is, for the note of a cut comment: the run's job summary, the saved plan. */
export function fullPlanWhere(inSummary: boolean, saved: string | undefined, env: NodeJS.ProcessEnv = process.env) {
  const run = runLink(env);
  const places = [
    inSummary && run !== undefined ? `the job summary of [${run.label}](${run.url})` : "",
    saved !== undefined ? `the saved plan \`${saved}\` (\`cordon show ${saved}\`)` : "",
  ].filter((p) => p !== "");
  return places.length > 0
    ? `The full plan is in ${places.join(" and in ")}.`
    : "Run `cordon plan` (text) for the full plan.";
}
