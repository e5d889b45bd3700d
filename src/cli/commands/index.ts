// The command list. Each command module exports `register(program, setExit)`.
import type { Command } from "commander";
import { register as registerSchema } from "./schema.js";
import { register as registerValidate } from "./validate.js";

export type SetExit = (code: number) => void;

export function registerCommands(program: Command, setExit: SetExit): void {
  registerValidate(program, setExit);
  registerSchema(program, setExit);
}
