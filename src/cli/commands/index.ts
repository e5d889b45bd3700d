// The command list. Each command module exports `register(program, setExit)`.
import type { Command } from "commander";

export type SetExit = (code: number) => void;

export function registerCommands(_program: Command, _setExit: SetExit): void {}
