// cordon validate [paths...]: offline policy checks. Never touches AWS (nor loads the SDK).
// Exit 0 when there is no error (warnings allowed), 1 when there is at least one.
import { type Command, Option } from "commander";
import { UsageError } from "../../model/errors.js";
import { loadAndValidate, todayUtc } from "../../policy/index.js";
import { isCalendarDate } from "../../policy/validate.js";
import {
  chooseFormat,
  DIAGNOSTICS_FORMATS,
  type DiagnosticsFormat,
  renderDiagnostics,
} from "../../render/diagnostics.js";
import { out, outCommands, stdoutStyle } from "../output.js";
import type { SetExit } from "./set-exit.js";

export const DEFAULT_POLICY_PATH = "policies/";

interface ValidateOptions {
  readonly format?: DiagnosticsFormat;
  readonly today?: string;
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("validate")
    .summary("check policy files offline (schema and semantic checks)")
    .description(
      "Check policy files without calling AWS: schema and semantic checks, every problem reported at " +
        "file:line:column with a JSON pointer. Directories are searched recursively for *.yaml and *.yml. " +
        "The policy set file (cordon.yaml, found by walking up from each path) is checked too.",
    )
    .argument("[paths...]", `policy files or directories (default: ${DEFAULT_POLICY_PATH})`)
    .addOption(
      new Option(
        "-f, --format <format>",
        "output format (default: github when GITHUB_ACTIONS=true, else text)",
      ).choices(DIAGNOSTICS_FORMATS),
    )
    .option("--today <date>", "judge expiry and projection dates as of this day, YYYY-MM-DD (default: today, UTC)")
    .addHelpText(
      "after",
      [
        "",
        "Exit codes: 0 no errors (warnings allowed), 1 at least one error.",
        "",
        "Examples:",
        "  $ cordon validate",
        "  $ cordon validate examples/cats-eyes",
        "  $ cordon validate policies/ --format json",
      ].join("\n"),
    )
    .action((paths: string[], options: ValidateOptions) => {
      const today = options.today ?? todayUtc();
      if (!isCalendarDate(today)) throw new UsageError(`--today must be a date written YYYY-MM-DD (got "${today}").`);
      // Validating changes nothing: paths of several policy sets are fine, each cordon.yaml is checked.
      const result = loadAndValidate(paths.length > 0 ? paths : [DEFAULT_POLICY_PATH], { today, mixedSets: true });
      const format = chooseFormat(options.format);
      const report = { diagnostics: result.diagnostics, files: result.files.length, policies: result.policies.length };
      const text = renderDiagnostics(report, format, stdoutStyle());
      if (format === "github") outCommands(text);
      else out(text);
      setExit(result.diagnostics.some((d) => d.severity === "error") ? 1 : 0);
    });
}
