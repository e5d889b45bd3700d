// The GitHub Action as GitHub runs it: `node dist-action/index.js` (action.yml, runs.using node24),
// the committed bundle, with its inputs as INPUT_* variables and the runner's GITHUB_* files,
// against an in-process sandbox. The plan's markdown gets the header (commit, run link, targets,
// policy files changed), the job summary gets the whole plan, exit 2 is an answer (the step
// succeeds, has-changes=true), an error fails the step with the outputs still written, and an apply
// sets the audit-record output the post-apply comment quotes. The committed bundle equals a fresh
// build, so it cannot go stale.
import { execFile, spawnSync } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import { PLAN_MARKER } from "../../src/render/plan-markdown.js";
import { ACCOUNT, makeTmp, REGION, ROOT, type Run, sandboxCliEnv, TODAY } from "./helpers.js";

const KEY = "AKIAGITHUBACTIONE2E1";
const BUNDLE = join(ROOT, "dist-action/index.js");
const tmp = makeTmp("cordon-action-");
let sandbox: SandboxHandle;
let step = 0;

interface StepRun extends Run {
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/** One step `uses: <cordon>` with these inputs, in GitHub Actions, run by the bundle. */
function runStep(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<StepRun> {
  step++;
  const output = join(tmp, `output-${step}`);
  const summary = join(tmp, `summary-${step}`);
  writeFileSync(output, "");
  writeFileSync(summary, "");
  const input = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BUNDLE],
      {
        cwd: tmp,
        encoding: "utf8",
        env: {
          ...sandboxCliEnv({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 }),
          GITHUB_ACTIONS: "true",
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: summary,
          GITHUB_SERVER_URL: "https://github.com",
          GITHUB_REPOSITORY: "acme/net",
          GITHUB_RUN_ID: "4242",
          GITHUB_RUN_ATTEMPT: "1",
          GITHUB_SHA: "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
          RUNNER_TEMP: tmp,
          ...input,
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        const outputs = Object.fromEntries(
          readFileSync(output, "utf8")
            .split("\n")
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        resolve({ status, stdout, stderr, outputs, summary: readFileSync(summary, "utf8") });
      },
    );
  });
}

beforeAll(async () => {
  cpSync(join(ROOT, "examples/cats-eyes/policies"), join(tmp, "policies"), { recursive: true });
  writeFileSync(join(tmp, "changed.txt"), "policies/production.yaml\n\npolicies/cordon.yaml\n");
  sandbox = await startSandbox({ seed: join(ROOT, "examples/cats-eyes/estate.yaml") });
  sandbox.control.seed({ accessKeys: { [KEY]: { account: ACCOUNT } } });
});
afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("the action's bundle", () => {
  it("is what `npm run build:action` builds from the sources now (it cannot go stale)", () => {
    const fresh = join(tmp, "fresh/index.js");
    const r = spawnSync(process.execPath, ["scripts/build-action.mjs", fresh], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const same = readFileSync(fresh).equals(readFileSync(BUNDLE));
    expect(same, "dist-action/index.js is stale: run `npm run build:action` and commit it").toBe(true);
  });

  it("validates: exit 0, the outputs written, stdout kept in the output file", async () => {
    const r = await runStep({ command: "validate", paths: "policies/" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({ exitcode: "0", "has-changes": "false", "plan-file": "" });
    expect(readFileSync(r.outputs["output-file"]!, "utf8")).toBe(r.stdout);
    expect(r.stdout).toMatch(/0 errors/);
  });

  it("an error fails the step (exit 1, ::error) and still writes the outputs", async () => {
    const r = await runStep({ command: "plan", paths: "no-such-dir/", args: "--detailed-exitcode" });
    expect(r.status).toBe(1);
    expect(r.outputs).toMatchObject({ exitcode: "1", "has-changes": "false" });
    expect(r.stderr).toContain("::error::cordon plan failed with exit code 1");
    expect(r.stderr).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);
  });

  it("plans: exit 2 is an answer; the comment has the header; the job summary has the whole plan", async () => {
    const r = await runStep({
      command: "plan",
      paths: "policies/",
      format: "markdown",
      args: `--detailed-exitcode --out plan.json --today ${TODAY} --commit bead0000bead0000bead --changed-files changed.txt`,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({ exitcode: "2", "has-changes": "true", "plan-file": "plan.json" });
    const md = readFileSync(r.outputs["output-file"]!, "utf8");
    const lines = md.split("\n");
    expect(lines[0]).toBe(PLAN_MARKER);
    expect(lines[1]).toBe(
      "**Commit** [`bead0000bead`](https://github.com/acme/net/commit/bead0000bead0000bead) · " +
        "**Run** [run 4242](https://github.com/acme/net/actions/runs/4242) · " +
        `**Targets** \`${ACCOUNT}/${REGION}\``,
    );
    expect(lines[3]).toBe("**Policy files changed** `policies/production.yaml`, `policies/cordon.yaml`");
    expect(md).toMatch(/\*\*Plan: \d+ to add/);
    // The job summary holds the whole plan: every change of the saved plan, with its details.
    const doc = JSON.parse(readFileSync(join(tmp, "plan.json"), "utf8")) as PlanDocument;
    const changes = doc.changes.filter((c) => c.action !== "no-op");
    expect(changes.length).toBeGreaterThan(3);
    // Addresses sit inside HTML (<summary><code>), where data characters are entities: read them back.
    const shown = r.summary.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
    for (const c of changes) expect(shown).toContain(c.address);
    expect(r.summary.split("<details>").length - 1).toBe(changes.length);
    expect(r.summary).toContain(lines[1]);
  });

  it("without GitHub Actions and without the flags, the markdown plan has no header (as before)", async () => {
    const r = await runStep(
      { command: "plan", paths: "policies/", format: "markdown", args: `--today ${TODAY}` },
      { GITHUB_ACTIONS: "", GITHUB_STEP_SUMMARY: "" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\n")[1]).toMatch(/^\*\*Plan: /);
  });

  it("a missing --changed-files file is a clear error naming it", async () => {
    const r = await runStep({ command: "plan", paths: "policies/", args: "--changed-files nope.txt" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read --changed-files nope\.txt: ENOENT/);
  });

  it("applies the saved plan and sets audit-record to where the audit record was written", async () => {
    const r = await runStep({ command: "apply", paths: "plan.json", args: "--lock-timeout 10s" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs["exitcode"]).toBe("0");
    expect(r.outputs["audit-record"]).toMatch(/^s3:\/\/[\w.-]+\/cordon\/audit\/\d{4}-\d{2}-\d{2}\/[^\s,]+\.json$/);
    expect(r.stdout).toContain(`→ ${r.outputs["audit-record"]}`);
  });
});
