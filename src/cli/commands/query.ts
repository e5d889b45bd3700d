// cordon query [REPORT] [paths...]: runs a named report (or --sql) over the flow logs of the
// policies' Athena tables, on Athena or on the embedded local engine (docs/query.md). Read-only:
// it reads S3 objects (local) or starts Athena queries, never changes a resource. Ctrl-C stops the
// query (Athena: StopQueryExecution) and exits 130.
import { type Command, Option } from "commander";
import { nearest } from "../../domain/nearest.js";
import { UsageError } from "../../model/errors.js";
import { isReportName, REPORT_DESCRIPTIONS, REPORT_NAMES, reportSql, withReportTimes } from "../../query/reports.js";
import { blockedCidrs } from "../../query/tables.js";
import { QUERY_FORMATS, type QueryFormat, renderQueryResult, renderQueryStats } from "../../render/query.js";
import { err, out } from "../output.js";
import { DEFAULT_POLICY_PATH } from "../policy-input.js";
import {
  addQueryInputOptions,
  openEngine,
  type QueryInputOptions,
  readQueryInput,
  withQueryRun,
} from "../query-input.js";
import type { SetExit } from "./set-exit.js";

interface QueryOptions extends QueryInputOptions {
  readonly sql?: string;
  readonly limit: string;
  readonly format: QueryFormat;
}

export function register(program: Command, setExit: SetExit): void {
  const command = program
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
    .option("--limit <n>", "at most this many rows of a report", "20")
    .addOption(new Option("-f, --format <format>", "output format").choices(QUERY_FORMATS).default("table"));
  addQueryInputOptions(command);
  command
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
      const input = readQueryInput(paths, options);
      const sql =
        options.sql ??
        reportSql(
          report as Parameters<typeof reportSql>[0],
          input.tables,
          { window: input.window, vpcs: input.vpcs, limit },
          blockedCidrs(input.queryable),
        );
      const text = typeof sql === "string" ? sql : sql.sql;
      if (typeof sql !== "string") for (const n of sql.notes) err(`Note: ${n}`);
      const engine = openEngine(input, options, "query");
      const result = await withQueryRun(engine, options, (run) =>
        engine.run({
          sql: text,
          tables: input.tables,
          window: input.window,
          ...(input.maxScanBytes !== undefined ? { maxScanBytes: input.maxScanBytes } : {}),
          ...run,
        }),
      );
      out(renderQueryResult(options.sql === undefined ? withReportTimes(result) : result, options.format));
      err(renderQueryStats(result.stats, result.rows.length));
      setExit(0);
    });
}
