// The command list. Each command module exports `register(program, setExit)`.
import type { Command } from "commander";
import { register as registerApply } from "./apply.js";
import { register as registerDemo } from "./demo.js";
import { register as registerDrift } from "./drift.js";
import { register as registerForceUnlock } from "./force-unlock.js";
import { register as registerIam } from "./iam.js";
import { register as registerInvestigate } from "./investigate.js";
import { register as registerPlan } from "./plan.js";
import { register as registerQuery } from "./query.js";
import { register as registerSandbox } from "./sandbox.js";
import { register as registerSchema } from "./schema.js";
import type { SetExit } from "./set-exit.js";
import { register as registerShow } from "./show.js";
import { register as registerValidate } from "./validate.js";
import { register as registerWatch } from "./watch.js";

export function registerCommands(program: Command, setExit: SetExit): void {
  registerValidate(program, setExit);
  registerSchema(program, setExit);
  registerPlan(program, setExit);
  registerApply(program, setExit);
  registerShow(program, setExit);
  registerSandbox(program, setExit);
  registerDemo(program, setExit);
  registerDrift(program, setExit);
  registerForceUnlock(program, setExit);
  registerWatch(program, setExit);
  registerIam(program, setExit);
  registerInvestigate(program, setExit);
  registerQuery(program, setExit);
}
