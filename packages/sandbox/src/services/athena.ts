// Athena (JSON 1.1, target prefix AmazonAthena): workgroups and query executions of the caller's
// (account, region). A query runs in the background: QUEUED, then RUNNING while it reads the Glue
// table's objects from the sandbox's S3 (partition values from each key through the table's
// projection and storage.location.template) and runs the SQL with DuckDB (src/athena-sql.ts), then
// SUCCEEDED once the result CSV and its .csv.metadata are written to the output location — or
// FAILED with Athena's reason, or CANCELLED by StopQueryExecution. The reads and the write are
// checked against the caller's identity policy as AWS does (glue:GetDatabase, glue:GetTable,
// s3:ListBucket with s3:prefix, s3:GetObject, s3:PutObject; s3:GetBucketLocation and s3:ListBucket
// on the output bucket when the query starts). Test controls (SandboxConfig): athenaQueryDelayMs keeps a query
// RUNNING that long after it has scanned; athenaQueriesHang keeps it RUNNING until it is stopped.
import { createHash } from "node:crypto";
import {
  partitionConjuncts,
  partitionsPassing,
  runSql,
  SqlFailure,
  type SqlFile,
  type SqlTable,
} from "../athena-sql.js";
import { evaluateIdentity, type IamCheck } from "../iam.js";
import { actionAllowed, identities, resolveCaller } from "../identity.js";
import {
  decodeToken,
  encodeToken,
  epochSeconds,
  jsonErrorResponse,
  jsonOperation,
  jsonResponse,
} from "../protocols/json.js";
import {
  ApiError,
  type SandboxRequest,
  type SandboxResponse,
  type ServiceContext,
  type ServiceModule,
} from "../types.js";
import type { GlueState, GlueTableRecord } from "./glue.js";
import { type BucketRecord, storeObject } from "./s3.js";

export type QueryState = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

export interface WorkGroupRecord {
  readonly name: string;
  readonly description: string;
  state: "ENABLED" | "DISABLED";
  readonly creationTime: number;
  readonly outputLocation?: string;
  readonly enforce: boolean;
  readonly bytesScannedCutoffPerQuery?: number;
  readonly publishCloudWatchMetrics: boolean;
}

export interface QueryRecord {
  readonly id: string;
  readonly query: string;
  readonly database: string;
  readonly catalog: string;
  readonly workgroup: string;
  /** <location>/<id>.csv */
  readonly outputLocation: string;
  readonly accessKeyId: string;
  /** The idempotency token and a digest of the request it started (to refuse a reuse with other parameters). */
  readonly token: string;
  readonly requestDigest: string;
  state: QueryState;
  reason?: string;
  errorCategory?: number;
  /** Sandbox-clock times (the API's timestamps). */
  readonly submitted: number;
  started?: number;
  completed?: number;
  /** Wall-clock ms (the statistics' durations: the sandbox clock may stand still). */
  readonly wallSubmitted: number;
  wallStarted?: number;
  wallCompleted?: number;
  bytesScanned: number;
  engineMs: number;
  /** The result's columns (Athena type names), once SUCCEEDED; the rows are read back from the CSV. */
  columns?: { readonly name: string; readonly type: string }[];
}

export interface AthenaState {
  workgroups: Record<string, WorkGroupRecord>;
  queries: Record<string, QueryRecord>;
  /** ClientRequestToken → query id. */
  tokens: Record<string, string>;
}

const OPERATIONS = [
  "StartQueryExecution",
  "GetQueryExecution",
  "GetQueryResults",
  "StopQueryExecution",
  "ListQueryExecutions",
  "GetWorkGroup",
  "ListWorkGroups",
  "CreateWorkGroup",
  "DeleteWorkGroup",
] as const;
type Op = (typeof OPERATIONS)[number];
const OPERATION_SET: ReadonlySet<string> = new Set(OPERATIONS);

const MAX_QUERY_LENGTH = 262_144;
const MIN_CUTOFF = 10_000_000;
const NO_OUTPUT =
  "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.";

/** Each sandbox's running queries' stop switches (in memory: a restart fails what was running). */
const runningBySandbox = new WeakMap<ServiceContext, Map<string, () => void>>();
function runningOf(ctx: ServiceContext): Map<string, () => void> {
  let m = runningBySandbox.get(ctx);
  if (m === undefined) {
    m = new Map();
    runningBySandbox.set(ctx, m);
  }
  return m;
}

function invalid(message: string, athenaErrorCode = "INVALID_INPUT"): ApiError {
  return new ApiError("InvalidRequestException", message, 400, { AthenaErrorCode: athenaErrorCode });
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function primary(now: number): WorkGroupRecord {
  return {
    name: "primary",
    description: "",
    state: "ENABLED",
    creationTime: now,
    enforce: false,
    publishCloudWatchMetrics: true,
  };
}

function stateOf(ctx: ServiceContext, account: string, region: string): AthenaState {
  const s = ctx.state<AthenaState>("athena", account, region);
  s.workgroups["primary"] ??= primary(ctx.now().getTime());
  return s;
}

/** s3://bucket/key → bucket and key; undefined when it is not an S3 URI. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m === null ? undefined : { bucket: m[1] as string, key: m[2] as string };
}

function workGroupOut(w: WorkGroupRecord) {
  return {
    Name: w.name,
    State: w.state,
    Description: w.description,
    CreationTime: epochSeconds(w.creationTime),
    Configuration: {
      ...(w.outputLocation !== undefined ? { ResultConfiguration: { OutputLocation: w.outputLocation } } : {}),
      EnforceWorkGroupConfiguration: w.enforce,
      PublishCloudWatchMetricsEnabled: w.publishCloudWatchMetrics,
      ...(w.bytesScannedCutoffPerQuery !== undefined
        ? { BytesScannedCutoffPerQuery: w.bytesScannedCutoffPerQuery }
        : {}),
      RequesterPaysEnabled: false,
      EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
    },
  };
}

function queryOut(q: QueryRecord) {
  const end = q.completed ?? undefined;
  const wallEnd = q.wallCompleted ?? Date.now();
  const queued = (q.wallStarted ?? wallEnd) - q.wallSubmitted;
  return {
    QueryExecutionId: q.id,
    Query: q.query,
    StatementType: "DML",
    ResultConfiguration: { OutputLocation: q.outputLocation },
    ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    QueryExecutionContext: { Database: q.database, Catalog: q.catalog },
    Status: {
      State: q.state,
      ...(q.reason !== undefined ? { StateChangeReason: q.reason } : {}),
      SubmissionDateTime: epochSeconds(q.submitted),
      ...(end !== undefined ? { CompletionDateTime: epochSeconds(end) } : {}),
      ...(q.state === "FAILED"
        ? {
            AthenaError: {
              ErrorCategory: q.errorCategory ?? 2,
              ErrorType: 1000,
              Retryable: false,
              ErrorMessage: q.reason,
            },
          }
        : {}),
    },
    Statistics: {
      EngineExecutionTimeInMillis: q.engineMs,
      DataScannedInBytes: q.bytesScanned,
      TotalExecutionTimeInMillis: wallEnd - q.wallSubmitted,
      QueryQueueTimeInMillis: queued,
      ResultReuseInformation: { ReusedPreviousResult: false },
    },
    WorkGroup: q.workgroup,
    EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
    SubstatementType: "SELECT",
  };
}

function findQuery(state: AthenaState, id: unknown, ctx: ServiceContext): QueryRecord {
  const q = typeof id === "string" ? state.queries[id] : undefined;
  if (q === undefined) throw invalid(`QueryExecution ${String(id ?? "null")} was not found`);
  if ((q.state === "QUEUED" || q.state === "RUNNING") && !runningOf(ctx).has(q.id)) {
    // Loaded from a state file: the process that ran it is gone.
    q.state = "FAILED";
    q.reason = "GENERIC_INTERNAL_ERROR: the sandbox restarted while the query ran";
    q.errorCategory = 1;
    q.completed = q.started ?? q.submitted;
    q.wallCompleted = Date.now();
  }
  return q;
}

// ---- running a query ------------------------------------------------------------------------------

/** Whether the caller of `accessKeyId` may make `check`, as the server's IAM evaluation decides. */
function callerMay(ctx: ServiceContext, accessKeyId: string, check: IamCheck): { ok: boolean; arn: string } {
  const caller = resolveCaller(identities(ctx), accessKeyId);
  const ok =
    caller.policy !== undefined
      ? evaluateIdentity(caller.policy, check) === "allow"
      : actionAllowed(caller.allow, check.action);
  return { ok, arn: caller.arn };
}

function buckets(ctx: ServiceContext): Record<string, BucketRecord> {
  return ctx.global<{ buckets: Record<string, BucketRecord> }>("s3.buckets", () => ({ buckets: {} })).buckets;
}

/** A Java DateTimeFormatter pattern as a regular expression (the letters projection formats use). */
function dateRegex(format: string): string {
  let out = "";
  for (let i = 0; i < format.length; ) {
    const ch = format[i] as string;
    if (ch === "'") {
      const end = format.indexOf("'", i + 1);
      const lit = format.slice(i + 1, end < 0 ? undefined : end);
      out += lit.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      i = end < 0 ? format.length : end + 1;
      continue;
    }
    let run = 1;
    while (format[i + run] === ch) run++;
    if (/[A-Za-z]/.test(ch)) out += `\\d{${run}}`;
    else out += ch.repeat(run).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    i += run;
  }
  return out;
}

interface Partitioning {
  readonly bucket: string;
  /** The fixed key prefix every object of the table starts with. */
  readonly prefix: string;
  /** Matches a key; groups = the partition values in the template's order. */
  readonly regex: RegExp;
  /** For each partition key (table order), its group index (1-based). */
  readonly groupOf: readonly number[];
  /** Checks a value of a partition key (enum membership, integer range). */
  readonly accepts: readonly ((value: string) => boolean)[];
}

function partitioning(table: GlueTableRecord, where: string): Partitioning {
  const input = table.input;
  const params = obj(input["Parameters"]) as Record<string, string>;
  const sd = obj(input["StorageDescriptor"]);
  const keys = (Array.isArray(input["PartitionKeys"]) ? input["PartitionKeys"] : []).map((k) =>
    String(obj(k)["Name"] ?? "").toLowerCase(),
  );
  const location = str(sd["Location"]) ?? "";
  const projected = (params["projection.enabled"] ?? "").toLowerCase() === "true";
  const base = location.endsWith("/") ? location : `${location}/`;
  const template =
    projected && params["storage.location.template"] !== undefined
      ? (params["storage.location.template"] as string)
      : `${base}${keys.map((k) => `${k}=\${${k}}/`).join("")}`;
  const uri = parseS3Uri(template);
  if (uri === undefined) {
    throw new SqlFailure(`HIVE_INVALID_METADATA: ${where} has no S3 location (${template || "none"})`);
  }
  if (projected) {
    const missing = keys.find((k) => params[`projection.${k}.type`] === undefined);
    if (missing !== undefined) {
      throw new SqlFailure(
        `HIVE_METASTORE_ERROR: Table ${where} is configured for partition projection, but the following partition columns are missing projection configuration: [${missing}]`,
      );
    }
  }
  const order: string[] = [];
  let regex = "^";
  let prefix: string | undefined;
  let rest = uri.key;
  for (;;) {
    const at = rest.indexOf("${");
    if (at < 0) break;
    const end = rest.indexOf("}", at);
    const name = rest.slice(at + 2, end).toLowerCase();
    const literalPart = rest.slice(0, at);
    if (prefix === undefined) prefix = literalPart;
    regex += literalPart.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const type = (params[`projection.${name}.type`] ?? "").toLowerCase();
    const format = params[`projection.${name}.format`];
    regex +=
      type === "date" && format !== undefined ? `(${dateRegex(format)})` : type === "integer" ? "(\\d+)" : "([^/]+)";
    order.push(name);
    rest = rest.slice(end + 1);
  }
  regex += rest.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (prefix === undefined) prefix = rest;
  // The objects of a partition: files below its location, not "_" or "." files (Hive's hidden files).
  regex += "(?:[^/]+/)*[^_./][^/]*$";
  const accepts = keys.map((k) => {
    const type = (params[`projection.${k}.type`] ?? "").toLowerCase();
    if (type === "enum") {
      const values = new Set((params[`projection.${k}.values`] ?? "").split(","));
      return (v: string) => values.has(v);
    }
    if (type === "integer") {
      const [lo, hi] = (params[`projection.${k}.range`] ?? "").split(",").map((x) => Number(x));
      return (v: string) => (lo === undefined || Number(v) >= lo) && (hi === undefined || Number(v) <= hi);
    }
    return () => true;
  });
  return {
    bucket: uri.bucket,
    prefix,
    regex: new RegExp(regex),
    groupOf: keys.map((k) => order.indexOf(k) + 1),
    accepts,
  };
}

/** The "database"."table" names a query reads (FROM and JOIN), with the context database for bare names. */
export function tablesNamed(sql: string, database: string): { database: string; table: string }[] {
  const part = `(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)`;
  const re = new RegExp(`\\b(?:from|join)\\s+(${part}(?:\\s*\\.\\s*${part}){0,2})`, "gi");
  const unquote = (p: string) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p).toLowerCase();
  const out = new Map<string, { database: string; table: string }>();
  for (const m of sql.matchAll(re)) {
    const parts = (m[1] as string).match(new RegExp(part, "g"))?.map(unquote) ?? [];
    const table = parts[parts.length - 1] as string;
    const db = parts.length >= 2 ? (parts[parts.length - 2] as string) : database;
    out.set(`${db}.${table}`, { database: db, table });
  }
  return [...out.values()];
}

interface Reads {
  readonly tables: SqlTable[];
  readonly bytes: number;
}

/** Resolves the Glue tables a query names and reads their objects, with the caller's rights. */
async function readTables(ctx: ServiceContext, q: QueryRecord, account: string, region: string): Promise<Reads> {
  const glue = ctx.state<GlueState>("glue", account, region);
  const all = buckets(ctx);
  const tables: SqlTable[] = [];
  let bytes = 0;
  for (const named of tablesNamed(q.query, q.database)) {
    const record = glue.databases[named.database]?.tables[named.table];
    if (record === undefined) continue; // a CTE, or missing: DuckDB reports TABLE_NOT_FOUND with its position
    const base = `arn:aws:glue:${region}:${account}`;
    const catalog = `${base}:catalog`;
    const database = `${base}:database/${named.database}`;
    // Athena reads the database, then the table, from the Glue Data Catalog with the caller's rights.
    for (const [action, resources] of [
      ["glue:GetDatabase", [catalog, database]],
      ["glue:GetTable", [catalog, database, `${base}:table/${named.database}/${named.table}`]],
    ] as const) {
      for (const resource of resources) {
        const check = callerMay(ctx, q.accessKeyId, { action, resource });
        if (!check.ok) {
          throw new SqlFailure(
            `Insufficient permissions to execute the query. User: ${check.arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
          );
        }
      }
    }
    const where = `${named.database}.${named.table}`;
    const p = partitioning(record, where);
    const input = record.input;
    const sd = obj(input["StorageDescriptor"]);
    const serde = obj(sd["SerdeInfo"]);
    const params = obj(input["Parameters"]) as Record<string, string>;
    const columns = (Array.isArray(sd["Columns"]) ? sd["Columns"] : []).map((c) => ({
      name: String(obj(c)["Name"] ?? "").toLowerCase(),
      type: String(obj(c)["Type"] ?? "string"),
    }));
    const partitionKeys = (Array.isArray(input["PartitionKeys"]) ? input["PartitionKeys"] : []).map((c) => ({
      name: String(obj(c)["Name"] ?? "").toLowerCase(),
      type: String(obj(c)["Type"] ?? "string"),
    }));
    // Athena lists the table's objects under its location (the s3:prefix condition key of ListBucket).
    const list = callerMay(ctx, q.accessKeyId, {
      action: "s3:ListBucket",
      resource: `arn:aws:s3:::${p.bucket}`,
      context: { "s3:prefix": p.prefix },
    });
    if (!list.ok) throw new SqlFailure(`Permission denied on S3 path: s3://${p.bucket}/${p.prefix}`);
    const bucket = all[p.bucket];
    if (bucket === undefined)
      throw new SqlFailure(`HIVE_CANNOT_OPEN_SPLIT: The specified bucket does not exist: ${p.bucket}`);
    // The objects of the table's partitions, then pruned by the query's partition-only conditions.
    const candidates: { key: string; values: string[] }[] = [];
    for (const key of Object.keys(bucket.objects).sort()) {
      if (!key.startsWith(p.prefix)) continue;
      const m = p.regex.exec(key);
      if (m === null) continue;
      const values = p.groupOf.map((g) => (g > 0 ? (m[g] as string) : ""));
      if (!values.every((v, i) => (p.accepts[i] as (v: string) => boolean)(v))) continue;
      candidates.push({ key, values });
    }
    const conditions = partitionConjuncts(
      q.query,
      { database: named.database, name: named.table, contextDatabase: q.database },
      partitionKeys.map((k) => k.name),
    );
    const tuples = [...new Map(candidates.map((c) => [JSON.stringify(c.values), c.values])).values()];
    const passing = conditions === undefined ? undefined : await partitionsPassing(conditions, partitionKeys, tuples);
    const kept = new Set(
      passing === undefined ? tuples.map((v) => JSON.stringify(v)) : [...passing].map((n) => JSON.stringify(tuples[n])),
    );
    const files: SqlFile[] = [];
    for (const { key, values } of candidates) {
      if (!kept.has(JSON.stringify(values))) continue;
      const get = callerMay(ctx, q.accessKeyId, {
        action: "s3:GetObject",
        resource: `arn:aws:s3:::${p.bucket}/${key}`,
      });
      if (!get.ok) throw new SqlFailure(`Permission denied on S3 path: s3://${p.bucket}/${key}`);
      const o = bucket.objects[key];
      if (o === undefined) continue;
      bytes += o.size;
      files.push({ key, data: Buffer.from(o.body, "base64"), partitions: values });
    }
    const lib = `${String(serde["SerializationLibrary"] ?? "")} ${String(sd["InputFormat"] ?? "")}`;
    tables.push({
      database: named.database,
      name: named.table,
      columns,
      partitionKeys,
      format: /parquet/i.test(lib) ? "parquet" : "text",
      delimiter: String(obj(serde["Parameters"])["field.delim"] ?? "\u0001"),
      skipHeaderLines: Number.parseInt(params["skip.header.line.count"] ?? "0", 10) || 0,
      files,
    });
  }
  return { tables, bytes };
}

/** A CSV field as Athena writes it: quoted, quotes doubled; NULL as an empty, unquoted field. */
const csvField = (v: string | null): string => (v === null ? "" : `"${v.replace(/"/g, '""')}"`);

/** Parses the result CSV back (quoted fields; an empty unquoted field is NULL). */
export function parseResultCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return rows;
  for (;;) {
    let value: string | null;
    if (text[i] === '"') {
      let out = "";
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          out += text.slice(i);
          i = n;
          break;
        }
        out += text.slice(i, q);
        if (text[q + 1] === '"') {
          out += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      value = out;
    } else {
      let end = i;
      while (end < n && text[end] !== "," && text[end] !== "\n") end++;
      const raw = text.slice(i, end);
      value = raw === "" ? null : raw;
      i = end;
    }
    row.push(value);
    if (i >= n) {
      rows.push(row);
      break;
    }
    if (text[i] === ",") {
      i++;
      continue;
    }
    // newline
    rows.push(row);
    row = [];
    i++;
    if (i >= n) break;
  }
  return rows;
}

const sleep = (ms: number, stopped: Promise<void>): Promise<void> =>
  Promise.race([
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref?.();
    }),
    stopped,
  ]);

async function execute(ctx: ServiceContext, q: QueryRecord, account: string, region: string, w: WorkGroupRecord) {
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const running = runningOf(ctx);
  running.set(q.id, stop);
  const live = () => q.state === "QUEUED" || q.state === "RUNNING";
  const fail = (reason: string, category = 2) => {
    if (!live()) return;
    q.state = "FAILED";
    q.reason = reason;
    q.errorCategory = category;
    q.completed = ctx.now().getTime();
    q.wallCompleted = Date.now();
    ctx.touch();
  };
  try {
    await sleep(10, stopped);
    if (!live()) return;
    q.state = "RUNNING";
    q.started = ctx.now().getTime();
    q.wallStarted = Date.now();
    ctx.touch();
    const t0 = performance.now();
    const reads = await readTables(ctx, q, account, region);
    q.bytesScanned = reads.bytes;
    ctx.touch();
    if (w.bytesScannedCutoffPerQuery !== undefined && reads.bytes > w.bytesScannedCutoffPerQuery) {
      fail("Bytes scanned limit was exceeded");
      return;
    }
    const result = await runSql(q.query, q.database, reads.tables);
    q.engineMs = Math.round(performance.now() - t0);
    if (!live()) return;
    const delay = ctx.config.athenaQueryDelayMs;
    if (ctx.config.athenaQueriesHang) await stopped;
    else if (delay > 0) await sleep(delay, stopped);
    if (!live()) return;
    const out = parseS3Uri(q.outputLocation) as { bucket: string; key: string };
    const put = callerMay(ctx, q.accessKeyId, {
      action: "s3:PutObject",
      resource: `arn:aws:s3:::${out.bucket}/${out.key}`,
    });
    if (!put.ok) {
      fail(
        `Access denied when writing output to url: ${q.outputLocation} . Please ensure you are allowed to access the S3 bucket. If you are encrypting query results with KMS key, please ensure you are allowed to access your KMS key`,
      );
      return;
    }
    const csv = [result.columns.map((c) => csvField(c.name)), ...result.rows.map((r) => r.map(csvField))]
      .map((r) => `${r.join(",")}\n`)
      .join("");
    const now = ctx.now().getTime();
    if (!storeObject(ctx, out.bucket, out.key, Buffer.from(csv, "utf8"), "text/csv", now)) {
      fail(`Unable to verify/create output bucket ${out.bucket}`);
      return;
    }
    // Athena's .metadata object is a binary (protobuf) description of the columns; the sandbox's is JSON.
    const metadata = { ColumnInfo: result.columns.map((c) => ({ Name: c.name, Label: c.name, Type: c.type })) };
    storeObject(
      ctx,
      out.bucket,
      `${out.key}.metadata`,
      Buffer.from(JSON.stringify(metadata)),
      "application/octet-stream",
      now,
    );
    q.columns = [...result.columns];
    q.state = "SUCCEEDED";
    q.completed = ctx.now().getTime();
    q.wallCompleted = Date.now();
    ctx.touch();
  } catch (e) {
    if (e instanceof SqlFailure) fail(e.reason);
    else fail(`GENERIC_INTERNAL_ERROR: ${(e as Error).message}`, 1);
  } finally {
    running.delete(q.id);
  }
}

// ---- operations -----------------------------------------------------------------------------------

function start(req: SandboxRequest, ctx: ServiceContext): SandboxResponse {
  const j = req.json;
  const state = stateOf(ctx, req.account, req.region);
  const query = str(j["QueryString"]);
  if (query === undefined || query.length < 1 || query.length > MAX_QUERY_LENGTH) {
    throw invalid(
      `1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to ${MAX_QUERY_LENGTH} and greater than or equal to 1`,
    );
  }
  const token = str(j["ClientRequestToken"]);
  if (token !== undefined && (token.length < 32 || token.length > 128)) {
    throw invalid(
      "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32",
    );
  }
  const context = obj(j["QueryExecutionContext"]);
  const name = str(j["WorkGroup"]) ?? "primary";
  const digest = createHash("sha256")
    .update(JSON.stringify([query, context, j["ResultConfiguration"] ?? null, name]))
    .digest("hex");
  if (token !== undefined) {
    const earlier = state.tokens[token];
    const q = earlier === undefined ? undefined : state.queries[earlier];
    if (q !== undefined) {
      if (q.requestDigest !== digest) throw invalid("Idempotent parameters do not match", "INVALID_INPUT");
      return jsonResponse(req, { QueryExecutionId: q.id });
    }
  }
  const w = state.workgroups[name];
  if (w === undefined) throw invalid(`WorkGroup ${name} is not found.`);
  if (w.state === "DISABLED") throw invalid(`WorkGroup ${name} is disabled.`);
  const requested = str(obj(j["ResultConfiguration"])["OutputLocation"]);
  const location = w.enforce ? (w.outputLocation ?? requested) : (requested ?? w.outputLocation);
  if (location === undefined || location === "") throw invalid(NO_OUTPUT);
  const output = parseS3Uri(location);
  if (output === undefined) throw invalid(`outputLocation ${location} is not a valid S3 location`);
  // Athena verifies the output bucket with the caller's rights (its region, that it can list it).
  for (const action of ["s3:GetBucketLocation", "s3:ListBucket"]) {
    if (!callerMay(ctx, req.accessKeyId, { action, resource: `arn:aws:s3:::${output.bucket}` }).ok)
      throw invalid(`Unable to verify/create output bucket ${output.bucket}`);
  }
  const id = ctx.newId("uuid");
  const q: QueryRecord = {
    id,
    query,
    database: (str(context["Database"]) ?? "default").toLowerCase(),
    catalog: str(context["Catalog"]) ?? "AwsDataCatalog",
    workgroup: name,
    outputLocation: `${location.endsWith("/") ? location : `${location}/`}${id}.csv`,
    accessKeyId: req.accessKeyId,
    token: token ?? id,
    requestDigest: digest,
    state: "QUEUED",
    submitted: ctx.now().getTime(),
    wallSubmitted: Date.now(),
    bytesScanned: 0,
    engineMs: 0,
  };
  state.queries[id] = q;
  if (token !== undefined) state.tokens[token] = id;
  ctx.touch();
  void execute(ctx, q, req.account, req.region, w);
  return jsonResponse(req, { QueryExecutionId: id });
}

function results(req: SandboxRequest, ctx: ServiceContext): SandboxResponse {
  const j = req.json;
  const q = findQuery(stateOf(ctx, req.account, req.region), j["QueryExecutionId"], ctx);
  const max = j["MaxResults"] === undefined ? 1000 : Number(j["MaxResults"]);
  if (!Number.isInteger(max) || max < 1 || max > 1000) {
    throw invalid(
      `1 validation error detected: Value '${String(j["MaxResults"])}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  if (q.state !== "SUCCEEDED") {
    throw invalid(
      q.state === "QUEUED" || q.state === "RUNNING"
        ? `Query has not yet finished. Current state: ${q.state}`
        : `Query did not finish successfully. Final query state: ${q.state}${q.reason !== undefined ? `: ${q.reason}` : ""}`,
    );
  }
  const out = parseS3Uri(q.outputLocation) as { bucket: string; key: string };
  const object = buckets(ctx)[out.bucket]?.objects[out.key];
  if (object === undefined) throw invalid(`Unable to read the query result at ${q.outputLocation}: it was deleted`);
  const rows = parseResultCsv(Buffer.from(object.body, "base64").toString("utf8"));
  const tokenIn = str(j["NextToken"]);
  let offset = 0;
  if (tokenIn !== undefined) {
    const decoded = decodeToken(`athena:${q.id}`, tokenIn);
    if (decoded === undefined || !/^\d+$/.test(decoded)) throw invalid("The NextToken is not valid.");
    offset = Number(decoded);
  }
  const page = rows.slice(offset, offset + max);
  const next = offset + max < rows.length ? encodeToken(`athena:${q.id}`, String(offset + max)) : undefined;
  return jsonResponse(req, {
    UpdateCount: 0,
    ResultSet: {
      Rows: page.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })),
      ResultSetMetadata: {
        ColumnInfo: (q.columns ?? []).map((c) => ({
          CatalogName: "hive",
          SchemaName: "",
          TableName: "",
          Name: c.name,
          Label: c.name,
          Type: c.type,
          Precision: c.type === "varchar" ? 2147483647 : c.type === "bigint" ? 19 : c.type === "integer" ? 10 : 17,
          Scale: 0,
          Nullable: "UNKNOWN",
          CaseSensitive: c.type === "varchar",
        })),
      },
    },
    ...(next !== undefined ? { NextToken: next } : {}),
  });
}

function createWorkGroup(req: SandboxRequest, ctx: ServiceContext): SandboxResponse {
  const j = req.json;
  const state = stateOf(ctx, req.account, req.region);
  const name = str(j["Name"]);
  if (name === undefined || !/^[a-zA-Z0-9._-]{1,128}$/.test(name)) {
    throw invalid(
      `1 validation error detected: Value '${String(j["Name"] ?? "null")}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9._-]{1,128}`,
    );
  }
  if (state.workgroups[name] !== undefined) throw invalid("WorkGroup is already created");
  const c = obj(j["Configuration"]);
  const cutoff = c["BytesScannedCutoffPerQuery"];
  if (cutoff !== undefined && (typeof cutoff !== "number" || !Number.isInteger(cutoff) || cutoff < MIN_CUTOFF)) {
    throw invalid(
      `1 validation error detected: Value '${String(cutoff)}' at 'configuration.bytesScannedCutoffPerQuery' failed to satisfy constraint: Member must have value greater than or equal to ${MIN_CUTOFF}`,
    );
  }
  const location = str(obj(c["ResultConfiguration"])["OutputLocation"]);
  if (location !== undefined && parseS3Uri(location) === undefined) {
    throw invalid(`outputLocation ${location} is not a valid S3 location`);
  }
  state.workgroups[name] = {
    name,
    description: str(j["Description"]) ?? "",
    state: "ENABLED",
    creationTime: ctx.now().getTime(),
    enforce: c["EnforceWorkGroupConfiguration"] === undefined ? true : c["EnforceWorkGroupConfiguration"] === true,
    publishCloudWatchMetrics: c["PublishCloudWatchMetricsEnabled"] !== false,
    ...(location !== undefined ? { outputLocation: location } : {}),
    ...(typeof cutoff === "number" ? { bytesScannedCutoffPerQuery: cutoff } : {}),
  };
  return jsonResponse(req, {});
}

function handle(op: Op, req: SandboxRequest, ctx: ServiceContext): SandboxResponse {
  const j = req.json;
  const state = stateOf(ctx, req.account, req.region);
  switch (op) {
    case "StartQueryExecution":
      return start(req, ctx);
    case "GetQueryExecution":
      return jsonResponse(req, { QueryExecution: queryOut(findQuery(state, j["QueryExecutionId"], ctx)) });
    case "GetQueryResults":
      return results(req, ctx);
    case "StopQueryExecution": {
      const q = findQuery(state, j["QueryExecutionId"], ctx);
      if (q.state === "QUEUED" || q.state === "RUNNING") {
        q.state = "CANCELLED";
        q.completed = ctx.now().getTime();
        q.wallCompleted = Date.now();
        runningOf(ctx).get(q.id)?.();
      }
      return jsonResponse(req, {});
    }
    case "ListQueryExecutions": {
      const name = str(j["WorkGroup"]) ?? "primary";
      if (state.workgroups[name] === undefined) throw invalid(`WorkGroup ${name} is not found.`);
      const ids = Object.values(state.queries)
        .filter((q) => q.workgroup === name)
        .sort((a, b) => b.submitted - a.submitted)
        .map((q) => q.id);
      return jsonResponse(req, { QueryExecutionIds: ids.slice(0, 50) });
    }
    case "GetWorkGroup": {
      const name = str(j["WorkGroup"]) ?? "";
      const w = state.workgroups[name];
      if (w === undefined) throw invalid(`WorkGroup ${name} is not found.`);
      return jsonResponse(req, { WorkGroup: workGroupOut(w) });
    }
    case "ListWorkGroups": {
      const all = Object.values(state.workgroups).sort((a, b) => a.name.localeCompare(b.name));
      return jsonResponse(req, {
        WorkGroups: all.map((w) => ({
          Name: w.name,
          State: w.state,
          Description: w.description,
          CreationTime: epochSeconds(w.creationTime),
          EngineVersion: { SelectedEngineVersion: "AUTO", EffectiveEngineVersion: "Athena engine version 3" },
        })),
      });
    }
    case "CreateWorkGroup":
      return createWorkGroup(req, ctx);
    case "DeleteWorkGroup": {
      const name = str(j["WorkGroup"]) ?? "";
      if (name === "primary") throw invalid("Primary WorkGroup cannot be deleted");
      if (state.workgroups[name] === undefined) throw invalid(`WorkGroup ${name} is not found.`);
      delete state.workgroups[name];
      return jsonResponse(req, {});
    }
  }
}

export const athena: ServiceModule<AthenaState> = {
  name: "athena",
  protocol: "json",
  iamPrefix: "athena",
  throttle: { code: "TooManyRequestsException", status: 400 },
  operation: (req) => jsonOperation(req, "AmazonAthena", OPERATION_SET),
  handle: (operation, req, ctx) => handle(operation as Op, req, ctx),
  errorResponse: (error, req) => jsonErrorResponse(error, req),
  initialState: () => ({ workgroups: {}, queries: {}, tokens: {} }),
};

/** The workgroup a request names, and for a query id the workgroup it ran in (IAM resources). */
export function athenaWorkgroupOf(req: SandboxRequest, ctx: ServiceContext): string | undefined {
  const j = req.json;
  const id = str(j["QueryExecutionId"]);
  if (id !== undefined) return ctx.state<AthenaState>("athena", req.account, req.region).queries[id]?.workgroup;
  return str(j["WorkGroup"]) ?? str(j["Name"]);
}

/** The result object of a query (GetQueryResults reads it with the caller's rights). */
export function athenaResultOf(req: SandboxRequest, ctx: ServiceContext): string | undefined {
  const id = str(req.json["QueryExecutionId"]);
  return id === undefined
    ? undefined
    : ctx.state<AthenaState>("athena", req.account, req.region).queries[id]?.outputLocation;
}
