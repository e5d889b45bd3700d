#!/usr/bin/env node
// The CLI entry point and the one place where errors become exit codes:
//   0 success / no changes, 1 error, 2 changes or drift present (when the command's flag asks for it).
// Each command lives in src/cli/commands/<name>.ts and exports `register(program)`; its action
// resolves to the exit code.
import { Command, CommanderError } from "commander";
import { CordonError } from "../model/errors.js";
import { safeOutput, term } from "../render/safe-text.js";
import { registerCommands } from "./commands/index.js";
import { disableColour, err, stderrStyle } from "./output.js";
import { VERSION } from "./version.js";

/** The program with its commands: only the one `argv` runs when it names one (src/cli/commands/index.ts). */
export async function buildProgram(setExit: (code: number) => void, argv?: readonly string[]): Promise<Command> {
  const program = new Command();
  program
    .name("cordon")
    .description("Network-security monitoring policy as code for AWS: flow logs, Athena, NACL and WAF blocks.")
    .version(VERSION, "-v, --version")
    .option("--no-color", "no colour in the output, whatever the terminal (as NO_COLOR=1 does); any command")
    .configureHelp({ showGlobalOptions: true })
    .hook("preAction", (root) => {
      if (root.opts()["color"] === false) disableColour();
    })
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      [
        "",
        "Run `cordon <command> --help` for a command's options.",
        "First steps: `cordon validate examples/cats-eyes`, then `cordon demo` (no AWS account needed).",
        "",
        "Exit codes: 0 success or no changes, 1 error, 2 changes present (plan --detailed-exitcode).",
        "Policy paths default to policies/; AWS settings come from the standard AWS configuration.",
        "Colour: on a terminal, unless --no-color is given or NO_COLOR is set; FORCE_COLOR=1 forces it.",
      ].join("\n"),
    )
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(safeOutput(s)),
      writeOut: (s) => process.stdout.write(safeOutput(s)),
    });
  await registerCommands(program, setExit, argv);
  return program;
}

export function reportError(e: unknown): number {
  const s = stderrStyle();
  if (e instanceof CommanderError) {
    // commander already printed its message (unknown option, missing argument, --help, --version).
    return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0 ? 0 : 1;
  }
  if (e instanceof CordonError) {
    // A message may run over lines (Cordon's own): each line shown, data escaped (docs/output-safety.md).
    const lines = (t: string) => t.split("\n").map(term).join("\n  ");
    err(`${s.red(s.bold("Error:"))} ${lines(e.message)}`);
    for (const d of e.details) err(`  ${lines(d)}`);
    // Interrupted (Ctrl-C): the shell's convention for SIGINT.
    return e.code === "CANCELLED" ? 130 : 1;
  }
  const message = e instanceof Error ? e.message : String(e);
  err(`${s.red(s.bold("Internal error:"))} ${term(message)}`);
  err("This is a bug in Cordon. Re-run with CORDON_DEBUG=1 for a stack trace and report it.");
  if (process.env["CORDON_DEBUG"] && e instanceof Error && e.stack) err(e.stack);
  return 1;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  try {
    const program = await buildProgram((c) => {
      code = c;
    }, argv);
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    return reportError(e);
  }
}

const invokedDirectly = process.argv[1] !== undefined && /cordon(\.js|\.ts)?$|main\.(js|ts)$/.test(process.argv[1]);
if (invokedDirectly) {
  // A reader that goes away early (`cordon schema | head`) is no reason for a stack trace: stop
  // quietly with the exit code so far. Any other failure to write output is exit 1.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      process.exit(e.code === "EPIPE" ? (process.exitCode ?? 0) : 1);
    });
  }
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.exitCode = reportError(e);
    },
  );
}
