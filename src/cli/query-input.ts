// The options `cordon query` and `cordon investigate` share (docs/query.md, "Filters" and
// "Engines"): the time window, the partition filters, the engine and its settings, the local
// cache, progress and Ctrl-C. One definition, so both commands read flow logs the same way.
import { homedir } from "node:os";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { type AwsSession, createAwsSession } from "../aws/config.js";
import { parseByteSize } from "../domain/bytes.js";
import type { Loaded } from "../executor/pipeline.js";
import { UsageError } from "../model/errors.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { PartitionWindow, QueryEngine, QueryEngineName, QueryProgress, QueryTable } from "../model/query.js";
import { createAthenaEngine } from "../query/athena.js";
import { createLocalEngine } from "../query/local.js";
import { athenaSettings, defaultEngine, queryablePolicies, queryTables } from "../query/tables.js";
import { windowOf } from "../query/window.js";
import { errProgress, errProgressClear } from "./output.js";
import { loadOrReport, policyPaths, todayOption } from "./policy-input.js";

export interface QueryInputOptions {
  readonly engine?: QueryEngineName;
  readonly workgroup?: string;
  readonly outputLocation?: string;
  readonly since?: string;
  readonly until?: string;
  readonly vpc?: string[];
  readonly account?: string[];
  readonly region?: string[];
  readonly maxScan?: string;
  readonly cacheDir?: string;
  readonly threads?: string;
  readonly progress?: boolean;
  readonly today?: string;
}

const repeatable = (v: string, prev: string[] = []) => [...prev, ...v.split(",").filter((s) => s !== "")];

/** Adds the shared options to a command. */
export function addQueryInputOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--engine <engine>",
        "where the queries run (default: athena when a policy sets athena.workgroup, else local)",
      ).choices(["athena", "local"]),
    )
    .option("--workgroup <name>", "the Athena workgroup (default: the policy's athena.workgroup, else primary)")
    .option(
      "--output-location <s3-uri>",
      "where Athena writes results (default: the policy's athena.outputLocation, else the workgroup's)",
    )
    .option(
      "--since <time>",
      "start of the window: a duration before now (30m, 1h, 24h, 7d) or an ISO date or time",
      "24h",
    )
    .option("--until <time>", "end of the window (exclusive), like --since (default: now)")
    .option(
      "--vpc <id>",
      "only records of this VPC (needs the vpc-id field); repeatable or comma-separated",
      repeatable,
    )
    .option("--account <id>", "only this account's partitions; repeatable or comma-separated", repeatable)
    .option("--region <name>", "only this region's partitions; repeatable or comma-separated", repeatable)
    .option(
      "--max-scan <size>",
      "refuse a query that would scan more (e.g. 500MB, 10GB): local before fetching, Athena by stopping it",
    )
    .option("--cache-dir <dir>", "the local engine's object cache (default: $XDG_CACHE_HOME/cordon or ~/.cache/cordon)")
    .option("--threads <n>", "the local engine's DuckDB threads (default: one per core)")
    .option("--progress", "progress on stderr even when it is not a terminal")
    .option("--no-progress", "no progress on stderr")
    .option("--today <date>", "the day (YYYY-MM-DD, UTC) the policies are read for (default: today)");
}

/** The cache of the local engine: --cache-dir, else $XDG_CACHE_HOME/cordon, else ~/.cache/cordon. */
export function cacheDirOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined) return option;
  const xdg = env["XDG_CACHE_HOME"];
  return xdg !== undefined && xdg !== "" ? join(xdg, "cordon") : join(homedir(), ".cache", "cordon");
}

/** The tables that can hold the --account/--region partitions (their target or their projection names them). */
export function tablesFor(
  tables: readonly QueryTable[],
  accounts?: readonly string[],
  regions?: readonly string[],
): QueryTable[] {
  const covers = (t: QueryTable, column: "aws_account_id" | "aws_region", own: string, wanted?: readonly string[]) => {
    if (wanted === undefined || wanted.length === 0) return true;
    const projected = (t.spec.parameters[`projection.${column}.values`] ?? "").split(",");
    return wanted.some((w) => w === own || projected.includes(w));
  };
  const kept = tables.filter(
    (t) => covers(t, "aws_account_id", t.account, accounts) && covers(t, "aws_region", t.region, regions),
  );
  if (kept.length === 0) {
    throw new UsageError(
      `no table of the selected policies holds flow logs of ${[...(accounts ?? []), ...(regions ?? [])].join(", ")}`,
      tables.map((t) => `${t.policy}: ${t.spec.database}.${t.spec.name} (${t.account}/${t.region})`),
    );
  }
  return kept;
}

/** What the shared options select. */
export interface QueryInput {
  readonly today: string;
  readonly loaded: Loaded;
  /** The policies with an athena section. */
  readonly queryable: readonly LoadedPolicy[];
  readonly tables: readonly QueryTable[];
  readonly window: PartitionWindow;
  readonly vpcs?: readonly string[] | undefined;
  readonly maxScanBytes?: number | undefined;
  readonly engine: QueryEngineName;
  /** The local engine's DuckDB threads (--threads). */
  readonly threads?: number | undefined;
}

/** Parses the shared options and loads the policies (problems printed as for plan). */
export function readQueryInput(paths: readonly string[], o: QueryInputOptions, now: Date = new Date()): QueryInput {
  const today = todayOption(o.today, now);
  const threads = o.threads === undefined ? undefined : Number(o.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
    throw new UsageError(`--threads must be a positive integer, got "${o.threads}"`);
  const maxScanBytes = o.maxScan === undefined ? undefined : parseByteSize(o.maxScan);
  if (o.maxScan !== undefined && maxScanBytes === undefined)
    throw new UsageError(`--max-scan must be a size such as 500MB or 10GB, got "${o.maxScan}"`);
  const window = windowOf({ since: o.since, until: o.until, accounts: o.account, regions: o.region }, now);
  const loaded = loadOrReport(policyPaths(paths), today);
  const queryable = queryablePolicies(loaded.policies);
  const tables = tablesFor(queryTables(queryable, today), o.account, o.region);
  return {
    today,
    loaded,
    queryable,
    tables,
    window,
    vpcs: o.vpc,
    maxScanBytes,
    engine: o.engine ?? defaultEngine(queryable),
    threads,
  };
}

/** The engine the options choose, on `session` (default: the standard AWS configuration, the plan role). */
export function openEngine(
  input: QueryInput,
  o: QueryInputOptions,
  command: string,
  session?: AwsSession,
): QueryEngine {
  const s = session ?? createAwsSession(undefined, { command });
  s.useRoles(input.loaded.set?.roles);
  if (input.engine === "athena") {
    const { workgroup, outputLocation } = athenaSettings(input.queryable, o);
    return createAthenaEngine({
      session: s,
      ...(workgroup !== undefined ? { workgroup } : {}),
      ...(outputLocation !== undefined ? { outputLocation } : {}),
    });
  }
  return createLocalEngine({
    session: s,
    cacheDir: cacheDirOf(o.cacheDir),
    ...(input.threads !== undefined ? { threads: input.threads } : {}),
    // investigate runs several queries over one window: one listing, one snapshot of the objects.
    snapshot: command === "investigate",
  });
}

/**
 * Runs `fn` with an abort signal raised by Ctrl-C (the engine stops its query and rejects with
 * CancelledError) and, on a terminal or with --progress, progress lines on stderr; closes the engine.
 */
export async function withQueryRun<T>(
  engine: QueryEngine,
  o: QueryInputOptions,
  fn: (run: { signal: AbortSignal; progress?: (e: QueryProgress) => void }) => Promise<T>,
): Promise<T> {
  const show = o.progress === true || (o.progress !== false && process.stderr.isTTY === true);
  const controller = new AbortController();
  const onInt = () => controller.abort();
  process.once("SIGINT", onInt);
  let shown = false;
  const progress = (e: QueryProgress) => {
    shown = true;
    errProgress(e.message);
  };
  try {
    return await fn({ signal: controller.signal, ...(show ? { progress } : {}) });
  } finally {
    if (shown) errProgressClear();
    process.off("SIGINT", onInt);
    await engine.close();
  }
}
