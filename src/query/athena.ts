// The Athena engine (docs/athena-engine.md): runs a query with StartQueryExecution in the account
// and region of the tables it reads, polls GetQueryExecution with backoff (100 ms doubling to 2 s)
// and reads GetQueryResults pages. The query is started with a ClientRequestToken, so a start
// whose answer was lost and is retried does not run the query twice. Past `maxScanBytes` it stops
// the query (StopQueryExecution) and fails; on the abort signal (Ctrl-C) it stops the query and
// rejects with CancelledError.
import { randomUUID } from "node:crypto";
import type { AwsSession } from "../aws/config.js";
import type { PortCall } from "../aws/iam-calls.js";
import type { AthenaPort } from "../aws/ports.js";
import { formatBytes } from "../domain/bytes.js";
import { AwsError, CancelledError, QueryError, UsageError } from "../model/errors.js";
import type {
  QueryCell,
  QueryColumn,
  QueryColumnType,
  QueryEngine,
  QueryRequest,
  QueryResult,
} from "../model/query.js";

/**
 * The AWS calls of the Athena engine (`cordon iam --for query`, docs/iam.md): start, poll, read the
 * result pages, and stop a query past --max-scan or on Ctrl-C.
 */
export const ATHENA_ENGINE_CALLS = [
  "athena.startQueryExecution",
  "athena.getQueryExecution",
  "athena.getQueryResults",
  "athena.stopQueryExecution",
] as const satisfies readonly PortCall[];

/** Athena's price: USD 5 per TB (2^40 bytes) scanned, rounded up to the megabyte, at least 10 MB per query. */
export const ATHENA_USD_PER_TB = 5;
const MB = 1024 * 1024;
const MIN_BILLED_MB = 10;

/** What Athena charges for a query that scanned `bytes` (cancelled queries are charged as well). */
export function athenaCostUsd(bytes: number): number {
  const mb = Math.max(MIN_BILLED_MB, Math.ceil(Math.max(0, bytes) / MB));
  return (mb * ATHENA_USD_PER_TB) / (1024 * 1024);
}

/** The polling schedule: 100 ms, doubling, at most 2 s. */
export const POLL_FIRST_MS = 100;
export const POLL_MAX_MS = 2000;

/** Rows per GetQueryResults page (Athena's maximum). */
const PAGE_SIZE = 1000;

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);

/** An Athena (Trino) type name as ColumnInfo.Type gives it, mapped to the contract's column type. */
export function columnTypeOf(athenaType: string | undefined): QueryColumnType {
  const t = (athenaType ?? "").toLowerCase().replace(/\(.*$/, "").trim();
  if (t === "bigint" || t === "integer" || t === "int" || t === "smallint" || t === "tinyint") return "integer";
  if (t === "double" || t === "float" || t === "real" || t === "decimal") return "double";
  if (t === "boolean") return "boolean";
  if (t === "timestamp" || t === "timestamp with time zone") return "timestamp";
  return "string";
}

/** One VarCharValue as a cell of its column's type (absent = NULL). */
export function cellOf(value: string | undefined, type: QueryColumnType): QueryCell {
  if (value === undefined) return null;
  switch (type) {
    case "integer": {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value.trim();
    }
    case "double": {
      const n = Number(value);
      return value.trim() !== "" && !Number.isNaN(n) ? n : value;
    }
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    case "timestamp": {
      // Athena writes "2026-12-05 10:00:00.000" (UTC for the flow-log columns): ISO 8601 text.
      const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?: UTC|Z)?$/.exec(value.trim());
      return m === null ? value : `${m[1]}T${m[2]}Z`;
    }
    case "string":
      return value;
  }
}

/** The workgroup the engine uses when neither the policy nor --workgroup names one (Athena's default). */
export const DEFAULT_WORKGROUP = "primary";

/**
 * What the caller lacks when a query failed on a read or write Athena makes with the caller's
 * rights and names no action (docs/athena-engine.md, "IAM needed for queries").
 */
export function accessHints(reason: string): string[] {
  const read = /^Permission denied on S3 path: s3:\/\/([^/\s]+)/.exec(reason);
  if (read !== null) {
    return [
      `Athena reads the table's objects with the caller's rights: s3:ListBucket on arn:aws:s3:::${read[1]} (under the table's location) and s3:GetObject on the objects (cordon iam --for query prints the policy)`,
    ];
  }
  const write = /^Access denied when writing output to url: (s3:\/\/\S+)/.exec(reason);
  if (write !== null) {
    return [
      `Athena writes the result with the caller's rights: s3:PutObject on ${write[1]} (cordon iam --for query prints the policy)`,
    ];
  }
  return [];
}

const abortable = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export function createAthenaEngine(options: {
  session: AwsSession;
  workgroup?: string;
  outputLocation?: string;
}): QueryEngine {
  const workgroupName = options.workgroup ?? DEFAULT_WORKGROUP;
  return {
    name: "athena",
    async close() {
      // The clients belong to the session; nothing of the engine's own to release.
    },
    async run(request: QueryRequest): Promise<QueryResult> {
      const started = performance.now();
      const first = request.tables[0];
      if (first === undefined) throw new UsageError("an Athena query needs at least one table to read");
      const elsewhere = request.tables.find((t) => t.account !== first.account || t.region !== first.region);
      if (elsewhere !== undefined) {
        throw new UsageError(
          `one Athena query reads the tables of one account and region: ${first.policy} is in ${first.account}/${first.region}, ${elsewhere.policy} in ${elsewhere.account}/${elsewhere.region}`,
          ["query them separately (--account/--region), or use one table over every account (docs/athena-engine.md)"],
        );
      }
      const { signal, progress } = request;
      const cancelled = (what: string) => new CancelledError(`query cancelled${what}`);
      if (signal?.aborted) throw cancelled(` before it started (workgroup ${workgroupName})`);
      // The policy's target (its role, if any): the query reads the table's objects with these credentials.
      const target = first.target ?? { account: first.account, region: first.region };
      const athena: AthenaPort = await options.session.ports(target).athena();

      let start: { QueryExecutionId?: string | undefined };
      try {
        start = await athena.startQueryExecution({
          QueryString: request.sql,
          QueryExecutionContext: { Database: first.spec.database },
          ClientRequestToken: randomUUID(),
          ...(options.workgroup !== undefined ? { WorkGroup: options.workgroup } : {}),
          ...(options.outputLocation !== undefined
            ? { ResultConfiguration: { OutputLocation: options.outputLocation } }
            : {}),
        });
      } catch (e) {
        const unverified =
          e instanceof AwsError ? /Unable to verify\/create output bucket (\S+)/.exec(e.message) : null;
        if (unverified !== null) {
          throw new QueryError((e as Error).message, [
            `Athena checks the output bucket with the caller's rights: s3:GetBucketLocation and s3:ListBucket on arn:aws:s3:::${unverified[1]} (cordon iam --for query prints the policy)`,
          ]);
        }
        if (e instanceof AwsError && /output location/i.test(e.message)) {
          throw new QueryError(e.message, [
            `workgroup ${workgroupName} has no result location: set athena.outputLocation in the policy (or --output-location), or give the workgroup one`,
          ]);
        }
        throw e;
      }
      const id = start.QueryExecutionId;
      if (id === undefined) throw new QueryError("StartQueryExecution answered without a QueryExecutionId");
      const where = `in workgroup ${workgroupName} (${first.account}/${first.region})`;

      /** Stops the query; what went wrong when it could not (the query may have finished meanwhile). */
      const stop = async (): Promise<string[]> => {
        try {
          await athena.stopQueryExecution({ QueryExecutionId: id });
          return [];
        } catch (e) {
          // The error that follows says what happened; a refused stop (access denied) means the query runs on.
          return [
            `the query could not be stopped (StopQueryExecution): ${String((e as Error).message ?? e).split("\n")[0]}`,
          ];
        }
      };

      // Poll until a terminal state.
      let delay = POLL_FIRST_MS;
      let bytes = 0;
      let execution: Awaited<ReturnType<AthenaPort["getQueryExecution"]>>["QueryExecution"];
      for (;;) {
        if (signal?.aborted) {
          const refused = await stop();
          throw new CancelledError(
            `query cancelled: Athena query ${id} ${refused.length > 0 ? "was not stopped" : "stopped (StopQueryExecution)"} ${where}`,
            refused,
          );
        }
        execution = (await athena.getQueryExecution({ QueryExecutionId: id })).QueryExecution;
        const state = execution?.Status?.State ?? "QUEUED";
        bytes = execution?.Statistics?.DataScannedInBytes ?? bytes;
        progress?.({
          phase: state === "QUEUED" ? "wait" : "query",
          message: `Athena query ${id}: ${state}, ${formatBytes(bytes)} scanned`,
        });
        if (request.maxScanBytes !== undefined && bytes > request.maxScanBytes && state !== "FAILED") {
          const refused = TERMINAL.has(state) ? [] : await stop();
          throw new QueryError(
            `Athena query ${id} ${where} ${TERMINAL.has(state) ? "scanned" : refused.length > 0 ? "could not be stopped after scanning" : "was stopped after scanning"} ${bytes} bytes (${formatBytes(bytes)}), more than --max-scan ${request.maxScanBytes} bytes (${formatBytes(request.maxScanBytes)})`,
            [
              ...refused,
              `Athena charges for the data scanned so far: about USD ${athenaCostUsd(bytes).toFixed(6)}`,
              "narrow the time window (--since/--until) or the accounts and regions, or raise --max-scan",
            ],
            id,
          );
        }
        if (TERMINAL.has(state)) break;
        await abortable(delay, signal);
        delay = Math.min(POLL_MAX_MS, delay * 2);
      }

      const state = execution?.Status?.State;
      const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage ?? "";
      if (state === "FAILED") {
        const cutoff = /bytes scanned limit/i.test(reason);
        const hints = [
          ...(cutoff
            ? [
                `the workgroup ${workgroupName} refuses queries that scan more than its per-query limit (BytesScannedCutoffPerQuery): narrow the time window or the accounts and regions`,
              ]
            : []),
          ...accessHints(reason),
        ];
        throw new QueryError(`Athena query ${id} failed ${where}: ${reason || "no reason given"}`, hints, id);
      }
      if (state === "CANCELLED") {
        if (signal?.aborted) throw cancelled(`: Athena query ${id} stopped (StopQueryExecution) ${where}`);
        throw new QueryError(`Athena query ${id} was cancelled ${where}${reason ? `: ${reason}` : ""}`, [], id);
      }

      // SUCCEEDED: read the result pages.
      const columns: QueryColumn[] = [];
      const rows: QueryCell[][] = [];
      let token: string | undefined;
      let firstPage = true;
      do {
        if (signal?.aborted) throw cancelled(`: Athena query ${id} had finished; its results were not read`);
        const page = await athena.getQueryResults({
          QueryExecutionId: id,
          MaxResults: PAGE_SIZE,
          ...(token !== undefined ? { NextToken: token } : {}),
        });
        if (firstPage) {
          for (const c of page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []) {
            columns.push({ name: c.Name ?? c.Label ?? "", type: columnTypeOf(c.Type) });
          }
        }
        const pageRows = page.ResultSet?.Rows ?? [];
        // The first row of the first page holds the column names.
        for (const row of firstPage ? pageRows.slice(1) : pageRows) {
          const data = row.Data ?? [];
          rows.push(columns.map((c, i) => cellOf(data[i]?.VarCharValue, c.type)));
        }
        firstPage = false;
        token = page.NextToken;
        progress?.({ phase: "fetch", message: `Athena query ${id}: ${rows.length} rows read`, done: rows.length });
      } while (token !== undefined && token !== "");

      const queryMs = execution?.Statistics?.EngineExecutionTimeInMillis;
      const outputLocation = execution?.ResultConfiguration?.OutputLocation;
      return {
        columns,
        rows,
        stats: {
          engine: "athena",
          queryId: id,
          bytesScanned: bytes,
          costUsd: athenaCostUsd(bytes),
          elapsedMs: performance.now() - started,
          ...(outputLocation !== undefined ? { outputLocation } : {}),
          ...(queryMs !== undefined ? { queryMs } : {}),
        },
      };
    },
  };
}
