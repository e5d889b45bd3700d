// GitHub Actions integration: when GITHUB_ACTIONS=true, plans and drift reports are also appended
// (markdown) to the job's step summary file, $GITHUB_STEP_SUMMARY.
import { appendFileSync } from "node:fs";
import { err } from "./output.js";

export const inGithubActions = (env: NodeJS.ProcessEnv = process.env): boolean => env["GITHUB_ACTIONS"] === "true";

/** Appends `markdown` to $GITHUB_STEP_SUMMARY in GitHub Actions; does nothing elsewhere. Never throws. */
export function appendStepSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env["GITHUB_STEP_SUMMARY"];
  if (!inGithubActions(env) || file === undefined || file === "") return;
  try {
    appendFileSync(file, markdown.endsWith("\n") ? `${markdown}\n` : `${markdown}\n\n`);
  } catch (e) {
    err(`warning: could not append to the step summary ${file}: ${(e as Error).message}`);
  }
}
