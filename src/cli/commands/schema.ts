// cordon schema: prints the policy JSON Schema (for editors, CI and other tools).
import type { Command } from "commander";
import { POLICY_SCHEMA } from "../../policy/schema.js";
import { out } from "../output.js";
import type { SetExit } from "./set-exit.js";

export function register(program: Command, setExit: SetExit): void {
  program
    .command("schema")
    .summary("print the policy JSON Schema")
    .description(
      "Print the JSON Schema (2020-12) of the policy language. Point yaml-language-server at it with\n" +
        "  # yaml-language-server: $schema=<path or URL of the schema>\n" +
        "as the first line of a policy file to get completion and inline documentation.",
    )
    .addHelpText("after", "\nExample:\n  $ cordon schema > policy.schema.json")
    .action(() => {
      out(JSON.stringify(POLICY_SCHEMA, null, 2));
      setExit(0);
    });
}
