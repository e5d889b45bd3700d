// The S3, Glue and WAFv2 slices are plain JSON: a --state file carries them across a restart.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateDatabaseCommand, CreateTableCommand, GetTableCommand } from "@aws-sdk/client-glue";
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { CreateIPSetCommand, GetIPSetCommand, type IPSetSummary, UpdateIPSetCommand } from "@aws-sdk/client-wafv2";
import { afterAll, describe, expect, it } from "vitest";
import { startSandbox } from "../src/server.js";
import { expectError, glueClient, s3Client, wafClient } from "./sdk-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "cordon-sbx-svc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("persistence of the S3, Glue and WAFv2 state", () => {
  it("buckets, objects, lifecycle rules, tables and IP sets (with their lock tokens) survive a restart", async () => {
    const stateFile = join(dir, "state.json");
    const rule = { ID: "expire", Filter: { Prefix: "AWSLogs/" }, Status: "Enabled" as const, Expiration: { Days: 30 } };
    const first = await startSandbox({ stateFile });
    let ipSet: IPSetSummary;
    try {
      const s3 = s3Client(first.url);
      await s3.send(new CreateBucketCommand({ Bucket: "persisted" }));
      await s3.send(new PutObjectCommand({ Bucket: "persisted", Key: "lock", Body: Buffer.from([0, 1, 2, 255]) }));
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({ Bucket: "persisted", LifecycleConfiguration: { Rules: [rule] } }),
      );
      const glue = glueClient(first.url);
      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: "db" } }));
      await glue.send(
        new CreateTableCommand({ DatabaseName: "db", TableInput: { Name: "t", Parameters: { a: "b" } } }),
      );
      const out = await wafClient(first.url).send(
        new CreateIPSetCommand({
          Name: "kept",
          Scope: "REGIONAL",
          IPAddressVersion: "IPV6",
          Addresses: ["2001:db8::/32"],
        }),
      );
      ipSet = out.Summary!;
    } finally {
      await first.stop();
    }

    const second = await startSandbox({ stateFile });
    try {
      expect(second.stateLoaded).toBe(true);
      const s3 = s3Client(second.url);
      const obj = await s3.send(new GetObjectCommand({ Bucket: "persisted", Key: "lock" }));
      expect([...((await obj.Body?.transformToByteArray()) ?? [])]).toEqual([0, 1, 2, 255]);
      await expectError(
        s3.send(new PutObjectCommand({ Bucket: "persisted", Key: "lock", Body: "x", IfNoneMatch: "*" })),
        "PreconditionFailed",
        412,
      );
      const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "persisted" }));
      expect(lifecycle.Rules).toEqual([rule]);
      const table = await glueClient(second.url).send(new GetTableCommand({ DatabaseName: "db", Name: "t" }));
      expect(table.Table?.Parameters).toEqual({ a: "b" });
      const waf = wafClient(second.url);
      const got = await waf.send(new GetIPSetCommand({ Name: "kept", Scope: "REGIONAL", Id: ipSet.Id }));
      expect(got.LockToken).toBe(ipSet.LockToken);
      expect(got.IPSet?.Addresses).toEqual(["2001:db8::/32"]);
      await waf.send(
        new UpdateIPSetCommand({
          Name: "kept",
          Scope: "REGIONAL",
          Id: ipSet.Id,
          Addresses: [],
          LockToken: ipSet.LockToken,
        }),
      );
    } finally {
      await second.stop();
    }
  });
});
