// The contract between the commands that read flow logs (`cordon query`, `cordon investigate`) and
// the engines that run SQL over them (docs/query.md): Athena, through its API, and an embedded
// DuckDB over the same S3 objects. Both take SQL in the common subset of Athena's (Trino) and
// DuckDB's dialects that refers to Cordon's tables as "database"."table", and answer with rows of
// plain values, so the renderers and the findings never know which engine ran.
import type { TargetRef } from "./resource.js";
import type { GlueTableSpec } from "./specs.js";

export type QueryEngineName = "athena" | "local";

/** One table a query reads: the Glue table Cordon derives for a policy, and where it lives. */
export interface QueryTable {
  /** The table as Cordon declares it (columns, partition keys, location, SerDe, projection parameters). */
  readonly spec: GlueTableSpec;
  /** The account and region of the policy that declares it (the bucket's and the Glue catalog's). */
  readonly account: string;
  readonly region: string;
  /** The policy that declares it (for messages). */
  readonly policy: string;
  /** The target (with its role, if any) whose credentials read the bucket; default { account, region }. */
  readonly target?: TargetRef | undefined;
}

/** The partitions a query needs: the local engine fetches only their objects. */
export interface PartitionWindow {
  /** Inclusive. */
  readonly from: Date;
  /** Exclusive. */
  readonly until: Date;
  /** Only these partition values; undefined = every projected value. */
  readonly accounts?: readonly string[] | undefined;
  readonly regions?: readonly string[] | undefined;
}

export interface QueryProgress {
  readonly phase: "list" | "fetch" | "query" | "wait";
  /** One line for a person, e.g. "fetching 12/40 objects (3.1 MiB)". */
  readonly message: string;
  readonly done?: number;
  readonly total?: number;
}

export interface QueryRequest {
  /** SQL in the common subset (docs/query.md, "One SQL for both engines"). */
  readonly sql: string;
  /** The tables the SQL reads. */
  readonly tables: readonly QueryTable[];
  /** The partitions the SQL's filters select; the local engine fetches only these. */
  readonly window?: PartitionWindow | undefined;
  /** Refuse (before running when it can tell, else stop the query) past this many bytes scanned. */
  readonly maxScanBytes?: number | undefined;
  /** Aborted on Ctrl-C: the engine stops its query (Athena: StopQueryExecution) and rejects. */
  readonly signal?: AbortSignal | undefined;
  readonly progress?: ((event: QueryProgress) => void) | undefined;
}

export type QueryColumnType = "string" | "integer" | "double" | "boolean" | "timestamp";

export interface QueryColumn {
  readonly name: string;
  readonly type: QueryColumnType;
}

/** A cell: integers that do not fit a double exactly are decimal strings; timestamps ISO 8601 text. */
export type QueryCell = string | number | boolean | null;

export interface QueryStats {
  readonly engine: QueryEngineName;
  /** Athena's QueryExecutionId. */
  readonly queryId?: string | undefined;
  /** Athena: DataScannedInBytes. Local: the bytes of the objects the query read. */
  readonly bytesScanned: number;
  /** Athena's price for the scan (USD 5 per TB, at least 10 MB per query). */
  readonly costUsd?: number | undefined;
  /** Athena: where the result CSV was written. */
  readonly outputLocation?: string | undefined;
  /** Local: S3 objects listed, fetched, served from the cache; bytes downloaded. */
  readonly objectsListed?: number | undefined;
  readonly objectsFetched?: number | undefined;
  readonly cacheHits?: number | undefined;
  readonly bytesFetched?: number | undefined;
  /** Wall time of the whole run, and of the query alone. */
  readonly elapsedMs: number;
  readonly queryMs?: number | undefined;
}

export interface QueryResult {
  readonly columns: readonly QueryColumn[];
  readonly rows: readonly (readonly QueryCell[])[];
  readonly stats: QueryStats;
}

export interface QueryEngine {
  readonly name: QueryEngineName;
  run(request: QueryRequest): Promise<QueryResult>;
  /** Releases what the engine holds (DuckDB instance, clients). */
  close(): Promise<void>;
}
