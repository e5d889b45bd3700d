// The command list. Each command module exports `register(program, setExit)`.
import type { Command } from "commander";
import { register as registerSandbox } from "./sandbox.js";

export type SetExit = (code: number) => void;

export function registerCommands(program: Command, setExit: SetExit): void {
  registerSandbox(program, setExit);
}
