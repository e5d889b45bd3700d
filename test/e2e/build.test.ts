// The build and the CLI side by side: `npx cordon …` inside the repository never rebuilds or
// deletes dist/ (there is no `prepare` script for npm to run when it installs the repository into
// its npx cache), and a build writes atomically, so CLI runs during two concurrent builds always
// find dist/cordon.js and its chunks.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, makeTmp, ROOT, type Run, requireCli, runCli } from "./helpers.js";

const tmp = makeTmp("cordon-build-e2e-");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> =>
  new Promise((resolve) => {
    execFile(file, [...args], { cwd: ROOT, env, encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
    });
  });

describe("build and CLI", () => {
  it("CLI runs during two concurrent builds never miss dist/cordon.js or a chunk", async () => {
    requireCli();
    const builds = [run(process.execPath, ["scripts/build.mjs"]), run(process.execPath, ["scripts/build.mjs"])];
    let building = true;
    const done = Promise.all(builds).finally(() => {
      building = false;
    });
    const runs: Run[] = [];
    let missing = 0;
    // `validate` loads the policy chunks, not only the entry point.
    const env = { PATH: process.env["PATH"], HOME: tmp, NO_COLOR: "1" };
    while (building || runs.length < 3) {
      if (!existsSync(CLI)) missing++;
      runs.push(await runCli(["validate", "examples/cats-eyes/policies"], { env, cwd: ROOT }));
    }
    const results = await done;
    expect(results.map((r) => [r.status, r.stderr])).toEqual([
      [0, ""],
      [0, ""],
    ]);
    expect(missing).toBe(0);
    const failed = runs.filter((r) => r.status !== 0);
    expect(failed.map((r) => r.stderr)).toEqual([]);
    expect(existsSync(CLI)).toBe(true);
    // No staging directory is left behind.
    expect(readdirSync(ROOT).filter((f) => f.startsWith(".dist-build-"))).toEqual([]);
  }, 120_000);

  it("`npx cordon --version` in the repository runs the built CLI without rebuilding it (dist/cordon.js untouched)", async () => {
    requireCli();
    const before = statSync(CLI).mtimeMs;
    // A fresh npm cache: npx installs the repository into it, as on a first run (when npm would
    // run a `prepare` script). Offline: nothing is fetched.
    const env = {
      ...process.env,
      npm_config_cache: join(tmp, "npm-cache"),
      npm_config_offline: "true",
      npm_config_update_notifier: "false",
      npm_config_yes: "true",
    };
    const r = await run("npx", ["cordon", "--version"], env);
    expect([r.status, r.stdout.trim()]).toEqual([0, VERSION]);
    expect(r.stdout + r.stderr).not.toContain("build.mjs");
    expect(statSync(CLI).mtimeMs).toBe(before);
  }, 120_000);
});
