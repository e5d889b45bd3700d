// `cordon sandbox`: a local AWS-compatible endpoint on 127.0.0.1 for trying Cordon and testing
// policy repositories without an AWS account. Prints the `export` lines for a shell on stdout,
// logs on stderr, and runs until Ctrl-C / SIGTERM, flushing the state file before it exits.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { SandboxError } from "@cordon/sandbox";
import type { Command } from "commander";
import { IoError, UsageError } from "../../model/errors.js";
import { err, out, stderrStyle } from "../output.js";
import type { SetExit } from "./set-exit.js";

interface Options {
  readonly port: string;
  readonly seed?: string;
  readonly state?: string;
  readonly latencyMs?: string;
  readonly naclQuota?: string;
  readonly throttleRate?: string;
  readonly faults?: string;
  readonly webAclDelayMs?: string;
  readonly wafAlwaysNextMarker?: boolean;
  readonly flowLogRule?: string;
  readonly defaultAccount?: string;
  readonly region?: string;
  readonly accessKeyId: string;
  readonly iamKey?: string[];
  readonly traffic?: string;
  readonly trafficSeed?: string;
  readonly clock?: string;
  readonly athenaDelayMs?: string;
  readonly athenaHang?: boolean;
}

const SCENARIOS = ["steady", "cats-eyes", "scale"] as const;
/** How often a running sandbox with --traffic delivers the capture windows that have closed. */
const TRAFFIC_TICK_MS = 60_000;

/**
 * --iam-key KEY=policy.json: the access key (or role ARN) gets that identity policy, evaluated per
 * request as IAM does. A file that is not a JSON object with a Statement is a usage error naming it.
 */
function iamKeys(args: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of args ?? []) {
    const eq = arg.indexOf("=");
    if (eq <= 0 || eq === arg.length - 1) {
      throw new UsageError(
        `--iam-key must be KEY=policy.json (an access key id or role ARN, then a file), got "${arg}"`,
      );
    }
    const file = arg.slice(eq + 1);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new UsageError(
        `--iam-key ${file}: cannot read the policy file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--iam-key ${file}: not JSON: ${(e as Error).message}`);
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc) || !("Statement" in doc)) {
      throw new UsageError(`--iam-key ${file}: not an IAM policy document (a JSON object with a Statement)`);
    }
    out[arg.slice(0, eq)] = doc;
  }
  return out;
}

/**
 * The sandbox package's errors as Cordon's own (same message and details, exit 1, no stack trace):
 * "usage" (a bad estate, faults file or flag) becomes UsageError, "io" (the state file) IoError.
 * Anything else is returned unchanged.
 */
export function asCordonError(e: unknown, sandboxError: typeof SandboxError): unknown {
  if (!(e instanceof sandboxError)) return e;
  return e.kind === "io" ? new IoError(e.message, e.details) : new UsageError(e.message, e.details);
}

function int(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("sandbox")
    .summary("run a local AWS-compatible endpoint (EC2, S3, Glue, WAFv2, ELBv2, STS) for trying and testing")
    .description("Run a local AWS-compatible endpoint (EC2, S3, Glue, WAFv2, ELBv2, STS, Athena) on 127.0.0.1")
    .option("--port <n>", "port to listen on (0 = any free port)", "4566")
    .option("--seed <file>", "estate YAML to seed at start (ignored when --state already holds state)")
    .option("--state <file>", "keep state in this file across restarts (written atomically)")
    .option("--latency-ms <n>", "add this much latency to every request")
    .option("--nacl-quota <n>", "network ACL entries allowed per direction and address family (AWS default 20)")
    .option("--throttle-rate <r>", "throttle this fraction of requests (0..1) with each service's own error")
    .option(
      "--faults <file|json>",
      "fault rules (throttle the Nth call, 5xx errors, WAF lock conflicts, latency) as in POST /_sandbox/faults",
    )
    .option("--web-acl-delay-ms <n>", "a new web ACL cannot be associated for this long (eventual consistency)")
    .option("--waf-always-next-marker", "WAF List* calls return a NextMarker even on the last page (AWS quirk)")
    .option(
      "--flow-log-rule <rule>",
      "when CreateFlowLogs answers FlowLogAlreadyExists: strict (a flow log to the same destination on the resource) or per-config (same settings too)",
      "strict",
    )
    .option("--default-account <id>", "account of access keys that are not in the estate (default 111122223333)")
    .option("--region <name>", "region printed in the export lines (default: the estate's first region)")
    .option("--access-key-id <id>", "access key id printed in the export lines", "AKIASANDBOXEXAMPLE01")
    .option(
      "--iam-key <key=policy.json>",
      "give an access key (or role ARN) an identity policy, evaluated as IAM does (action, resource, conditions); repeatable. Keys without one may do everything",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      "--traffic <scenario>",
      "deliver synthetic flow-log files for every active flow log: steady, cats-eyes or scale (as time passes, and on POST /_sandbox/traffic {from, to})",
    )
    .option("--traffic-seed <n>", "seed of the synthetic traffic (same seed and state: identical files)", "1")
    .option(
      "--clock <time>",
      "start the sandbox clock at this ISO 8601 time (simulated; changed by POST /_sandbox/clock)",
    )
    .option("--athena-delay-ms <n>", "Athena queries stay RUNNING this long after scanning (polling, --max-scan)")
    .option("--athena-hang", "Athena queries stay RUNNING until StopQueryExecution (cancellation, Ctrl-C)")
    .action(async (o: Options) => {
      const port = int(o.port, "--port", 0, 65535) ?? 4566;
      const latencyMs = int(o.latencyMs, "--latency-ms", 0, 600_000);
      const naclEntryQuota = int(o.naclQuota, "--nacl-quota", 1, 1000);
      const webAclAssociationDelayMs = int(o.webAclDelayMs, "--web-acl-delay-ms", 0, 3_600_000);
      const athenaQueryDelayMs = int(o.athenaDelayMs, "--athena-delay-ms", 0, 3_600_000);
      let throttleRate: number | undefined;
      if (o.throttleRate !== undefined) {
        throttleRate = Number(o.throttleRate);
        if (!Number.isFinite(throttleRate) || throttleRate < 0 || throttleRate > 1) {
          throw new UsageError(`--throttle-rate must be a number from 0 to 1, got "${o.throttleRate}"`);
        }
      }
      const flowLogRule = o.flowLogRule ?? "strict";
      if (flowLogRule !== "strict" && flowLogRule !== "per-config") {
        throw new UsageError(`--flow-log-rule must be strict or per-config, got "${flowLogRule}"`);
      }
      if (o.defaultAccount !== undefined && !/^\d{12}$/.test(o.defaultAccount)) {
        throw new UsageError(`--default-account must be a 12-digit account id, got "${o.defaultAccount}"`);
      }
      if (o.state !== undefined && !existsSync(dirname(resolve(o.state)))) {
        throw new UsageError(`--state ${o.state}: the directory ${dirname(resolve(o.state))} does not exist`);
      }
      const iamPolicies = iamKeys(o.iamKey);
      if (o.traffic !== undefined && !(SCENARIOS as readonly string[]).includes(o.traffic)) {
        throw new UsageError(`--traffic must be one of ${SCENARIOS.join(", ")}, got "${o.traffic}"`);
      }
      const trafficSeed = int(o.trafficSeed, "--traffic-seed", 0, 4_294_967_295) ?? 1;
      if (o.clock !== undefined && !Number.isFinite(Date.parse(o.clock))) {
        throw new UsageError(`--clock must be an ISO 8601 time such as 2026-12-05T10:00:00Z, got "${o.clock}"`);
      }
      const { startSandbox, loadEstateFile, loadFaultsArg, SandboxError } = await import("@cordon/sandbox");
      let faults: ReturnType<typeof loadFaultsArg>;
      let estate: ReturnType<typeof loadEstateFile> | undefined;
      try {
        faults = o.faults === undefined ? {} : loadFaultsArg(o.faults);
        estate = o.seed === undefined ? undefined : loadEstateFile(o.seed);
      } catch (e) {
        throw asCordonError(e, SandboxError);
      }
      let sandbox: Awaited<ReturnType<typeof startSandbox>>;
      try {
        sandbox = await startSandbox({
          port,
          ...(o.state !== undefined ? { stateFile: o.state } : {}),
          ...(estate !== undefined ? { seed: estate } : {}),
          ...(o.defaultAccount !== undefined ? { defaultAccount: o.defaultAccount } : {}),
          iamPolicies,
          ...(o.traffic !== undefined
            ? { traffic: { scenario: o.traffic as (typeof SCENARIOS)[number], seed: trafficSeed } }
            : {}),
          ...(o.clock !== undefined ? { clock: o.clock } : {}),
          config: {
            ...(naclEntryQuota !== undefined ? { naclEntryQuota } : {}),
            ...(webAclAssociationDelayMs !== undefined ? { webAclAssociationDelayMs } : {}),
            ...(o.wafAlwaysNextMarker ? { wafAlwaysNextMarker: true } : {}),
            ...(athenaQueryDelayMs !== undefined ? { athenaQueryDelayMs } : {}),
            ...(o.athenaHang ? { athenaQueriesHang: true } : {}),
            flowLogRule,
          },
          faults: {
            ...faults,
            ...(latencyMs !== undefined ? { latencyMs } : {}),
            ...(throttleRate !== undefined ? { throttleRate } : {}),
          },
        });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new UsageError(`port ${port} is already in use; pick another with --port`);
        if (code === "EACCES") throw new UsageError(`not allowed to listen on port ${port}`);
        throw asCordonError(e, SandboxError);
      }
      // With --traffic, every closed 10-minute capture window since start is delivered as time goes by.
      let trafficTimer: NodeJS.Timeout | undefined;
      if (o.traffic !== undefined) {
        const WINDOW = 600_000;
        let delivered = Math.floor(sandbox.control.now().getTime() / WINDOW) * WINDOW;
        trafficTimer = setInterval(() => {
          const upTo = Math.floor(sandbox.control.now().getTime() / WINDOW) * WINDOW;
          if (upTo <= delivered) return;
          try {
            sandbox.control.deliverTraffic({ from: delivered, to: upTo });
          } catch (e) {
            err(`traffic: ${(e as Error).message}`);
          }
          delivered = upTo;
        }, TRAFFIC_TICK_MS);
        trafficTimer.unref();
      }
      // Signal handlers go in before anything is printed: a caller may stop us as soon as it reads the URL.
      // Resolves with the exit code: 0, or 1 when the state could not be saved.
      const stopped = new Promise<number>((done) => {
        const stop = (signal: string) => {
          process.off("SIGINT", onInt);
          process.off("SIGTERM", onTerm);
          if (trafficTimer !== undefined) clearInterval(trafficTimer);
          err(`${signal}: stopping the sandbox${o.state !== undefined ? ` and saving ${o.state}` : ""}`);
          sandbox.stop().then(
            () => done(0),
            (e: unknown) => {
              err(`could not save state: ${(e as Error).message}`);
              done(1);
            },
          );
        };
        const onInt = () => stop("SIGINT");
        const onTerm = () => stop("SIGTERM");
        process.on("SIGINT", onInt);
        process.on("SIGTERM", onTerm);
      });
      const firstRegion = Object.values(estate?.accounts ?? {})
        .flatMap((a) => Object.keys(a.regions ?? {}))
        .at(0);
      const region = o.region ?? firstRegion ?? "us-east-1";
      const s = stderrStyle();
      const source = sandbox.stateLoaded
        ? `state from ${o.state}`
        : estate !== undefined
          ? `seeded from ${o.seed}`
          : "empty";
      err(
        `${s.green("Cordon sandbox")} listening on ${sandbox.url} (${source}); control API at ${sandbox.url}/_sandbox/ — Ctrl-C to stop`,
      );
      out(
        [
          `export AWS_ENDPOINT_URL=${sandbox.url}`,
          `export AWS_ACCESS_KEY_ID=${o.accessKeyId}`,
          "export AWS_SECRET_ACCESS_KEY=sandbox",
          `export AWS_REGION=${region}`,
          // Older AWS CLIs (v1) read only AWS_DEFAULT_REGION.
          `export AWS_DEFAULT_REGION=${region}`,
        ].join("\n"),
      );
      setExit(await stopped);
    });
}
