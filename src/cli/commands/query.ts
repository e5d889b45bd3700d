// cordon query [REPORT] [paths...]: runs a named report (or --sql) over the flow logs of the
// policies' Athena tables, on Athena or on the embedded local engine (docs/query.md). Read-only:
// it reads S3 objects (local) or starts Athena queries, never changes a resource. Ctrl-C stops the
// query (Athena: StopQueryExecution) and exits 130.
import { homedir } from "node:os";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { createAwsSession } from "../../aws/config.js";
import { parseByteSize } from "../../domain/bytes.js";
import { nearest } from "../../domain/nearest.js";
import { UsageError } from "../../model/errors.js";
import type { QueryEngine, QueryEngineName, QueryProgress, QueryTable } from "../../model/query.js";
import { createAthenaEngine } from "../../query/athena.js";
import { createLocalEngine } from "../../query/local.js";
import { isReportName, REPORT_DESCRIPTIONS, REPORT_NAMES, reportSql } from "../../query/reports.js";
import { athenaSettings, blockedCidrs, defaultEngine, queryablePolicies, queryTables } from "../../query/tables.js";
import { windowOf } from "../../query/window.js";
import { QUERY_FORMATS, type QueryFormat, renderQueryResult, renderQueryStats } from "../../render/query.js";
import { err, errProgress, errProgressClear, out } from "../output.js";
import { DEFAULT_POLICY_PATH, loadOrReport, policyPaths, todayOption } from "../policy-input.js";
import type { SetExit } from "./set-exit.js";

interface QueryOptions {
  readonly sql?: string;
  readonly engine?: QueryEngineName;
  readonly workgroup?: string;
  readonly outputLocation?: string;
  readonly since?: string;
  readonly until?: string;
  readonly vpc?: string[];
  readonly account?: string[];
  readonly region?: string[];
  readonly limit: string;
  readonly format: QueryFormat;
  readonly maxScan?: string;
  readonly cacheDir?: string;
  readonly progress?: boolean;
  readonly today?: string;
}

const repeatable = (v: string, prev: string[] = []) => [...prev, ...v.split(",").filter((s) => s !== "")];

/** The cache of the local engine: --cache-dir, else $XDG_CACHE_HOME/cordon, else ~/.cache/cordon. */
export function cacheDirOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined) return option;
  const xdg = env["XDG_CACHE_HOME"];
  return xdg !== undefined && xdg !== "" ? join(xdg, "cordon") : join(homedir(), ".cache", "cordon");
}

/** The tables that can hold the --account/--region partitions (their target or their projection names them). */
function tablesFor(
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

const progressText = (e: QueryProgress): string => e.message;

export function register(program: Command, setExit: SetExit): void {
  program
    .command("query")
    .summary("run a report or SQL over the policies' flow logs (Athena or the embedded engine)")
    .description(
      "Run a named report, or --sql, over the flow logs of the policies' Athena tables (policies without an athena " +
        "section are skipped; none with one is an error). Reports: " +
        REPORT_NAMES.map((n) => `${n} (${REPORT_DESCRIPTIONS[n]})`).join("; ") +
        ". --engine athena runs the query in Athena (the workgroup and output location of the policy or the flags; " +
        "shows data scanned and cost); --engine local runs it in an embedded DuckDB over the same S3 objects, " +
        "fetched into a cache (keyed by ETag) for the partitions of the window only. The default is athena when a " +
        "selected policy sets athena.workgroup, else local. Read-only. Ctrl-C stops the query (exit 130). See docs/query.md.",
    )
    .argument("[report]", `the report: ${REPORT_NAMES.join(", ")} (with --sql: the first policy path)`)
    .argument("[paths...]", `policy files or directories (default: ${DEFAULT_POLICY_PATH})`)
    .option("--sql <text>", 'run this SQL instead of a report; tables are named "database"."table" as in Athena')
    .addOption(
      new Option(
        "--engine <engine>",
        "where the query runs (default: athena when a policy sets athena.workgroup, else local)",
      ).choices(["athena", "local"]),
    )
    .option("--workgroup <name>", "the Athena workgroup (default: the policy's athena.workgroup, else primary)")
    .option(
      "--output-location <s3-uri>",
      "where Athena writes the result (default: the policy's athena.outputLocation, else the workgroup's)",
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
    .option("--limit <n>", "at most this many rows of a report", "20")
    .addOption(new Option("-f, --format <format>", "output format").choices(QUERY_FORMATS).default("table"))
    .option(
      "--max-scan <size>",
      "refuse a query that would scan more (e.g. 500MB, 10GB): local before fetching, Athena by stopping it",
    )
    .option("--cache-dir <dir>", "the local engine's object cache (default: $XDG_CACHE_HOME/cordon or ~/.cache/cordon)")
    .option("--progress", "progress on stderr even when it is not a terminal")
    .option("--no-progress", "no progress on stderr")
    .option("--today <date>", "the day (YYYY-MM-DD, UTC) the policies are read for (default: today)")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ cordon query rejected --since 1h",
        "  $ cordon query top-talkers policies/ --since 2026-12-05 --until 2026-12-06 --format csv",
        "  $ cordon query blocked-hits --engine local --account 111122223333 --region eu-west-1",
        '  $ cordon query --sql \'SELECT action, COUNT(*) AS flows FROM "net"."flows" GROUP BY action\' --since 7d',
        "  $ cordon query by-port --engine athena --workgroup primary --max-scan 10GB",
        "",
        "With --sql, --since/--until/--account/--region choose the partitions the local engine fetches;",
        "on Athena, write the partition predicates in the SQL.",
      ].join("\n"),
    )
    .action(async (report: string | undefined, rest: string[], options: QueryOptions) => {
      const now = new Date();
      const today = todayOption(options.today, now);
      let paths = rest;
      if (options.sql !== undefined) {
        if (report !== undefined) paths = [report, ...rest];
      } else if (report === undefined) {
        throw new UsageError(`name a report (${REPORT_NAMES.join(", ")}) or give --sql.`);
      } else if (!isReportName(report)) {
        const hint = nearest(report, REPORT_NAMES);
        throw new UsageError(
          `unknown report "${report}"${hint !== null ? ` (did you mean ${hint}?)` : ""}: one of ${REPORT_NAMES.join(", ")}, or --sql.`,
        );
      }
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError(`--limit must be a positive integer, got "${options.limit}"`);
      const maxScanBytes = options.maxScan === undefined ? undefined : parseByteSize(options.maxScan);
      if (options.maxScan !== undefined && maxScanBytes === undefined) {
        throw new UsageError(`--max-scan must be a size such as 500MB or 10GB, got "${options.maxScan}"`);
      }
      const window = windowOf(
        { since: options.since, until: options.until, accounts: options.account, regions: options.region },
        now,
      );

      const loaded = loadOrReport(policyPaths(paths), today);
      const policies = queryablePolicies(loaded.policies);
      const tables = tablesFor(queryTables(policies, today), options.account, options.region);
      const sql =
        options.sql ??
        reportSql(
          report as Parameters<typeof reportSql>[0],
          tables,
          { window, vpcs: options.vpc, limit },
          blockedCidrs(policies),
        );
      const text = typeof sql === "string" ? sql : sql.sql;
      if (typeof sql !== "string") for (const n of sql.notes) err(`Note: ${n}`);

      const engineName = options.engine ?? defaultEngine(policies);
      const session = createAwsSession(undefined, { command: "query" });
      session.useRoles(loaded.set?.roles);
      let engine: QueryEngine;
      if (engineName === "athena") {
        const fromPolicy = athenaSettings(policies);
        const workgroup = options.workgroup ?? fromPolicy.workgroup;
        const outputLocation = options.outputLocation ?? fromPolicy.outputLocation;
        engine = createAthenaEngine({
          session,
          ...(workgroup !== undefined ? { workgroup } : {}),
          ...(outputLocation !== undefined ? { outputLocation } : {}),
        });
      } else {
        engine = createLocalEngine({ session, cacheDir: cacheDirOf(options.cacheDir) });
      }

      const showProgress = options.progress === true || (options.progress !== false && process.stderr.isTTY === true);
      const controller = new AbortController();
      const onInt = () => controller.abort();
      process.once("SIGINT", onInt);
      let progressShown = false;
      try {
        const result = await engine.run({
          sql: text,
          tables,
          window,
          signal: controller.signal,
          ...(maxScanBytes !== undefined ? { maxScanBytes } : {}),
          ...(showProgress
            ? {
                progress: (e: QueryProgress) => {
                  progressShown = true;
                  errProgress(progressText(e));
                },
              }
            : {}),
        });
        if (progressShown) errProgressClear();
        out(renderQueryResult(result, options.format));
        err(renderQueryStats(result.stats, result.rows.length));
        setExit(0);
      } finally {
        if (progressShown) errProgressClear();
        process.off("SIGINT", onInt);
        await engine.close();
      }
    });
}
