// The command list (src/cli/commands/index.ts): a command's run loads that command's module alone,
// so each entry's name must be the command its module registers; help and unknown names load all.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMMAND_MODULES, invokedCommand, registerCommands } from "../../../src/cli/commands/index.js";

describe("the command list", () => {
  it("names, for each module, the command it registers, in the order of cordon --help", async () => {
    for (const [name, load] of COMMAND_MODULES) {
      const program = new Command();
      (await load()).register(program, () => {});
      expect(program.commands.map((c) => c.name())).toEqual([name]);
    }
    const all = new Command();
    await registerCommands(all, () => {});
    expect(all.commands.map((c) => c.name())).toEqual(COMMAND_MODULES.map(([name]) => name));
  });

  it("loads only the command the arguments run", async () => {
    expect(invokedCommand(["plan", "policies/", "--format", "json"])).toBe("plan");
    expect(invokedCommand(["--no-color", "apply", "plan.json"])).toBe("apply");
    expect(invokedCommand(["force-unlock"])).toBe("force-unlock");
    const program = new Command();
    await registerCommands(program, () => {}, ["query", "top-talkers"]);
    expect(program.commands.map((c) => c.name())).toEqual(["query"]);
  });

  it("loads every command for help, the version, no command or an unknown one", () => {
    for (const argv of [
      [],
      ["--help"],
      ["-h"],
      ["help", "plan"],
      ["--version"],
      ["plna"],
      ["--", "plan"],
      ["-v", "plan"],
    ]) {
      expect(invokedCommand(argv), argv.join(" ")).toBeUndefined();
    }
  });
});
