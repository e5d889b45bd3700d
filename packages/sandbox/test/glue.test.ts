import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  GetDatabaseCommand,
  GetDatabasesCommand,
  GetTableCommand,
  GetTablesCommand,
  type GlueClient,
  paginateGetTables,
  type TableInput,
  UpdateDatabaseCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-glue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../src/server.js";
import { ACCOUNT, expectError, glueClient, OTHER_ACCOUNT } from "./sdk-helpers.js";

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

let sandbox: Sandbox;
let glue: GlueClient;

const FLOW_LOGS: TableInput = {
  Name: "VPC_Flow_Logs",
  TableType: "EXTERNAL_TABLE",
  Parameters: { EXTERNAL: "true", "projection.enabled": "true", "projection.day.type": "date" },
  PartitionKeys: [{ Name: "day", Type: "string" }],
  StorageDescriptor: {
    Columns: [
      { Name: "version", Type: "int" },
      { Name: "srcaddr", Type: "string" },
    ],
    Location: "s3://flow-logs/AWSLogs/111122223333/vpcflowlogs/eu-west-1/",
    InputFormat: "org.apache.hadoop.mapred.TextInputFormat",
    OutputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    SerdeInfo: {
      SerializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
      Parameters: { "field.delim": " ", "serialization.format": " " },
    },
  },
};

beforeAll(async () => {
  sandbox = await startSandbox({ config: { defaultPageSize: 3 } });
  glue = glueClient(sandbox.url);
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: "Network_Logs", Description: "flow logs" } }));
});

afterAll(async () => {
  await sandbox.stop();
});

describe("databases", () => {
  it("folds the name to lower case and reports CreateTime as a date", async () => {
    const before = Date.now();
    const out = await glue.send(new GetDatabaseCommand({ Name: "NETWORK_LOGS" }));
    expect(out.Database?.Name).toBe("network_logs");
    expect(out.Database?.Description).toBe("flow logs");
    expect(out.Database?.CatalogId).toBe(ACCOUNT);
    expect(out.Database?.CreateTime).toBeInstanceOf(Date);
    expect(Math.abs((out.Database?.CreateTime?.getTime() ?? 0) - before)).toBeLessThan(60_000);
  });

  it("a second database of the same (folded) name is AlreadyExistsException", async () => {
    await expectError(
      glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: "network_LOGS" } })),
      "AlreadyExistsException",
      400,
    );
  });

  it("a missing database is EntityNotFoundException", async () => {
    const e = await expectError(glue.send(new GetDatabaseCommand({ Name: "nope" })), "EntityNotFoundException", 400);
    expect(e.message).toContain("nope");
  });

  it.each([
    { reason: "empty name", input: { Name: "" } },
    { reason: "name longer than 255", input: { Name: "d".repeat(256) } },
    { reason: "line break in the name", input: { Name: "bad\nname" } },
    { reason: "missing name", input: {} as { Name: string } },
  ])("rejects a database with $reason as InvalidInputException", async ({ input }) => {
    await expectError(glue.send(new CreateDatabaseCommand({ DatabaseInput: input })), "InvalidInputException", 400);
  });

  it("databases are per account", async () => {
    const other = glueClient(sandbox.url, { key: OTHER_ACCOUNT });
    await expectError(other.send(new GetDatabaseCommand({ Name: "network_logs" })), "EntityNotFoundException");
    const list = await other.send(new GetDatabasesCommand({}));
    expect(list.DatabaseList).toEqual([]);
  });

  it("another account's catalog is denied", async () => {
    await expectError(
      glue.send(new GetDatabaseCommand({ CatalogId: OTHER_ACCOUNT, Name: "network_logs" })),
      "AccessDeniedException",
    );
  });

  it("GetDatabases pages with NextToken", async () => {
    for (const n of ["db_a", "db_b", "db_c", "db_d"]) {
      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: n } }));
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await glue.send(new GetDatabasesCommand({ MaxResults: 2, NextToken: token }));
      pages++;
      for (const d of out.DatabaseList ?? []) names.push(d.Name ?? "");
      token = out.NextToken;
    } while (token !== undefined);
    expect(names).toEqual(["db_a", "db_b", "db_c", "db_d", "network_logs"]);
    expect(pages).toBe(3);
  });
});

describe("UpdateDatabase", () => {
  it("DatabaseInput replaces the definition; CreateTime and tables stay", async () => {
    await glue.send(
      new CreateDatabaseCommand({
        DatabaseInput: {
          Name: "upd_db",
          Description: "before",
          LocationUri: "s3://before/",
          Parameters: { "managed-by": "cordon", old: "1" },
        },
      }),
    );
    await glue.send(new CreateTableCommand({ DatabaseName: "upd_db", TableInput: { Name: "t1" } }));
    const before = await glue.send(new GetDatabaseCommand({ Name: "upd_db" }));
    await glue.send(
      new UpdateDatabaseCommand({
        Name: "UPD_DB",
        DatabaseInput: { Name: "Upd_Db", Description: "after", Parameters: { "managed-by": "cordon" } },
      }),
    );
    const after = await glue.send(new GetDatabaseCommand({ Name: "upd_db" }));
    expect(after.Database?.Name).toBe("upd_db");
    expect(after.Database?.Description).toBe("after");
    expect(after.Database?.Parameters).toEqual({ "managed-by": "cordon" });
    expect(after.Database?.LocationUri, "members not sent are dropped").toBeUndefined();
    expect(after.Database?.CreateTime).toEqual(before.Database?.CreateTime);
    const tables = await glue.send(new GetTablesCommand({ DatabaseName: "upd_db" }));
    expect(tables.TableList?.map((t) => t.Name)).toEqual(["t1"]);
  });

  it.each([
    {
      reason: "the database does not exist",
      input: { Name: "no_such_db", DatabaseInput: { Name: "no_such_db" } },
      error: "EntityNotFoundException",
      message: "no_such_db",
    },
    {
      reason: "Glue cannot rename a database",
      input: { Name: "upd_db", DatabaseInput: { Name: "renamed_db" } },
      error: "InvalidInputException",
      message: "cannot be renamed",
    },
    {
      reason: "DatabaseInput is required",
      input: { Name: "upd_db" } as { Name: string; DatabaseInput: { Name: string } },
      error: "InvalidInputException",
      message: "databaseInput",
    },
  ])("is $error when $reason", async ({ input, error, message }) => {
    const e = await expectError(glue.send(new UpdateDatabaseCommand(input)), error, 400);
    expect(e.message).toContain(message);
  });
});

describe("tables", () => {
  it("CreateTable keeps the definition as sent and adds only Glue's own members", async () => {
    await glue.send(new CreateTableCommand({ DatabaseName: "Network_Logs", TableInput: FLOW_LOGS }));
    const out = await glue.send(new GetTableCommand({ DatabaseName: "network_logs", Name: "vpc_flow_logs" }));
    const t = out.Table!;
    expect(t.Name).toBe("vpc_flow_logs");
    expect(t.DatabaseName).toBe("network_logs");
    expect(t.Parameters).toEqual(FLOW_LOGS.Parameters);
    expect(t.StorageDescriptor).toEqual(FLOW_LOGS.StorageDescriptor);
    expect(t.PartitionKeys).toEqual(FLOW_LOGS.PartitionKeys);
    expect(t.TableType).toBe("EXTERNAL_TABLE");
    expect(t.VersionId).toBe("0");
    expect(t.CatalogId).toBe(ACCOUNT);
    expect(t.CreateTime).toBeInstanceOf(Date);
    expect(t.UpdateTime?.getTime()).toBe(t.CreateTime?.getTime());
  });

  it("a second CreateTable is AlreadyExistsException", async () => {
    await expectError(
      glue.send(new CreateTableCommand({ DatabaseName: "network_logs", TableInput: FLOW_LOGS })),
      "AlreadyExistsException",
    );
  });

  it("CreateTable in a missing database is EntityNotFoundException", async () => {
    await expectError(
      glue.send(new CreateTableCommand({ DatabaseName: "missing_db", TableInput: FLOW_LOGS })),
      "EntityNotFoundException",
    );
  });

  it.each([
    { reason: "no TableInput", input: undefined },
    { reason: "no table name", input: { ...FLOW_LOGS, Name: undefined } },
    { reason: "a column without a name", input: { ...FLOW_LOGS, StorageDescriptor: { Columns: [{ Type: "int" }] } } },
    { reason: "a negative retention", input: { ...FLOW_LOGS, Name: "t_ret", Retention: -1 } },
  ])("CreateTable with $reason is InvalidInputException", async ({ input }) => {
    await expectError(
      glue.send(new CreateTableCommand({ DatabaseName: "network_logs", TableInput: input as TableInput })),
      "InvalidInputException",
    );
  });

  it("UpdateTable replaces the definition, bumps VersionId and UpdateTime, keeps CreateTime", async () => {
    const before = (await glue.send(new GetTableCommand({ DatabaseName: "network_logs", Name: "vpc_flow_logs" })))
      .Table!;
    await new Promise((r) => setTimeout(r, 20));
    const replacement: TableInput = {
      Name: "vpc_flow_logs",
      TableType: "EXTERNAL_TABLE",
      PartitionKeys: [],
      StorageDescriptor: { Columns: [{ Name: "action", Type: "string" }], Location: "s3://flow-logs/v2/" },
    };
    await glue.send(new UpdateTableCommand({ DatabaseName: "network_logs", TableInput: replacement }));
    const after = (await glue.send(new GetTableCommand({ DatabaseName: "network_logs", Name: "vpc_flow_logs" })))
      .Table!;
    expect(after.Parameters).toBeUndefined();
    expect(after.StorageDescriptor).toEqual(replacement.StorageDescriptor);
    expect(after.PartitionKeys).toEqual([]);
    expect(after.VersionId).toBe("1");
    expect(after.CreateTime?.getTime()).toBe(before.CreateTime?.getTime());
    expect(after.UpdateTime!.getTime()).toBeGreaterThan(before.UpdateTime!.getTime());
  });

  it("UpdateTable with a stale VersionId is ConcurrentModificationException", async () => {
    await expectError(
      glue.send(new UpdateTableCommand({ DatabaseName: "network_logs", TableInput: FLOW_LOGS, VersionId: "0" })),
      "ConcurrentModificationException",
    );
  });

  it("UpdateTable of a missing table is EntityNotFoundException", async () => {
    await expectError(
      glue.send(new UpdateTableCommand({ DatabaseName: "network_logs", TableInput: { ...FLOW_LOGS, Name: "ghost" } })),
      "EntityNotFoundException",
    );
  });

  it("GetTables pages (MaxResults, default page size) and filters by Expression", async () => {
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: "many" } }));
    const names = ["t1", "t2", "t3", "t4", "t5", "x1", "x2"];
    for (const Name of names) await glue.send(new CreateTableCommand({ DatabaseName: "many", TableInput: { Name } }));
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateGetTables({ client: glue }, { DatabaseName: "many" })) {
      pages++;
      expect((page.TableList ?? []).length).toBeLessThanOrEqual(3);
      for (const t of page.TableList ?? []) seen.push(t.Name ?? "");
    }
    expect(seen).toEqual(names);
    expect(pages).toBe(3);
    const filtered = await glue.send(
      new GetTablesCommand({ DatabaseName: "many", Expression: "x.*", MaxResults: 100 }),
    );
    expect(filtered.TableList?.map((t) => t.Name)).toEqual(["x1", "x2"]);
    await expectError(
      glue.send(new GetTablesCommand({ DatabaseName: "many", MaxResults: 101 })),
      "InvalidInputException",
    );
    await expectError(
      glue.send(new GetTablesCommand({ DatabaseName: "many", NextToken: "garbage" })),
      "InvalidInputException",
    );
  });

  it("DeleteTable removes the table; a second delete is EntityNotFoundException", async () => {
    await glue.send(new DeleteTableCommand({ DatabaseName: "many", Name: "T1" }));
    await expectError(glue.send(new GetTableCommand({ DatabaseName: "many", Name: "t1" })), "EntityNotFoundException");
    await expectError(
      glue.send(new DeleteTableCommand({ DatabaseName: "many", Name: "t1" })),
      "EntityNotFoundException",
    );
  });

  it("throttling uses Glue's ThrottlingException", async () => {
    sandbox.control.setFaults({ rules: [{ kind: "throttle", service: "glue", operation: "GetTable", nth: 1 }] });
    try {
      await expectError(
        glue.send(new GetTableCommand({ DatabaseName: "many", Name: "t2" })),
        "ThrottlingException",
        400,
      );
    } finally {
      sandbox.control.setFaults({});
    }
  });

  it("an unknown operation is UnknownOperationException", async () => {
    const res = await fetch(sandbox.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSGlue.StartCrawler",
        authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT}/20240101/eu-west-1/glue/aws4_request, SignedHeaders=host, Signature=x`,
      },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
    expect(((await res.json()) as Record<string, unknown>)["__type"]).toBe("UnknownOperationException");
  });
});
