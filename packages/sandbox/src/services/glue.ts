// Glue Data Catalog (JSON 1.1, target prefix AWSGlue): databases and tables of the caller's
// catalog in (account, region). Names are folded to lower case; definitions are kept as sent
// (Glue adds only its own bookkeeping members: CreateTime, UpdateTime, VersionId, CatalogId, …).
import { assertNever } from "../errors.js";
import {
  decodeToken,
  encodeToken,
  epochSeconds,
  jsonErrorResponse,
  jsonOperation,
  jsonResponse,
  readTimestamp,
} from "../protocols/json.js";
import {
  ApiError,
  type SandboxRequest,
  type SandboxResponse,
  type ServiceContext,
  type ServiceModule,
} from "../types.js";

export interface GlueTableRecord {
  /** The TableInput as sent (Name folded), without server members. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly createTime: number;
  readonly updateTime: number;
  readonly versionId: number;
  readonly createdBy: string;
}

export interface GlueDatabaseRecord {
  /** The DatabaseInput as sent (Name folded). */
  readonly input: Readonly<Record<string, unknown>>;
  readonly createTime: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly tables: Record<string, GlueTableRecord>;
}

export interface GlueState {
  databases: Record<string, GlueDatabaseRecord>;
}

const OPERATIONS = [
  "GetDatabase",
  "CreateDatabase",
  "GetDatabases",
  "UpdateDatabase",
  "DeleteDatabase",
  "GetTable",
  "CreateTable",
  "UpdateTable",
  "DeleteTable",
  "GetTables",
] as const;
type Op = (typeof OPERATIONS)[number];
const OPERATION_SET: ReadonlySet<string> = new Set(OPERATIONS);

/** Glue's per-account quotas (defaults). */
const MAX_DATABASES = 10_000;
const MAX_TABLES_PER_DATABASE = 200_000;

/** Members of TableInput Glue accepts (old and new model); anything else is rejected like the service's validator. */
const TABLE_INPUT_MEMBERS = new Set([
  "Name",
  "Description",
  "Owner",
  "LastAccessTime",
  "LastAnalyzedTime",
  "Retention",
  "StorageDescriptor",
  "PartitionKeys",
  "ViewOriginalText",
  "ViewExpandedText",
  "TableType",
  "Parameters",
  "TargetTable",
  "ViewDefinition",
]);

const DATABASE_INPUT_MEMBERS = new Set([
  "Name",
  "Description",
  "LocationUri",
  "Parameters",
  "CreateTableDefaultPermissions",
  "TargetDatabase",
  "FederatedDatabase",
]);

function invalid(message: string): ApiError {
  return new ApiError("InvalidInputException", message, 400);
}

function validation(member: string, value: unknown, constraint: string): ApiError {
  const shown = value === undefined || value === null ? "null" : `'${String(value)}'`;
  return invalid(
    `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** Glue's single-line string pattern: no line breaks or other control characters except tab. */
const SINGLE_LINE = /^[^\u0000-\u0008\u000a-\u001f]*$/;

/** A catalog object name: 1–255 single-line characters; returns it folded to lower case. */
function readName(value: unknown, member: string): string {
  if (value === undefined || value === null) throw validation(member, value, "Member must not be null");
  if (typeof value !== "string") throw validation(member, value, "Member must be a string");
  if (value.length < 1 || value.length > 255) {
    throw validation(member, value, "Member must have length less than or equal to 255 and greater than or equal to 1");
  }
  if (!SINGLE_LINE.test(value)) {
    throw validation(
      member,
      value,
      "Member must satisfy regular expression pattern: [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*",
    );
  }
  return value.toLowerCase();
}

function readObject(value: unknown, member: string): Record<string, unknown> {
  if (value === undefined || value === null) throw validation(member, value, "Member must not be null");
  if (typeof value !== "object" || Array.isArray(value)) throw validation(member, value, "Member must be a structure");
  return value as Record<string, unknown>;
}

function checkParameters(value: unknown, member: string): void {
  if (value === undefined) return;
  const map = readObject(value, member);
  for (const [k, v] of Object.entries(map)) {
    if (k.length < 1 || k.length > 255)
      throw validation(`${member}.key`, k, "Member must have length between 1 and 255");
    if (typeof v !== "string") throw validation(`${member}.${k}`, v, "Member must be a string");
    if (v.length > 512_000) {
      throw validation(`${member}.${k}`, "…", "Member must have length less than or equal to 512000");
    }
  }
}

function checkColumns(value: unknown, member: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw validation(member, value, "Member must be a list");
  value.forEach((c, i) => {
    const col = readObject(c, `${member}.${i + 1}.member`);
    readName(col["Name"], `${member}.${i + 1}.member.name`);
    const type = col["Type"];
    if (type !== undefined && (typeof type !== "string" || type.length > 131_072)) {
      throw validation(`${member}.${i + 1}.member.type`, type, "Member must have length less than or equal to 131072");
    }
    const comment = col["Comment"];
    if (comment !== undefined && (typeof comment !== "string" || comment.length > 255)) {
      throw validation(
        `${member}.${i + 1}.member.comment`,
        comment,
        "Member must have length less than or equal to 255",
      );
    }
    checkParameters(col["Parameters"], `${member}.${i + 1}.member.parameters`);
  });
}

/** Validates a TableInput as Glue does and returns it with the name folded to lower case. */
function readTableInput(value: unknown): Record<string, unknown> {
  const input = readObject(value, "tableInput");
  for (const key of Object.keys(input)) {
    if (!TABLE_INPUT_MEMBERS.has(key)) throw invalid(`Unknown member ${key} in TableInput`);
  }
  const name = readName(input["Name"], "tableInput.name");
  const sd = input["StorageDescriptor"];
  if (sd !== undefined) {
    const desc = readObject(sd, "tableInput.storageDescriptor");
    checkColumns(desc["Columns"], "tableInput.storageDescriptor.columns");
    const location = desc["Location"];
    if (location !== undefined && (typeof location !== "string" || location.length > 2056)) {
      throw validation(
        "tableInput.storageDescriptor.location",
        location,
        "Member must have length less than or equal to 2056",
      );
    }
    for (const f of ["InputFormat", "OutputFormat"]) {
      const v = desc[f];
      if (v !== undefined && (typeof v !== "string" || v.length > 128)) {
        throw validation(
          `tableInput.storageDescriptor.${f[0]!.toLowerCase()}${f.slice(1)}`,
          v,
          "Member must have length less than or equal to 128",
        );
      }
    }
    checkParameters(desc["Parameters"], "tableInput.storageDescriptor.parameters");
    const serde = desc["SerdeInfo"];
    if (serde !== undefined)
      checkParameters(
        readObject(serde, "tableInput.storageDescriptor.serdeInfo")["Parameters"],
        "tableInput.storageDescriptor.serdeInfo.parameters",
      );
  }
  checkColumns(input["PartitionKeys"], "tableInput.partitionKeys");
  checkParameters(input["Parameters"], "tableInput.parameters");
  const retention = input["Retention"];
  if (retention !== undefined && (typeof retention !== "number" || !Number.isInteger(retention) || retention < 0)) {
    throw validation("tableInput.retention", retention, "Member must have value greater than or equal to 0");
  }
  const tableType = input["TableType"];
  if (tableType !== undefined && (typeof tableType !== "string" || tableType.length > 255)) {
    throw validation("tableInput.tableType", tableType, "Member must have length less than or equal to 255");
  }
  return { ...input, Name: name };
}

function readDatabaseInput(value: unknown): Record<string, unknown> {
  const input = readObject(value, "databaseInput");
  for (const key of Object.keys(input)) {
    if (!DATABASE_INPUT_MEMBERS.has(key)) throw invalid(`Unknown member ${key} in DatabaseInput`);
  }
  const name = readName(input["Name"], "databaseInput.name");
  const description = input["Description"];
  if (description !== undefined && (typeof description !== "string" || description.length > 2048)) {
    throw validation("databaseInput.description", description, "Member must have length less than or equal to 2048");
  }
  const location = input["LocationUri"];
  if (location !== undefined && (typeof location !== "string" || location.length < 1 || location.length > 1024)) {
    throw validation("databaseInput.locationUri", location, "Member must have length less than or equal to 1024");
  }
  checkParameters(input["Parameters"], "databaseInput.parameters");
  return { ...input, Name: name };
}

/** The catalog a request addresses: CatalogId defaults to the caller's account; another account's catalog is denied. */
function checkCatalog(req: SandboxRequest): string {
  const id = req.json["CatalogId"];
  if (id === undefined) return req.account;
  if (typeof id !== "string" || id.length < 1 || id.length > 255)
    throw validation("catalogId", id, "Member must have length between 1 and 255");
  if (id !== req.account) {
    throw new ApiError(
      "AccessDeniedException",
      `User: ${req.callerArn} is not authorized to access catalog ${id} (cross-account catalogs are not modelled by the sandbox)`,
      400,
    );
  }
  return id;
}

function databaseOut(db: GlueDatabaseRecord, catalogId: string): Record<string, unknown> {
  return {
    ...db.input,
    CreateTime: epochSeconds(db.createTime),
    CreateTableDefaultPermissions: db.input["CreateTableDefaultPermissions"] ?? [
      { Principal: { DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS" }, Permissions: ["ALL"] },
    ],
    CatalogId: catalogId,
  };
}

function tableOut(t: GlueTableRecord, databaseName: string, catalogId: string): Record<string, unknown> {
  const { LastAccessTime, LastAnalyzedTime, ...rest } = t.input;
  const out: Record<string, unknown> = {
    ...rest,
    DatabaseName: databaseName,
    CreateTime: epochSeconds(t.createTime),
    UpdateTime: epochSeconds(t.updateTime),
    Retention: rest["Retention"] ?? 0,
    CreatedBy: t.createdBy,
    IsRegisteredWithLakeFormation: false,
    CatalogId: catalogId,
    VersionId: String(t.versionId),
  };
  const lastAccess = readTimestamp(LastAccessTime);
  if (lastAccess !== undefined) out["LastAccessTime"] = epochSeconds(lastAccess);
  const lastAnalyzed = readTimestamp(LastAnalyzedTime);
  if (lastAnalyzed !== undefined) out["LastAnalyzedTime"] = epochSeconds(lastAnalyzed);
  return out;
}

function databaseNotFound(name: string): ApiError {
  return new ApiError("EntityNotFoundException", `Database ${name} not found.`, 400);
}

function database(state: GlueState, name: string): GlueDatabaseRecord {
  const db = state.databases[name];
  if (db === undefined) throw databaseNotFound(name);
  return db;
}

function table(db: GlueDatabaseRecord, name: string): GlueTableRecord {
  const t = db.tables[name];
  if (t === undefined) throw new ApiError("EntityNotFoundException", `Table ${name} not found.`, 400);
  return t;
}

function pageSize(req: SandboxRequest, ctx: ServiceContext): number {
  const raw = req.json["MaxResults"];
  if (raw === undefined) return Math.min(100, ctx.config.defaultPageSize);
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1 || raw > 100) {
    throw validation(
      "maxResults",
      raw,
      "Member must have value less than or equal to 100 and greater than or equal to 1",
    );
  }
  return raw;
}

/** One page of `names` (sorted) after the NextToken position. */
function paginate(
  req: SandboxRequest,
  ctx: ServiceContext,
  tag: string,
  names: readonly string[],
): { page: string[]; next?: string } {
  const size = pageSize(req, ctx);
  const token = req.json["NextToken"];
  let start = 0;
  if (token !== undefined && token !== null && token !== "") {
    const after = typeof token === "string" ? decodeToken(tag, token) : undefined;
    if (after === undefined) throw invalid("Invalid pagination token");
    start = names.findIndex((n) => n > after);
    if (start < 0) start = names.length;
  }
  const page = names.slice(start, start + size);
  const last = page[page.length - 1];
  return start + size < names.length && last !== undefined ? { page, next: encodeToken(tag, last) } : { page };
}

function tagsOf(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  const map = readObject(value, "tags");
  const entries = Object.entries(map);
  if (entries.length > 50) throw validation("tags", "…", "Member must have length less than or equal to 50");
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > 128) throw validation("tags.key", k, "Member must have length between 1 and 128");
    if (typeof v !== "string" || v.length > 256)
      throw validation(`tags.${k}`, v, "Member must have length less than or equal to 256");
  }
  return map as Record<string, string>;
}

/** Glue's `Expression` filter for GetTables: a regular expression matched against the whole name. */
function nameFilter(value: unknown): (name: string) => boolean {
  if (value === undefined || value === null || value === "") return () => true;
  if (typeof value !== "string" || value.length > 2048)
    throw validation("expression", value, "Member must have length less than or equal to 2048");
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${value})$`, "i");
  } catch {
    throw invalid(`Invalid expression: ${value}`);
  }
  return (name) => re.test(name);
}

function handle(op: Op, req: SandboxRequest, ctx: ServiceContext): SandboxResponse {
  const catalogId = checkCatalog(req);
  const state = ctx.state<GlueState>("glue", req.account, req.region);
  const body = req.json;
  switch (op) {
    case "GetDatabase": {
      const name = readName(body["Name"], "name");
      return jsonResponse(req, { Database: databaseOut(database(state, name), catalogId) });
    }
    case "CreateDatabase": {
      const input = readDatabaseInput(body["DatabaseInput"]);
      const tags = tagsOf(body["Tags"]);
      const name = input["Name"] as string;
      if (state.databases[name] !== undefined)
        throw new ApiError("AlreadyExistsException", "Database already exists.", 400);
      if (Object.keys(state.databases).length >= MAX_DATABASES) {
        throw new ApiError(
          "ResourceNumberLimitExceededException",
          "Number of databases in the catalog exceeds the limit.",
          400,
        );
      }
      state.databases[name] = { input, createTime: ctx.now().getTime(), tags, tables: {} };
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "UpdateDatabase": {
      // DatabaseInput replaces the whole definition (members not sent are dropped); the database
      // keeps its CreateTime, tags and tables. Glue cannot rename a database.
      const name = readName(body["Name"], "name");
      const input = readDatabaseInput(body["DatabaseInput"]);
      const current = database(state, name);
      if (input["Name"] !== name) throw invalid("Database cannot be renamed");
      state.databases[name] = { ...current, input };
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "DeleteDatabase": {
      const name = readName(body["Name"], "name");
      database(state, name);
      delete state.databases[name];
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "GetDatabases": {
      const names = Object.keys(state.databases).sort();
      const { page, next } = paginate(req, ctx, "databases", names);
      return jsonResponse(req, {
        DatabaseList: page.map((n) => databaseOut(state.databases[n]!, catalogId)),
        ...(next === undefined ? {} : { NextToken: next }),
      });
    }
    case "GetTable": {
      const dbName = readName(body["DatabaseName"], "databaseName");
      const name = readName(body["Name"], "name");
      const db = database(state, dbName);
      return jsonResponse(req, { Table: tableOut(table(db, name), dbName, catalogId) });
    }
    case "CreateTable": {
      const dbName = readName(body["DatabaseName"], "databaseName");
      const input = readTableInput(body["TableInput"]);
      const db = database(state, dbName);
      const name = input["Name"] as string;
      if (db.tables[name] !== undefined) throw new ApiError("AlreadyExistsException", "Table already exists.", 400);
      if (Object.keys(db.tables).length >= MAX_TABLES_PER_DATABASE) {
        throw new ApiError(
          "ResourceNumberLimitExceededException",
          "Number of tables in the database exceeds the limit.",
          400,
        );
      }
      const now = ctx.now().getTime();
      db.tables[name] = { input, createTime: now, updateTime: now, versionId: 0, createdBy: req.callerArn };
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "UpdateTable": {
      const dbName = readName(body["DatabaseName"], "databaseName");
      const input = readTableInput(body["TableInput"]);
      const db = database(state, dbName);
      const name = input["Name"] as string;
      const current = table(db, name);
      const expected = body["VersionId"];
      if (expected !== undefined && expected !== null && String(expected) !== String(current.versionId)) {
        throw new ApiError(
          "ConcurrentModificationException",
          `Update table failed due to concurrent modifications: version ${String(expected)} is not the current version ${current.versionId}.`,
          400,
        );
      }
      db.tables[name] = {
        input,
        createTime: current.createTime,
        updateTime: ctx.now().getTime(),
        versionId: current.versionId + 1,
        createdBy: current.createdBy,
      };
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "DeleteTable": {
      const dbName = readName(body["DatabaseName"], "databaseName");
      const name = readName(body["Name"], "name");
      const db = database(state, dbName);
      table(db, name);
      delete db.tables[name];
      ctx.touch();
      return jsonResponse(req, {});
    }
    case "GetTables": {
      const dbName = readName(body["DatabaseName"], "databaseName");
      const db = database(state, dbName);
      const matches = nameFilter(body["Expression"]);
      const names = Object.keys(db.tables).filter(matches).sort();
      const { page, next } = paginate(req, ctx, `tables:${dbName}`, names);
      return jsonResponse(req, {
        TableList: page.map((n) => tableOut(db.tables[n]!, dbName, catalogId)),
        ...(next === undefined ? {} : { NextToken: next }),
      });
    }
    default:
      return assertNever(op, "operation");
  }
}

export const glue: ServiceModule<GlueState> = {
  name: "glue",
  protocol: "json",
  iamPrefix: "glue",
  throttle: { code: "ThrottlingException", status: 400 },
  operation: (req) => jsonOperation(req, "AWSGlue", OPERATION_SET),
  handle: (operation, req, ctx) => handle(operation as Op, req, ctx),
  errorResponse: (error, req) => jsonErrorResponse(error, req, "Message"),
  initialState: () => ({ databases: {} }),
};
