// A Glue table an older Cordon made (partition keys aws_account_id, aws_region, day, hour: `day`
// one date projection 'year=yyyy/month=MM/day=dd') is brought to today's definition (year, month,
// day, hour) by replacing its definition in place, end to end through the built CLI against an
// in-process sandbox: the plan shows an update of the partition keys with the note that no data
// moves and that queries on the old `day` column must change; apply issues UpdateTable and never
// DeleteTable or CreateTable (the sandbox's request log), so the table never disappears; the table
// then has the new keys, keeps the parameters that are not Cordon's, and the next plan is empty.
// Run `npm run build` first.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateTableCommand, DeleteTableCommand, GetTableCommand, GlueClient } from "@aws-sdk/client-glue";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeLiveTable, tableInputOf } from "../../src/domain/glue.js";
import type { PlanDocument } from "../../src/model/plan.js";
import { OWNERSHIP } from "../../src/model/specs.js";
import { legacyOf } from "../helpers/legacy-glue.js";
import {
  ACCOUNT,
  cordonRunner,
  isResourceWrite,
  makeTmp,
  oneRegionEstate,
  pending,
  REGION,
  requireCli,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const CLI_KEY = "AKIAGLUEUPGRADECLI01";
const SETUP_KEY = "AKIAGLUEUPGRADESET01";
const DB = "net_logs";
const TABLE = "flow_logs";
const ADDRESS = `${ACCOUNT}/${REGION}/glue.table/${DB}.${TABLE}`;

const tmp = makeTmp("cordon-glue-upgrade-");
let sandbox: SandboxHandle;
let glue: GlueClient;
const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: CLI_KEY });

beforeAll(async () => {
  requireCli();
  sandbox = await startSandbox({ seed: oneRegionEstate({ vpcs: [] }), requestLogSize: 2000 });
  glue = new GlueClient(sandboxClientConfig(sandbox.url, SETUP_KEY));
  mkdirSync(join(tmp, "policies"));
  writeFileSync(
    join(tmp, "policies", "logs.yaml"),
    [
      "apiVersion: cordon.dev/v1",
      "kind: Policy",
      "metadata: { name: glue-upgrade }",
      `target: { account: "${ACCOUNT}", region: ${REGION} }`,
      "flowLogs:",
      `  bucket: { name: upgrade-logs-${ACCOUNT}, create: true, prefix: flow }`,
      "  vpcs: { tags: { env: nowhere } }",
      "  fileFormat: parquet",
      "  hiveCompatiblePartitions: true",
      "  perHourPartitions: true",
      "athena:",
      `  database: ${DB}`,
      `  table: ${TABLE}`,
      "  projectionStartDate: 2026-11-01",
      "",
    ].join("\n"),
  );
});

afterAll(async () => {
  glue?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const getTable = async () => (await glue.send(new GetTableCommand({ DatabaseName: DB, Name: TABLE }))).Table!;

describe("a table an older Cordon defined with one `day` partition key", () => {
  it("is planned as an update of its definition with the note, applied with UpdateTable only, and then up to date", async () => {
    expect((await cordon(["apply", "policies", "--auto-approve", "--today", TODAY])).status).toBe(0);
    // What an older Cordon wrote: the same table with the old partition keys, Cordon's ownership
    // parameter, and a parameter someone else added.
    const legacy = legacyOf(normalizeLiveTable(await getTable()), {
      hive: true,
      perHour: true,
      projectionStartDate: "2026-11-01",
    });
    const input = tableInputOf(legacy);
    await glue.send(new DeleteTableCommand({ DatabaseName: DB, Name: TABLE }));
    await glue.send(
      new CreateTableCommand({
        DatabaseName: DB,
        TableInput: {
          ...input,
          Parameters: { ...input.Parameters, [OWNERSHIP.tagKey]: OWNERSHIP.tagValue, classification: "parquet" },
        },
      }),
    );
    expect((await getTable()).PartitionKeys?.map((k) => k.Name)).toEqual([
      "aws_account_id",
      "aws_region",
      "day",
      "hour",
    ]);

    const text = await cordon(["plan", "policies", "--today", TODAY]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`# ${ADDRESS} will be updated in-place`);
    expect(text.stdout).toContain(
      "# note: partition keys (aws_account_id, aws_region, day, hour) become (aws_account_id, aws_region, year, month, day, hour): " +
        "UpdateTable replaces the table's definition in place, so the table stays queryable and no data moves; " +
        "queries that filter the old column day must change",
    );
    expect(text.stdout).toMatch(/~ partitionKeys = \[[\s\S]*\+ \{ Name = "year", Type = "string" \},/);
    expect(text.stdout).toContain(`"projection.day.type"${" ".repeat(11)}= "date" -> "integer"`);
    expect(text.stdout).not.toMatch(/must be replaced|will be destroyed/);

    const json = await cordon(["plan", "policies", "--today", TODAY, "--format", "json"]);
    const p = JSON.parse(json.stdout) as PlanDocument;
    expect(pending(p)).toEqual([`update ${ADDRESS}`]);
    const change = p.changes.find((c) => c.address === ADDRESS)!;
    expect(change.fields[0]?.path).toBe("/partitionKeys");
    expect(change.fields.some((f) => f.forcesReplacement === true)).toBe(false);
    expect(change.impact.destructive).toBe(false);

    sandbox.control.clearRequests();
    const applied = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(applied.status, applied.stderr).toBe(0);
    const writes = sandbox.control
      .requests()
      .filter((r) => r.accessKeyId === CLI_KEY && isResourceWrite(r))
      .map((r) => `${r.service}:${r.operation}`);
    expect(writes).toEqual(["glue:UpdateTable"]);
    // The query printed after apply filters the new columns.
    expect(applied.stdout).toContain("SELECT aws_account_id, aws_region, year, month, day, hour, ");

    const table = await getTable();
    expect(table.PartitionKeys).toEqual(
      ["aws_account_id", "aws_region", "year", "month", "day", "hour"].map((Name) => ({ Name, Type: "string" })),
    );
    expect(table.Parameters).toMatchObject({
      [OWNERSHIP.tagKey]: OWNERSHIP.tagValue,
      classification: "parquet",
      "projection.year.type": "date",
      "projection.year.format": "yyyy",
      "projection.day.type": "integer",
      "storage.location.template": `s3://upgrade-logs-${ACCOUNT}/flow/AWSLogs/aws-account-id=\${aws_account_id}/aws-service=vpcflowlogs/aws-region=\${aws_region}/year=\${year}/month=\${month}/day=\${day}/hour=\${hour}/`,
    });
    expect(table.Parameters?.["projection.day.format"]).toBeUndefined();
    expect((await cordon(["plan", "policies", "--today", TODAY, "--detailed-exitcode"])).status).toBe(0);
  });
});
