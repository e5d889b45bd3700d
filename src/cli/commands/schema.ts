// cordon schema [policy|policy-set]: prints a JSON Schema (for editors, CI and other tools): the
// policy language (default), or the policy-set file cordon.yaml.
import { Argument, type Command } from "commander";
import { POLICY_SCHEMA, POLICY_SET_SCHEMA } from "../../policy/schema.js";
import { out } from "../output.js";
import type { SetExit } from "./index.js";

const SCHEMAS = { policy: POLICY_SCHEMA, "policy-set": POLICY_SET_SCHEMA } as const;

export function register(program: Command, setExit: SetExit): void {
  program
    .command("schema")
    .summary("print the policy JSON Schema")
    .description(
      "Print the JSON Schema (2020-12) of the policy language, or with `policy-set` of the policy-set file\n" +
        "cordon.yaml. Point yaml-language-server at it with\n" +
        "  # yaml-language-server: $schema=<path or URL of the schema>\n" +
        "as the first line of a policy file to get completion and inline documentation.",
    )
    .addArgument(new Argument("[which]", "which schema").choices(Object.keys(SCHEMAS)).default("policy"))
    .addHelpText(
      "after",
      "\nExamples:\n  $ cordon schema > policy.schema.json\n  $ cordon schema policy-set > policy-set.schema.json",
    )
    .action((which: keyof typeof SCHEMAS) => {
      out(JSON.stringify(SCHEMAS[which], null, 2));
      setExit(0);
    });
}
