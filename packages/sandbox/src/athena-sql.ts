// The SQL side of the sandbox's Athena: DuckDB (@duckdb/node-api, loaded by dynamic import only when
// a query runs) over local copies of the S3 objects a query reads. Each Glue table becomes a DuckDB
// table "awsdatacatalog"."<database>"."<table>" loaded from its files: text (LazySimpleSerDe, a
// field delimiter, header lines skipped, gzip by extension; every field read as text, then cast to
// the Glue type so a value that does not parse, such as flow logs' "-", is NULL as in Hive) or
// Parquet (columns by name). Partition columns are filled from each object's key. Then external
// access is switched off and locked, and the query runs: it can read those tables and nothing on
// the machine. DuckDB's errors become Athena-style reasons ("SYNTAX_ERROR: line 1:8: ...").
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

export interface SqlColumn {
  readonly name: string;
  /** The Glue (Hive) type: string, int, bigint, double, boolean, timestamp, ... */
  readonly type: string;
}

export interface SqlFile {
  /** The object's key (for the temp file's extension) and bytes. */
  readonly key: string;
  readonly data: Buffer;
  /** The partition columns' values, in partitionKeys order, as the key spells them. */
  readonly partitions: readonly string[];
}

export interface SqlTable {
  readonly database: string;
  readonly name: string;
  readonly columns: readonly SqlColumn[];
  readonly partitionKeys: readonly SqlColumn[];
  readonly format: "text" | "parquet";
  readonly delimiter: string;
  readonly skipHeaderLines: number;
  readonly files: readonly SqlFile[];
}

export interface SqlResult {
  /** Athena type names (varchar, bigint, integer, double, boolean, timestamp, ...). */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** Values as Athena writes them in the result CSV; null = NULL. */
  readonly rows: readonly (readonly (string | null)[])[];
}

/** A query that failed: `reason` is Athena's StateChangeReason. */
export class SqlFailure extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** A Glue (Hive) column type as DuckDB's. */
export function duckType(hive: string): string {
  const t = hive.trim().toLowerCase();
  const decimal = /^decimal\s*\((\d+)\s*,\s*(\d+)\)$/.exec(t);
  if (decimal !== null) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  switch (t) {
    case "int":
    case "integer":
      return "INTEGER";
    case "bigint":
      return "BIGINT";
    case "smallint":
      return "SMALLINT";
    case "tinyint":
      return "TINYINT";
    case "double":
      return "DOUBLE";
    case "float":
      return "FLOAT";
    case "boolean":
      return "BOOLEAN";
    case "timestamp":
      return "TIMESTAMP";
    case "date":
      return "DATE";
    default:
      return "VARCHAR";
  }
}

/** A DuckDB result type as Athena (Trino) names it in ColumnInfo.Type. */
export function athenaType(duck: string): string {
  const t = duck.toUpperCase();
  if (t.startsWith("DECIMAL")) return "decimal";
  if (t.startsWith("TIMESTAMP")) return "timestamp";
  switch (t) {
    case "BIGINT":
    case "HUGEINT":
    case "UBIGINT":
    case "UINTEGER":
    case "UHUGEINT":
      return "bigint";
    case "INTEGER":
    case "USMALLINT":
      return "integer";
    case "SMALLINT":
    case "UTINYINT":
      return "smallint";
    case "TINYINT":
      return "tinyint";
    case "DOUBLE":
      return "double";
    case "FLOAT":
      return "real";
    case "BOOLEAN":
      return "boolean";
    case "DATE":
      return "date";
    default:
      return "varchar";
  }
}

/** A value as Athena prints it: timestamps as "2026-12-05 10:00:00.000". */
function textOf(value: unknown, type: string): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value);
  if (type === "timestamp") {
    const m = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(s);
    if (m !== null) return `${m[1]}.${(m[2] ?? "").padEnd(3, "0").slice(0, 3)}`;
  }
  return s;
}

/** Athena's reason for a DuckDB error (the position from DuckDB's "LINE n:" and caret lines). */
export function reasonOf(message: string, database: string): string {
  const lines = message.split("\n");
  const head = lines[0] ?? message;
  let where = "";
  const at = lines.findIndex((l) => /^LINE \d+: /.test(l));
  if (at >= 0) {
    const line = Number(/^LINE (\d+): /.exec(lines[at] as string)?.[1]);
    const prefix = (/^LINE \d+: /.exec(lines[at] as string)?.[0] ?? "").length;
    const caret = (lines[at + 1] ?? "").indexOf("^");
    if (caret >= prefix) where = `line ${line}:${caret - prefix + 1}: `;
  }
  const body = head.replace(/^[A-Za-z ]+ Error: /, "");
  let m = /^Table with name (\S+) does not exist!?/.exec(body);
  if (m !== null) {
    const name = m[1] as string;
    return `TABLE_NOT_FOUND: ${where}Table 'awsdatacatalog.${name.includes(".") ? name : `${database}.${name}`}' does not exist`;
  }
  m = /^Schema with name (\S+) does not exist!?/.exec(body);
  if (m !== null) return `SCHEMA_NOT_FOUND: ${where}Schema '${m[1]}' does not exist`;
  m = /^Referenced column "?([^"\s]+)"? not found/.exec(body);
  if (m !== null) return `COLUMN_NOT_FOUND: ${where}Column '${m[1]}' cannot be resolved`;
  if (/^Parser Error/.test(head)) return `SYNTAX_ERROR: ${where}${body}`;
  if (/function/i.test(body) && /^(Binder|Catalog) Error/.test(head)) return `FUNCTION_NOT_FOUND: ${where}${body}`;
  if (/^Conversion Error/.test(head)) return `INVALID_CAST_ARGUMENT: ${where}${body}`;
  if (/^(Binder|Catalog) Error/.test(head)) return `SYNTAX_ERROR: ${where}${body}`;
  return `GENERIC_INTERNAL_ERROR: ${body}`;
}

function loadSql(table: SqlTable, dir: string, index: number): string {
  const target = `awsdatacatalog.${ident(table.database)}.${ident(table.name)}`;
  const parts = table.partitionKeys.map((k, i) => `TRY_CAST(f.p${i} AS ${duckType(k.type)}) AS ${ident(k.name)}`);
  const empty = [
    ...table.columns.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${ident(c.name)}`),
    ...table.partitionKeys.map((k) => `CAST(NULL AS ${duckType(k.type)}) AS ${ident(k.name)}`),
  ];
  if (table.files.length === 0) return `CREATE TABLE ${target} AS SELECT ${empty.join(", ")} WHERE false`;
  const paths: string[] = [];
  const fileRows: string[] = [];
  table.files.forEach((f, i) => {
    const path = join(dir, `t${index}-${i}-${basename(f.key).replace(/[^A-Za-z0-9._-]/g, "_")}`);
    writeFileSync(path, f.data);
    paths.push(path);
    fileRows.push(`(${[literal(path), ...f.partitions.map(literal)].join(", ")})`);
  });
  const fileColumns = ["file", ...table.partitionKeys.map((_, i) => `p${i}`)];
  const files = `(VALUES ${fileRows.join(", ")}) AS f(${fileColumns.join(", ")})`;
  const list = `[${paths.map(literal).join(", ")}]`;
  if (table.format === "parquet") {
    const cols = table.columns.map((c) => `TRY_CAST(t.${ident(c.name)} AS ${duckType(c.type)}) AS ${ident(c.name)}`);
    return `CREATE TABLE ${target} AS SELECT ${[...cols, ...parts].join(", ")} FROM read_parquet(${list}, filename = true, union_by_name = true) t JOIN ${files} ON t.filename = f.file`;
  }
  const columns = `{${table.columns.map((_, i) => `'c${i}': 'VARCHAR'`).join(", ")}}`;
  const cols = table.columns.map((c, i) => `TRY_CAST(t.c${i} AS ${duckType(c.type)}) AS ${ident(c.name)}`);
  const reader = `read_csv(${list}, delim = ${literal(table.delimiter)}, header = false, skip = ${table.skipHeaderLines}, columns = ${columns}, filename = true, quote = '', escape = '', auto_detect = false, null_padding = true, nullstr = '\\N')`;
  return `CREATE TABLE ${target} AS SELECT ${[...cols, ...parts].join(", ")} FROM ${reader} t JOIN ${files} ON t.filename = f.file`;
}

/** Runs one query over the tables; throws SqlFailure with Athena's reason when it fails. */
export async function runSql(sql: string, database: string, tables: readonly SqlTable[]): Promise<SqlResult> {
  const statement = sql.trim().replace(/;\s*$/, "");
  if (!/^(\(|select\b|with\b|values\b|table\b)/i.test(statement)) {
    throw new SqlFailure(
      "NOT_SUPPORTED: the Cordon sandbox's Athena runs queries only (SELECT, WITH, VALUES), not DDL or DML",
    );
  }
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const dir = mkdtempSync(join(tmpdir(), "sandbox-athena-"));
  const connection = await instance.connect();
  try {
    const schemas = new Set([database, ...tables.map((t) => t.database)]);
    await connection.run("ATTACH ':memory:' AS awsdatacatalog");
    for (const s of schemas) await connection.run(`CREATE SCHEMA IF NOT EXISTS awsdatacatalog.${ident(s)}`);
    await connection.run(`USE awsdatacatalog.${ident(database)}`);
    try {
      for (const [i, t] of tables.entries()) await connection.run(loadSql(t, dir, i));
    } catch (e) {
      throw new SqlFailure(`HIVE_BAD_DATA: ${reasonOf((e as Error).message, database).replace(/^[A-Z_]+: /, "")}`);
    }
    await connection.run("SET enable_external_access = false");
    await connection.run("SET lock_configuration = true");
    let reader: Awaited<ReturnType<typeof connection.runAndReadAll>>;
    try {
      reader = await connection.runAndReadAll(statement);
    } catch (e) {
      throw new SqlFailure(reasonOf((e as Error).message, database));
    }
    const types = reader.columnTypes().map((t) => athenaType(String(t)));
    const columns = reader.columnNames().map((name, i) => ({ name, type: types[i] as string }));
    const rows = reader.getRows().map((row) => row.map((v, i) => textOf(v, types[i] as string)));
    return { columns, rows };
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}
