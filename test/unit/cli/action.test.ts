// action.yml's run step, executed with bash against a stand-in for the CLI: arguments are passed
// as documented, exit code 2 is an answer (step succeeds, has-changes=true), 1 fails the step, and
// the outputs (exitcode, has-changes, output-file, plan-file) are written to $GITHUB_OUTPUT.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Step {
  readonly id?: string;
  readonly run?: string;
}
const action = parse(readFileSync("action.yml", "utf8")) as {
  runs: { using: string; steps: Step[] };
  outputs: Record<string, unknown>;
};
const script = action.runs.steps.find((s) => s.id === "run")?.run ?? "";
const tmp = mkdtempSync(join(tmpdir(), "cordon-action-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function runStep(inputs: { command: string; paths: string; format: string; args: string }, exitCode: number) {
  const fake = join(tmp, "fake-cordon.mjs");
  writeFileSync(fake, `console.log(JSON.stringify(process.argv.slice(2))); process.exit(${exitCode});\n`);
  const output = join(tmp, `output-${exitCode}-${inputs.command}`);
  writeFileSync(output, "");
  const r = spawnSync("bash", ["-e", "-c", script], {
    encoding: "utf8",
    env: {
      PATH: process.env["PATH"],
      RUNNER_TEMP: tmp,
      GITHUB_RUN_ID: "7",
      GITHUB_RUN_ATTEMPT: "1",
      GITHUB_OUTPUT: output,
      CORDON_COMMAND: inputs.command,
      CORDON_PATHS: inputs.paths,
      CORDON_FORMAT: inputs.format,
      CORDON_ARGS: inputs.args,
      CORDON_BIN: fake,
    },
  });
  const outputs = Object.fromEntries(
    readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { status: r.status, argv: JSON.parse(r.stdout.trim().split("\n")[0] ?? "[]") as string[], outputs };
}

describe("action.yml", () => {
  it("is a composite action with the documented outputs", () => {
    expect(action.runs.using).toBe("composite");
    expect(Object.keys(action.outputs).sort()).toEqual(["exitcode", "has-changes", "output-file", "plan-file"]);
  });

  const cases = [
    {
      reason: "a plan with changes: exit 2 is an answer, not a failure",
      inputs: {
        command: "plan",
        paths: "policies/ more/",
        format: "markdown",
        args: "--detailed-exitcode --out plan.json",
      },
      code: 2,
      status: 0,
      argv: ["plan", "policies/", "more/", "--format", "markdown", "--detailed-exitcode", "--out", "plan.json"],
      outputs: { exitcode: "2", "has-changes": "true", "plan-file": "plan.json" },
    },
    {
      reason: "no format given: none passed; no --out: no plan file",
      inputs: { command: "apply", paths: "plan.json", format: "", args: "--lock-timeout 10m" },
      code: 0,
      status: 0,
      argv: ["apply", "plan.json", "--lock-timeout", "10m"],
      outputs: { exitcode: "0", "has-changes": "false", "plan-file": "" },
    },
    {
      reason: "an error fails the step, and the outputs are still written",
      inputs: { command: "drift", paths: "policies/", format: "json", args: "--out=x.json" },
      code: 1,
      status: 1,
      argv: ["drift", "policies/", "--format", "json", "--out=x.json"],
      outputs: { exitcode: "1", "has-changes": "false", "plan-file": "x.json" },
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const r = runStep(c.inputs, c.code);
      expect(r.status).toBe(c.status);
      expect(r.argv).toEqual(c.argv);
      expect(r.outputs).toMatchObject(c.outputs);
      expect(readFileSync(r.outputs["output-file"] as string, "utf8")).toContain(JSON.stringify(c.argv));
    });
  }
});
