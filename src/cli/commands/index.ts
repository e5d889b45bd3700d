// The command list. Each command module exports `register(program, setExit)`.
// The modules are loaded with dynamic import(), so that a command compiles only its own code: when
// the arguments name a command, only that command's module is loaded and registered (its help, its
// options and its errors are the same with or without the others); otherwise (`--help`, `help`, no
// command, an unknown or misspelt one) every command is, in the order of this list
// (docs/performance.md, "A third pass").
import type { Command } from "commander";
import type { SetExit } from "./set-exit.js";

type CommandModule = { register(program: Command, setExit: SetExit): void };

/** Every command, in the order `cordon --help` lists them. */
export const COMMAND_MODULES: ReadonlyArray<readonly [name: string, load: () => Promise<CommandModule>]> = [
  ["validate", () => import("./validate.js")],
  ["schema", () => import("./schema.js")],
  ["plan", () => import("./plan.js")],
  ["apply", () => import("./apply.js")],
  ["show", () => import("./show.js")],
  ["sandbox", () => import("./sandbox.js")],
  ["demo", () => import("./demo.js")],
  ["drift", () => import("./drift.js")],
  ["force-unlock", () => import("./force-unlock.js")],
  ["watch", () => import("./watch.js")],
  ["iam", () => import("./iam.js")],
  ["investigate", () => import("./investigate.js")],
  ["query", () => import("./query.js")],
];

/** The root options that take no value and may come before the command's name. */
const LEADING_FLAGS: ReadonlySet<string> = new Set(["--no-color"]);

/**
 * The command the arguments run, when they name one of the list before anything else (the root's
 * flags aside); undefined when commander must see every command (help, version, an unknown name).
 */
export function invokedCommand(argv: readonly string[]): string | undefined {
  for (const arg of argv) {
    if (LEADING_FLAGS.has(arg)) continue;
    return COMMAND_MODULES.some(([name]) => name === arg) ? arg : undefined;
  }
  return undefined;
}

/** Registers the command `argv` runs, or every command when it names none. */
export async function registerCommands(program: Command, setExit: SetExit, argv?: readonly string[]): Promise<void> {
  const only = argv === undefined ? undefined : invokedCommand(argv);
  const wanted = only === undefined ? COMMAND_MODULES : COMMAND_MODULES.filter(([name]) => name === only);
  const modules = await Promise.all(wanted.map(([, load]) => load()));
  for (const m of modules) m.register(program, setExit);
}
