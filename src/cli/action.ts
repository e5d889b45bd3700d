// The GitHub Action (action.yml, `runs.using: node24`). Shipped as ONE bundled file,
// dist-action/index.js, built by scripts/build-action.mjs and committed: using the action installs
// and builds nothing. The same file is both the action and the CLI it runs: the action starts
// itself again with CORDON_ACTION_CLI=1 to run `cordon <command> <paths> [--format F] <args>`, copies
// the child's stdout to the job log and to an output file, and sets the step's outputs (exitcode,
// has-changes, output-file, plan-file). Exit code 2 (changes or drift present) is an answer, not a
// failure: the step succeeds and the workflow decides. The CLI itself adds outputs in Actions
// (audit-record after an apply, see github.ts).
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliArguments, planFileOf, setOutputs } from "./github.js";
import { main } from "./main.js";

async function runAction(): Promise<number> {
  const args = cliArguments();
  const env = process.env;
  const outFile = join(
    env["RUNNER_TEMP"] || tmpdir(),
    `cordon-${args[0]}-${env["GITHUB_RUN_ID"] ?? "local"}-${env["GITHUB_RUN_ATTEMPT"] ?? "1"}.out`,
  );
  const sink = createWriteStream(outFile);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [process.argv[1]!, ...args], {
      env: { ...env, CORDON_ACTION_CLI: "1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.stdout.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      sink.write(chunk);
    });
    child.on("error", (e) => {
      process.stderr.write(`::error::cannot run cordon: ${e.message}\n`);
      resolve(1);
    });
    child.on("close", (status) => resolve(status ?? 1));
  });
  await new Promise<void>((resolve) => sink.end(resolve));
  setOutputs({
    exitcode: String(code),
    "has-changes": code === 2 ? "true" : "false",
    "output-file": outFile,
    "plan-file": planFileOf(args),
  });
  if (code === 0 || code === 2) return 0;
  process.stderr.write(`::error::cordon ${args[0]} failed with exit code ${code}\n`);
  return code;
}

if (process.env["CORDON_ACTION_CLI"] === "1") {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
} else {
  runAction().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`::error::${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
