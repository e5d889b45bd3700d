// Set-up the end-to-end and contract tests share: the built CLI run as a separate process against
// an in-process sandbox, SDK client settings for that sandbox, one-region estates, temp dirs, and
// the request-log filters that tell AWS writes from reads.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Estate, RegionEstate, RequestLogEntry } from "@cordon/sandbox";
import type { PlanDocument } from "../../src/model/plan.js";

export const ROOT = process.cwd();
export const CLI = join(ROOT, "dist/cordon.js");
export const ACCOUNT = "111122223333";
export const REGION = "eu-west-1";
export const TODAY = "2026-11-26";

export interface Run {
  /** Exit code; null when the process was killed by a signal. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Throws unless dist/cordon.js exists (npm test builds it first). */
export function requireCli(): void {
  if (!existsSync(CLI)) throw new Error("dist/cordon.js is missing: run `npm run build` first");
}

/** A fresh directory under the system temp dir; the test file removes it in afterAll. */
export const makeTmp = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** Runs `node dist/cordon.js ...args` asynchronously (an in-process sandbox must keep answering). */
export function runCli(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        env: options.env,
        encoding: "utf8",
        // Plans of thousands of resources (test/e2e/scale.test.ts) print more than the default 1 MiB.
        maxBuffer: 256 << 20,
      },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

export interface SandboxCli {
  /** Working and HOME directory of the CLI; the AWS config files point at missing files in it. */
  readonly tmp: string;
  /** The sandbox's URL (a function: the sandbox starts in beforeAll, after this is set up). */
  readonly endpoint: () => string;
  readonly accessKeyId: string;
  /** AWS_MAX_ATTEMPTS; unset (the SDK's default) when omitted. */
  readonly maxAttempts?: number;
}

/** The environment of a CLI run against the sandbox, isolated from the user's AWS settings. */
export function sandboxCliEnv(o: SandboxCli): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"],
    HOME: o.tmp,
    NO_COLOR: "1",
    AWS_ENDPOINT_URL: o.endpoint(),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: o.accessKeyId,
    AWS_SECRET_ACCESS_KEY: "e2e-secret",
    ...(o.maxAttempts === undefined ? {} : { AWS_MAX_ATTEMPTS: String(o.maxAttempts) }),
    AWS_CONFIG_FILE: join(o.tmp, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(o.tmp, "no-credentials"),
  };
}

/** A `cordon(args, env?)` runner against the sandbox, in `o.tmp`; `env` overrides single variables. */
export const cordonRunner =
  (o: SandboxCli) =>
  (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> =>
    runCli(args, { cwd: o.tmp, env: { ...sandboxCliEnv(o), ...env } });

/** SDK client settings for reaching the sandbox as `accessKeyId` (the sandbox does not check secrets). */
export const sandboxClientConfig = (endpoint: string, accessKeyId: string) => ({
  region: REGION,
  endpoint,
  credentials: { accessKeyId, secretAccessKey: "x" },
});

/** An estate of one account (the default one) with one region. */
export const oneRegionEstate = (region: RegionEstate): Estate => ({
  defaultAccount: ACCOUNT,
  accounts: { [ACCOUNT]: { regions: { [REGION]: region } } },
});

type Request = Pick<RequestLogEntry, "service" | "operation">;

/** Anything but a Describe/Get/List/Head call: a request that may change AWS. */
export const isMutating = (q: Request): boolean => !/^(Describe|Get|List|Head)/.test(q.operation);

/**
 * A mutating request that is not one of Cordon's own S3 objects (apply lock, audit and applied
 * records under cordon/): a change to a resource Cordon manages or observes.
 */
export const isResourceWrite = (q: Request): boolean =>
  isMutating(q) && !(q.service === "s3" && (q.operation === "PutObject" || q.operation === "DeleteObject"));

/** The changes of a plan that do something, as "<action> <address>". */
export const pending = (p: PlanDocument): string[] =>
  p.changes.filter((c) => c.action !== "no-op").map((c) => `${c.action} ${c.address}`);

/** `cordon sandbox` running as a separate process (startSandboxCli). */
export interface SandboxProcess {
  readonly child: ChildProcess;
  readonly env: Record<string, string>;
  readonly stderr: () => string;
}

/** Starts `dist/cordon.js sandbox --port 0 ARGS`; resolves once it printed its export lines and listens. */
export function startSandboxCli(args: readonly string[]): Promise<SandboxProcess> {
  const child = spawn(process.execPath, [CLI, "sandbox", "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${err}`)), 15_000);
    const onExit = (code: number | null) => reject(new Error(`sandbox exited with ${code}: ${err}`));
    child.once("exit", onExit);
    // Ready once both the export lines (stdout) and the listening line (stderr) have arrived.
    const check = () => {
      const env = Object.fromEntries(
        [...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
      );
      if (env["AWS_DEFAULT_REGION"] !== undefined && err.includes("listening on")) {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve({ child, env, stderr: () => err });
      }
    };
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      check();
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      check();
    });
  });
}

/** Signals a started sandbox and resolves with its exit code. */
export function stopSandboxCli(r: SandboxProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  return new Promise((resolve) => {
    r.child.once("exit", (code) => resolve(code));
    r.child.kill(signal);
  });
}

/**
 * One sample of Prometheus text: the first of `name` whose labels include every label asked, given
 * as an object or as `a="x",b="y"` text (any order; none: any sample); null when there is none.
 */
export function sample(
  metrics: string,
  name: string,
  labels: Readonly<Record<string, string>> | string = {},
): number | null {
  const want =
    typeof labels === "string"
      ? [...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => `${m[1]}="${m[2]}"`)
      : Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = metrics.split("\n").find((l) => {
    const m = /^(\w+)(?:\{(.*)\})? /.exec(l);
    if (m === null || m[1] !== name) return false;
    const have = new Set([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => `${x[1]}="${x[2]}"`));
    return want.every((w) => have.has(w));
  });
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** Polls `probe` until it answers something (not undefined); fails naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
