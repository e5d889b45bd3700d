// The local query engine (docs/query.md, "Engines"): embedded DuckDB over the flow-log objects,
// which Cordon lists and fetches itself with the S3 API (DuckDB's httpfs would download an extension
// at run time). Per table: the partitions of the window (partitions.ts, from the table's own
// projection), listed with ListObjectsV2, fetched into a cache keyed by bucket, key and ETag (an
// object rewritten with other bytes has another ETag and is fetched again), then a view
// "database"."table" over the files: the Glue columns typed as the table declares them, plus the
// partition columns with the values of the prefix each file was listed under. DuckDB is a native
// addon kept out of the bundle: it is loaded by dynamic import() when a query runs.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AwsSession } from "../aws/config.js";
import type { PortCall } from "../aws/iam-calls.js";
import { formatBytes } from "../domain/bytes.js";
import { CancelledError, IoError, UsageError } from "../model/errors.js";
import type {
  PartitionWindow,
  QueryCell,
  QueryColumn,
  QueryColumnType,
  QueryEngine,
  QueryProgress,
  QueryRequest,
  QueryResult,
  QueryTable,
} from "../model/query.js";
import type { TargetRef } from "../model/resource.js";
import type { GlueTableSpec } from "../model/specs.js";
import { partitionPrefixes, projectionStart, sqlString } from "./partitions.js";
import { distinctTables } from "./tables.js";

/** The AWS calls of the local engine (`cordon iam --for query`, docs/iam.md): it lists and fetches the flow-log objects. */
export const LOCAL_ENGINE_CALLS = ["s3.listObjectsV2", "s3.getObjectBytes"] as const satisfies readonly PortCall[];

export interface LocalEngineOptions {
  readonly session: AwsSession;
  /** Where fetched objects are kept (docs/query.md, "Cache"). */
  readonly cacheDir: string;
  /** DuckDB threads (default: DuckDB's own, one per core). */
  readonly threads?: number;
  /** Parallel ListObjectsV2 / GetObject calls (default 8). */
  readonly concurrency?: number;
  /** "now" for a request without a window (default: the clock). */
  readonly now?: () => Date;
  /**
   * List each table's window once for the engine's life: the queries of one investigation then read
   * one snapshot of the objects (consistent totals and shares) with one listing, not one per query.
   * Off for `cordon query`, whose engine runs one query.
   */
  readonly snapshot?: boolean;
}

/** One object of a table's window. */
interface ListedObject {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly values: Readonly<Record<string, string>>;
  readonly target: TargetRef;
}

/** Glue (Hive) column type → DuckDB type. */
export function duckdbType(glueType: string): string {
  const t = glueType.trim().toLowerCase();
  if (t === "int" || t === "integer") return "INTEGER";
  if (t === "bigint") return "BIGINT";
  if (t === "smallint") return "SMALLINT";
  if (t === "tinyint") return "TINYINT";
  if (t === "double") return "DOUBLE";
  if (t === "float") return "FLOAT";
  if (t === "boolean") return "BOOLEAN";
  if (t === "timestamp") return "TIMESTAMP";
  if (t === "date") return "DATE";
  if (/^decimal\(\d+,\s*\d+\)$/.test(t)) return t.toUpperCase();
  return "VARCHAR";
}

export const isParquet = (spec: GlueTableSpec): boolean =>
  /parquet/i.test(spec.serializationLibrary) || /parquet/i.test(spec.inputFormat);

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The whole projected range when a request gives no window: from the projection's start to the next hour. */
export function fullWindow(spec: GlueTableSpec, now: Date): PartitionWindow {
  const start = projectionStart(spec);
  if (start === undefined)
    throw new UsageError(`table ${spec.database}.${spec.name} has no date projection to bound a query: give a window`);
  return { from: start, until: new Date(Math.ceil((now.getTime() + 1) / 3_600_000) * 3_600_000) };
}

/** Runs `work` over `items` with at most `limit` at a time; stops starting new ones once one fails. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (rejected !== undefined) throw rejected.reason;
}

/** Emits progress at most every `everyMs`, and always the last event of a phase. */
function throttled(progress: ((e: QueryProgress) => void) | undefined, everyMs = 250) {
  let last = 0;
  return (event: QueryProgress, force = false) => {
    if (progress === undefined) return;
    const now = performance.now();
    if (!force && now - last < everyMs) return;
    last = now;
    progress(event);
  };
}

const firstLine = (e: unknown): string => String((e as Error).message ?? e).split("\n")[0] as string;

const cancelled = (signal: AbortSignal | undefined): void => {
  if (signal?.aborted === true) throw new CancelledError("query cancelled");
};

/**
 * The SELECT that reads one partition's objects: the Glue columns typed as the table declares them
 * (text: by position, every value read as text then cast, "-" as NULL; Parquet: by name), then the
 * partition columns as the values of the prefix the objects were listed under.
 */
export function partitionSelect(
  spec: GlueTableSpec,
  files: readonly string[],
  values: Readonly<Record<string, string>>,
): string {
  const data = spec.columns.map((c) => `CAST(${ident(c.Name)} AS ${duckdbType(c.Type)}) AS ${ident(c.Name)}`);
  const parts = spec.partitionKeys.map(
    (k) => `CAST(${sqlString(values[k.Name] ?? "")} AS VARCHAR) AS ${ident(k.Name)}`,
  );
  const list = `[${files.map(sqlString).join(", ")}]`;
  let reader: string;
  if (isParquet(spec)) {
    reader = `read_parquet(${list}, union_by_name = true)`;
  } else {
    const delim = spec.serdeParameters["field.delim"] ?? " ";
    const header = Number(spec.parameters["skip.header.line.count"] ?? "0") > 0;
    const columns = `{${spec.columns.map((c) => `${sqlString(c.Name)}: 'VARCHAR'`).join(", ")}}`;
    reader =
      `read_csv(${list}, delim = ${sqlString(delim)}, header = ${header}, nullstr = '-', ` +
      `auto_detect = false, columns = ${columns}, quote = '', escape = '')`;
  }
  return `SELECT ${[...data, ...parts].join(", ")} FROM ${reader}`;
}

/** The view over a table's prepared partitions (or, with none, no rows of the table's columns). */
export function viewSelect(spec: GlueTableSpec, segments: readonly string[]): string {
  const names = [...spec.columns.map((c) => c.Name), ...spec.partitionKeys.map((k) => k.Name)].map(ident).join(", ");
  if (segments.length === 0) {
    const nulls = [
      ...spec.columns.map((c) => `CAST(NULL AS ${duckdbType(c.Type)}) AS ${ident(c.Name)}`),
      ...spec.partitionKeys.map((k) => `CAST(NULL AS VARCHAR) AS ${ident(k.Name)}`),
    ];
    return `SELECT ${nulls.join(", ")} WHERE 1 = 0`;
  }
  return `SELECT ${names} FROM read_parquet([${segments.map(sqlString).join(", ")}])`;
}

/** Bumped when the prepared form changes, so older prepared partitions are not reused. */
const SEGMENT_VERSION = "1";

/** A DuckDB result type → the contract's column type. */
function columnType(typeName: string): QueryColumnType {
  const t = typeName.toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(t))
    return "integer";
  if (/^(FLOAT|DOUBLE|DECIMAL)/.test(t)) return "double";
  if (t === "BOOLEAN") return "boolean";
  if (t.startsWith("TIMESTAMP") || t === "DATE") return "timestamp";
  return "string";
}

/** A DuckDB JS value → a plain cell (integers beyond a double's exact range as decimal text). */
function cell(v: unknown): QueryCell {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint")
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

type DuckDb = typeof import("@duckdb/node-api");
type Instance = Awaited<ReturnType<DuckDb["DuckDBInstance"]["create"]>>;

export function createLocalEngine(options: LocalEngineOptions): QueryEngine {
  const concurrency = options.concurrency ?? 8;
  const now = options.now ?? (() => new Date());
  let instance: Promise<Instance> | undefined;

  const db = (): Promise<Instance> => {
    // DuckDB's external file cache would keep the blocks of every file read in memory (1.7 GB
    // preparing a week of Parquet objects); each file is read once, so it is off.
    instance ??= import("@duckdb/node-api").then((m) =>
      m.DuckDBInstance.create(":memory:", {
        enable_external_file_cache: "false",
        ...(options.threads === undefined ? {} : { threads: String(options.threads) }),
      }),
    );
    return instance;
  };

  const listings = new Map<string, Promise<ListedObject[]>>();
  /** The window's objects of a table; with `snapshot`, listed once per table and window. */
  function list(table: QueryTable, window: PartitionWindow, signal?: AbortSignal): Promise<ListedObject[]> {
    if (options.snapshot !== true) return listNow(table, window, signal);
    const key = JSON.stringify([
      table.spec.location,
      table.target ?? [table.account, table.region],
      window.from.getTime(),
      window.until.getTime(),
      window.accounts ?? null,
      window.regions ?? null,
    ]);
    let listing = listings.get(key);
    if (listing === undefined) {
      listing = listNow(table, window, signal);
      // A failed (or cancelled) listing is not kept: the next query lists again.
      listing.catch(() => listings.delete(key));
      listings.set(key, listing);
    }
    return listing;
  }

  async function listNow(table: QueryTable, window: PartitionWindow, signal?: AbortSignal): Promise<ListedObject[]> {
    const prefixes = partitionPrefixes(table.spec, window);
    const target = table.target ?? { account: table.account, region: table.region };
    const s3 = await options.session.ports(target).s3();
    const found: ListedObject[][] = prefixes.map(() => []);
    await eachLimited(
      prefixes.map((p, i) => ({ p, i })),
      concurrency,
      async ({ p, i }) => {
        let token: string | undefined;
        do {
          cancelled(signal);
          const page = await s3.listObjectsV2({
            Bucket: p.bucket,
            Prefix: p.prefix,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          });
          for (const o of page.Contents ?? []) {
            const key = o.Key ?? "";
            const base = key.slice(key.lastIndexOf("/") + 1);
            // Hive's hidden files (names starting with "_" or "."): markers, temporary files.
            if (base === "" || base.startsWith("_") || base.startsWith(".")) continue;
            (found[i] as ListedObject[]).push({
              bucket: p.bucket,
              key,
              etag: o.ETag ?? "",
              size: o.Size ?? 0,
              values: p.values,
              target,
            });
          }
          token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
        } while (token !== undefined);
      },
    );
    return found.flat();
  }

  return {
    name: "local",
    async run(request: QueryRequest): Promise<QueryResult> {
      try {
        return await runQuery(request);
      } catch (e) {
        // A call or the query that failed because it was aborted is the cancellation itself.
        if (request.signal?.aborted === true && !(e instanceof CancelledError))
          throw new CancelledError("query cancelled");
        throw e;
      }
    },
    async close(): Promise<void> {
      if (instance !== undefined) (await instance).closeSync();
      instance = undefined;
    },
  };

  async function runQuery(request: QueryRequest): Promise<QueryResult> {
    const started = performance.now();
    const { signal } = request;
    const emit = throttled(request.progress);
    cancelled(signal);

    // 1. List the window's objects of every table.
    emit({ phase: "list", message: `listing the objects of ${request.tables.length} table(s)` }, true);
    const listed: { table: QueryTable; objects: ListedObject[] }[] = [];
    for (const table of distinctTables(request.tables, "location")) {
      const window = request.window ?? fullWindow(table.spec, now());
      listed.push({ table, objects: await list(table, window, signal) });
    }
    const all = listed.flatMap((l) => l.objects);
    const total = all.reduce((n, o) => n + o.size, 0);
    if (request.maxScanBytes !== undefined && total > request.maxScanBytes) {
      throw new UsageError(
        `the query would read ${formatBytes(total)} of flow logs (${all.length} objects), more than the limit of ${formatBytes(request.maxScanBytes)}`,
        ["narrow the window (--since/--until, --account, --region) or raise --max-scan"],
      );
    }

    // 2. Fetch what the cache does not hold.
    const objectsDir = join(options.cacheDir, "objects");
    const segmentsDir = join(options.cacheDir, "partitions");
    try {
      mkdirSync(objectsDir, { recursive: true });
      mkdirSync(segmentsDir, { recursive: true });
    } catch (e) {
      throw new IoError(`cannot use the cache directory ${options.cacheDir}: ${firstLine(e)}`, [
        "give another with --cache-dir, or set XDG_CACHE_HOME",
      ]);
    }
    let fetched = 0;
    let hits = 0;
    let bytesFetched = 0;
    let done = 0;
    const pathOf = new Map<ListedObject, string>();
    const fetchMessage = () =>
      `fetching ${done}/${all.length} objects (${formatBytes(bytesFetched)} downloaded, ${hits} cached)`;
    emit({ phase: "fetch", message: fetchMessage(), done: 0, total: all.length }, true);
    await eachLimited(all, concurrency, async (o) => {
      cancelled(signal);
      const base = o.key.slice(o.key.lastIndexOf("/") + 1).replace(/[^A-Za-z0-9._-]/g, "_");
      const hash = createHash("sha256").update(`${o.bucket}\n${o.key}\n${o.etag}`).digest("hex").slice(0, 32);
      const path = join(objectsDir, `${hash}-${base}`);
      if (o.etag !== "" && existsSync(path)) {
        hits += 1;
      } else {
        const s3 = await options.session.ports(o.target).s3();
        const got = await s3.getObjectBytes({ Bucket: o.bucket, Key: o.key }, signal);
        const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        try {
          writeFileSync(temp, got.body);
          renameSync(temp, path);
        } catch (e) {
          throw new IoError(`cannot write ${path} in the cache: ${firstLine(e)}`);
        }
        fetched += 1;
        bytesFetched += got.body.byteLength;
      }
      pathOf.set(o, path);
      done += 1;
      emit({ phase: "fetch", message: fetchMessage(), done, total: all.length }, done === all.length);
    });
    cancelled(signal);

    const instance = await db();
    const connection = await instance.connect();
    const onAbort = () => connection.interrupt();
    signal?.addEventListener("abort", onAbort);
    let queryStarted = performance.now();
    let querying = false;
    const ticker =
      request.progress === undefined
        ? undefined
        : setInterval(() => {
            if (!querying) return;
            const p = connection.progress;
            const pct = p.percentage >= 0 ? ` ${Math.floor(p.percentage)}%` : "";
            emit({ phase: "query", message: `querying ${all.length} objects (${formatBytes(total)})${pct}` });
          }, 500);
    try {
      // 3. Each partition's objects prepared once into one Parquet file (zstd, typed, with the
      // partition columns), kept in the cache under a hash of the objects (bucket, key, ETag) and the
      // table's columns and format: a changed object prepares its partition again.
      const byName = new Map<string, { spec: GlueTableSpec; segments: string[] }>();
      const groups: { spec: GlueTableSpec; values: Readonly<Record<string, string>>; files: string[] }[] = [];
      for (const l of listed) {
        const name = `${l.table.spec.database}\u0000${l.table.spec.name}`;
        if (!byName.has(name)) byName.set(name, { spec: l.table.spec, segments: [] });
        const byPrefix = new Map<string, { values: Readonly<Record<string, string>>; files: string[] }>();
        for (const o of l.objects) {
          const key = JSON.stringify(o.values);
          const g = byPrefix.get(key) ?? { values: o.values, files: [] };
          g.files.push(pathOf.get(o) as string);
          byPrefix.set(key, g);
        }
        for (const g of byPrefix.values()) groups.push({ spec: l.table.spec, ...g });
      }
      let prepared = 0;
      for (const g of groups) {
        cancelled(signal);
        const files = [...g.files].sort();
        const signature = JSON.stringify([
          SEGMENT_VERSION,
          g.spec.columns,
          g.spec.partitionKeys,
          g.spec.serializationLibrary,
          g.spec.serdeParameters,
          g.spec.parameters["skip.header.line.count"] ?? "",
          g.values,
          files.map((f) => f.slice(f.lastIndexOf("/") + 1)),
        ]);
        const hash = createHash("sha256").update(signature).digest("hex").slice(0, 40);
        const path = join(segmentsDir, `${hash}.parquet`);
        if (!existsSync(path)) {
          const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
          try {
            await connection.run(
              `COPY (${partitionSelect(g.spec, files, g.values)}) TO ${sqlString(temp)} (FORMAT parquet, COMPRESSION zstd)`,
            );
          } catch (e) {
            rmSync(temp, { force: true });
            cancelled(signal);
            throw new UsageError(`cannot read the flow-log objects of ${JSON.stringify(g.values)}: ${firstLine(e)}`, [
              `files: ${files.length}, table ${g.spec.database}.${g.spec.name}`,
            ]);
          }
          try {
            renameSync(temp, path);
          } catch (e) {
            rmSync(temp, { force: true });
            throw new IoError(`cannot write ${path} in the cache: ${firstLine(e)}`);
          }
        }
        prepared += 1;
        (byName.get(`${g.spec.database}\u0000${g.spec.name}`) as { segments: string[] }).segments.push(path);
        emit(
          {
            phase: "fetch",
            message: `preparing ${prepared}/${groups.length} partitions`,
            done: prepared,
            total: groups.length,
          },
          prepared === groups.length,
        );
      }
      for (const { spec, segments } of byName.values()) {
        await connection.run(`CREATE SCHEMA IF NOT EXISTS ${ident(spec.database)}`);
        await connection.run(
          `CREATE OR REPLACE VIEW ${ident(spec.database)}.${ident(spec.name)} AS ${viewSelect(spec, segments)}`,
        );
      }
      queryStarted = performance.now();
      querying = true;
      emit({ phase: "query", message: `querying ${all.length} objects (${formatBytes(total)})` }, true);
      let reader: Awaited<ReturnType<typeof connection.runAndReadAll>>;
      try {
        reader = await connection.runAndReadAll(request.sql);
      } catch (e) {
        cancelled(signal);
        throw new UsageError(`the query failed: ${firstLine(e)}`, [
          ...((e as Error).message.split("\n").slice(1, 4) as string[]),
        ]);
      }
      cancelled(signal);
      const names = reader.columnNames();
      const types = reader.columnTypes();
      const columns: QueryColumn[] = names.map((name, i) => ({ name, type: columnType(String(types[i])) }));
      const rows = reader.getRowsJS().map((r) => r.map(cell));
      const end = performance.now();
      return {
        columns,
        rows,
        stats: {
          engine: "local",
          bytesScanned: total,
          objectsListed: all.length,
          objectsFetched: fetched,
          cacheHits: hits,
          bytesFetched,
          elapsedMs: Math.round(end - started),
          queryMs: Math.round(end - queryStarted),
        },
      };
    } finally {
      if (ticker !== undefined) clearInterval(ticker);
      signal?.removeEventListener("abort", onAbort);
      connection.closeSync();
    }
  }
}
