// cordon show plan.json [--format text|markdown|json]: renders a saved plan, so whoever approves
// an apply sees what they approve. No AWS call. The file's digest is checked: a file edited after
// it was made (or without a digest) is still shown, with a warning on stderr and at the top of the
// rendered view, and the command exits 1 (apply would refuse it). json prints the file's document
// as it is (with its recorded digest), never re-rendered.
import { type Command, Option } from "commander";
import { renderPlanMarkdown } from "../../render/plan-markdown.js";
import { requireWellFormedPlan } from "../../render/plan-schema.js";
import { planTextChunks } from "../../render/plan-text.js";
import { jsonSafe, mdText, term } from "../../render/safe-text.js";
import { err, out, outChunks, stderrStyle, stdoutStyle } from "../output.js";
import { integrityProblem, readSavedPlan, type SavedPlan } from "../saved-plan.js";
import { PLAN_FORMATS, type PlanFormat } from "./plan.js";
import type { SetExit } from "./set-exit.js";

interface ShowOptions {
  readonly format: PlanFormat;
}

const APPLY_NOTE = "cordon apply makes this plan again from the policies and AWS and applies it only if it is equal";

/** One line naming what the file is: when, by which Cordon, for which day and policies, its digest. */
function provenance(saved: SavedPlan): string {
  const d = saved.doc;
  const parts = [
    `made ${d.createdAt} by Cordon ${d.cordonVersion}`,
    ...(d.today !== undefined ? [`for ${d.today}`] : []),
    ...(d.policyPaths !== undefined ? [`from ${d.policyPaths.join(" ")}`] : []),
    ...(d.only !== undefined ? [`--target ${d.only.join(" --target ")}`] : []),
  ];
  const digest =
    saved.integrity.status === "intact" ? `digest ${saved.integrity.digest.slice(0, 12)} (matches the content)` : null;
  return `Saved plan ${saved.file}: ${parts.join(", ")}${digest === null ? "" : `; ${digest}`}.`;
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("show")
    .summary("render a saved plan file (no AWS call)")
    .description(
      "Render a plan saved with `cordon plan --out`, as text, markdown or its JSON document, so whoever " +
        "approves `cordon apply plan.json` sees what they approve. Checks the file's digest: a file edited " +
        "after it was made is shown with a warning (stderr and the top of the output) and exit code 1. " +
        "Reads only the file: no AWS call, no policy read.",
    )
    .argument("<plan-file>", "a plan file written by cordon plan --out")
    .addOption(new Option("-f, --format <format>", "output format").choices(PLAN_FORMATS).default("text"))
    .addHelpText(
      "after",
      [
        "",
        "Exit codes: 0 shown, 1 the file was edited after it was made (shown anyway, with a warning) or unreadable.",
        "",
        "Examples:",
        "  $ cordon plan --out plan.json && cordon show plan.json",
        "  $ cordon show plan.json --format markdown > plan.md",
        "  $ cordon show plan.json --format json | jq '.changes[] | select(.action != \"no-op\") | .address'",
      ].join("\n"),
    )
    .action(async (file: string, options: ShowOptions) => {
      const saved = readSavedPlan(file);
      const problem = integrityProblem(saved);
      const warning =
        problem === null
          ? null
          : `WARNING: ${problem}. What follows is not what cordon plan wrote; cordon apply refuses this file.`;
      if (warning !== null) {
        const s = stderrStyle();
        err(s.red(s.bold(term(warning))));
      }
      requireWellFormedPlan(saved.doc, file);
      switch (options.format) {
        case "text": {
          const s = stdoutStyle();
          const head = [term(provenance(saved)), `${APPLY_NOTE}.`, ""];
          if (warning !== null) head.unshift(s.red(s.bold(term(warning))), "");
          // Written as it is rendered, as cordon plan writes it (docs/performance.md).
          out(`${head.join("\n")}\n`);
          await outChunks(planTextChunks(saved.doc, s));
          break;
        }
        case "markdown": {
          const md = renderPlanMarkdown(saved.doc);
          const [marker, ...rest] = md.split("\n");
          const head = [
            ...(warning === null ? [] : [`> [!CAUTION]\n> **${mdText(warning)}**`, ""]),
            `> ${mdText(provenance(saved))} ${APPLY_NOTE}.`,
            "",
          ];
          out([marker, ...head, ...rest].join("\n"));
          break;
        }
        case "json":
          // The file as written, with any raw control, bidi or separator character in its strings as a \u escape.
          out(jsonSafe(saved.text));
          break;
      }
      setExit(warning === null ? 0 : 1);
    });
}
