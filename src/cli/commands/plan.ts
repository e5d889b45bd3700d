// cordon plan [paths...]: read live AWS, diff it against the policies, print the plan. Read-only:
// it never calls a mutating AWS API. --out saves the plan document for `cordon apply plan.json`.
// Exit codes: 0 success (with --detailed-exitcode: no changes), 2 changes present (only with
// --detailed-exitcode), 1 error.
import { writeFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { IoError } from "../../model/errors.js";
import type { PlanDocument } from "../../model/plan.js";
import { isEmptyPlan } from "../../model/plan.js";
import type { Shard } from "../../policy/shard.js";
import { renderPlanJson } from "../../render/plan-json.js";
import { type MarkdownOptions, renderPlanMarkdown, STEP_SUMMARY_LIMIT } from "../../render/plan-markdown.js";
import { planTextPieces, renderPlanText } from "../../render/plan-text.js";
import { term } from "../../render/safe-text.js";
import { appendStepSummary, fullPlanWhere, planHeader, stepSummaryWanted } from "../github.js";
import { err, out, outPieces, stdoutStyle } from "../output.js";
import { addShardOption, DEFAULT_POLICY_PATH, makePlan, policyPaths, todayOption } from "../policy-input.js";
import type { SetExit } from "./set-exit.js";

export const PLAN_FORMATS = ["text", "markdown", "json"] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

interface PlanOptions {
  readonly out?: string;
  readonly format: PlanFormat;
  readonly detailedExitcode?: boolean;
  readonly target?: string[];
  readonly today?: string;
  readonly shard?: Shard;
  readonly commit?: string;
  readonly changedFiles?: string;
}

export function renderPlan(plan: PlanDocument, format: PlanFormat, markdown: MarkdownOptions = {}): string {
  switch (format) {
    case "text":
      return renderPlanText(plan, stdoutStyle());
    case "markdown":
      return renderPlanMarkdown(plan, markdown);
    case "json":
      return renderPlanJson(plan);
  }
}

export function writePlanFile(file: string, plan: PlanDocument): void {
  try {
    writeFileSync(file, renderPlanJson(plan));
  } catch (e) {
    throw new IoError(`cannot write the plan to ${file}: ${(e as Error).message}`);
  }
}

/** A path as it can be pasted into a shell: bare when it is plain, else single-quoted. */
const shellWord = (s: string): string => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** What `plan --out FILE` says after the plan: where it went and how to apply exactly that plan. */
export function savedPlanHint(file: string, plan: PlanDocument): string {
  const where = `Saved the plan to ${term(file)}`;
  if (isEmptyPlan(plan.summary)) return `${where}: it has no changes to apply.`;
  return `${where}. To apply exactly this plan: cordon apply ${term(shellWord(file))}`;
}

export function register(program: Command, setExit: SetExit): void {
  const command = program.command("plan");
  addShardOption(command);
  command
    .summary("show what apply would change in AWS (read-only)")
    .description(
      "Read live AWS, compare it with the policies and print the changes that apply would make. " +
        "Read-only: never calls a mutating AWS API. Something found in place that is not Cordon's " +
        "(a bucket, Glue database or table, web ACL or IP set of the policy's names, entries in the " +
        "NACL rule band, Cordon-prefixed bucket-policy statements it did not write) is an error " +
        "naming the choices, unless the policy says adopt: true (then the plan shows the adoption). " +
        "Resources of policies that are not loaded are left alone (a note lists them); a removed policy's " +
        "resources are deleted only when the whole policy set (the directory holding cordon.yaml) is loaded. " +
        "Uses the standard AWS configuration (credential chain, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL), " +
        "through the policy set's read-only plan role when cordon.yaml declares roles (docs/roles.md).",
    )
    .argument("[paths...]", `policy files or directories (default: ${DEFAULT_POLICY_PATH})`)
    .option(
      "-o, --out <file>",
      "also save the plan document (JSON) for `cordon apply <file>`; says so on stderr, with the command to apply it",
    )
    .addOption(new Option("-f, --format <format>", "output format").choices(PLAN_FORMATS).default("text"))
    .option("--detailed-exitcode", "exit 0 when there are no changes, 2 when there are, 1 on error")
    .option(
      "-t, --target <address>",
      "plan only this resource address or address prefix (and what it depends on); repeatable",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--today <date>", "the day (YYYY-MM-DD, UTC) for expiry dates and queries (default: today)")
    .option(
      "--commit <sha>",
      "markdown header: the commit planned (in GitHub Actions default $GITHUB_SHA; pass the pull request's head)",
    )
    .option(
      "--changed-files <file>",
      "markdown header: a file listing the policy files changed, one a line (e.g. from git diff --name-only)",
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ cordon plan",
        "  $ cordon plan policies/ --format markdown --detailed-exitcode",
        "  $ cordon plan --out plan.json && cordon apply plan.json",
        "  $ cordon plan --target 111122223333/eu-west-1/ec2.flowLog/vpc-0abc",
        "  $ cordon plan policies/ --shard 2/4 --out plan-2.json   # one job of a CI matrix of 4",
        "  $ git diff --name-only origin/main... -- policies/ > changed.txt",
        "  $ cordon plan --format markdown --commit $(git rev-parse HEAD) --changed-files changed.txt",
        "",
        "Markdown header: with --commit or --changed-files, and always in GitHub Actions (GITHUB_ACTIONS=true),",
        "the markdown plan starts with the commit, the workflow run's link, the targets (account/region) and",
        "the policy files changed. In Actions the whole plan also goes to the job summary ($GITHUB_STEP_SUMMARY),",
        "and a comment cut to GitHub's size limit says so (and names the --out file).",
      ].join("\n"),
    )
    .action(async (paths: string[], options: PlanOptions) => {
      const today = todayOption(options.today);
      const run = await makePlan(policyPaths(paths), {
        today,
        ...(options.shard !== undefined ? { shard: options.shard } : {}),
        ...(options.target !== undefined ? { only: options.target } : {}),
      });
      const header = planHeader(options);
      if (options.out !== undefined) writePlanFile(options.out, run.plan);
      // The job summary holds the whole plan when it fits there; the comment's cut note says where it
      // is. Outside Actions there is no summary, and the whole markdown plan is not rendered at all.
      const summary = stepSummaryWanted();
      const whole = summary
        ? renderPlanMarkdown(run.plan, { ...(header ? { header } : {}), limit: Number.MAX_SAFE_INTEGER })
        : undefined;
      const inSummary = whole !== undefined && whole.length <= STEP_SUMMARY_LIMIT;
      const markdown = { ...(header ? { header } : {}), fullPlan: fullPlanWhere(inSummary, options.out) };
      // The text plan piece by piece (a plan of 20,000 changes is never one string); the same bytes.
      if (options.format === "text") outPieces(planTextPieces(run.plan, stdoutStyle()));
      else out(renderPlan(run.plan, options.format, markdown));
      // On stderr, so that stdout stays the plan alone (--format json | jq ...).
      if (options.out !== undefined) err(savedPlanHint(options.out, run.plan));
      if (summary) {
        appendStepSummary(
          whole !== undefined && inSummary
            ? whole
            : renderPlanMarkdown(run.plan, { ...markdown, limit: STEP_SUMMARY_LIMIT }),
        );
      }
      setExit(options.detailedExitcode === true && !isEmptyPlan(run.plan.summary) ? 2 : 0);
    });
}
