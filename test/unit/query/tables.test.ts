// What cordon query reads from the policies: the Glue table the table handler declares, the
// blocked addresses, the default engine and Athena settings, and the refusal without an athena section.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadAndValidate } from "../../../src/policy/index.js";
import {
  athenaSettings,
  blockedCidrs,
  defaultEngine,
  distinctTables,
  queryablePolicies,
  queryTables,
} from "../../../src/query/tables.js";

const dir = mkdtempSync(join(tmpdir(), "cordon-tables-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PRODUCTION = readFileSync("examples/cats-eyes/policies/production.yaml", "utf8");
const load = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = loadAndValidate([file], { today: "2026-12-05" });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.policies;
};

describe("query tables from the policies", () => {
  it("declares the policy's table, its blocked addresses, and the local engine without a workgroup", () => {
    const policies = load("production.yaml", PRODUCTION);
    const [t, ...more] = queryTables(policies, "2026-12-05");
    expect(more).toEqual([]);
    expect(t).toMatchObject({ account: "111122223333", region: "eu-west-1", policy: join(dir, "production.yaml") });
    expect(t?.spec.database).toBe("cats_eyes_network");
    expect(t?.spec.name).toBe("production_flow_logs");
    expect(t?.spec.parameters["storage.location.template"]).toMatch(
      /^s3:\/\/cats-eyes-flow-logs-111122223333\/flow-logs\/AWSLogs\/\$\{aws_account_id\}\/vpcflowlogs\/\$\{aws_region\}\//,
    );
    expect(blockedCidrs(policies)).toEqual(["203.0.113.66"]);
    expect(defaultEngine(policies)).toBe("local");
    expect(athenaSettings(policies)).toEqual({});
  });

  it("chooses Athena when a policy names a workgroup, with its output location", () => {
    const text = PRODUCTION.replace(
      "  projectionStartDate: 2026-11-01",
      "  projectionStartDate: 2026-11-01\n  workgroup: incidents\n  outputLocation: s3://results-bucket/cordon/",
    );
    const policies = load("workgroup.yaml", text);
    expect(defaultEngine(policies)).toBe("athena");
    expect(athenaSettings(policies)).toEqual({ workgroup: "incidents", outputLocation: "s3://results-bucket/cordon/" });
  });

  it("refuses policies without an athena section, naming the files", () => {
    const text = PRODUCTION.replace(/\n# 2\. [\s\S]*?\n# 3\./, "\n# 3.");
    const policies = load("no-athena.yaml", text);
    expect(() => queryablePolicies(policies)).toThrow(/no policy in .*no-athena\.yaml has an athena section/);
  });

  it("reads a table declared over one location once, with the projected values of every declaration", () => {
    const [t] = queryTables(load("production.yaml", PRODUCTION), "2026-12-05");
    if (t === undefined) throw new Error("no table");
    const other = {
      ...t,
      account: "444455556666",
      spec: {
        ...t.spec,
        parameters: { ...t.spec.parameters, "projection.aws_account_id.values": "444455556666" },
      },
    };
    const [one, ...rest] = distinctTables([t, other], "location");
    expect(rest).toEqual([]);
    expect(one?.spec.parameters["projection.aws_account_id.values"]).toBe("111122223333,444455556666");
    const elsewhere = { ...other, spec: { ...other.spec, location: "s3://other/AWSLogs/" } };
    expect(distinctTables([t, elsewhere], "location")).toHaveLength(2);
    expect(distinctTables([t, elsewhere], "name")).toHaveLength(1);
  });
});
