// src/domain/roles.ts: which role a command assumes in a target, and the role session name.
import { describe, expect, it } from "vitest";
import { resolveRole, roleSessionName, roleUseOf, runId } from "../../src/domain/roles.js";

const T = { account: "111122223333", region: "eu-west-1" };
const TEMPLATES = {
  plan: "arn:aws:iam::{account}:role/cordon-plan-{region}",
  apply: "arn:aws:iam::{account}:role/cordon-apply",
  externalId: "ext",
};

describe("resolveRole", () => {
  it("fills {account} and {region} of the template for the command's use, with the set's external id", () => {
    expect(resolveRole(T, "plan", TEMPLATES)).toEqual({
      roleArn: "arn:aws:iam::111122223333:role/cordon-plan-eu-west-1",
      externalId: "ext",
    });
    expect(resolveRole(T, "apply", TEMPLATES)?.roleArn).toBe("arn:aws:iam::111122223333:role/cordon-apply");
  });
  it("a target's own roleArn (and its external id) wins over both templates", () => {
    const own = { ...T, roleArn: "arn:aws:iam::111122223333:role/own" };
    expect(resolveRole(own, "plan", TEMPLATES)).toEqual({ roleArn: own.roleArn });
    expect(resolveRole(own, "apply", TEMPLATES)).toEqual({ roleArn: own.roleArn });
  });
  it("no template for the use and no roleArn: none (the ambient credentials)", () => {
    expect(resolveRole(T, "plan", undefined)).toBeUndefined();
    expect(resolveRole(T, "apply", { plan: TEMPLATES.plan })).toBeUndefined();
  });
  it("read-only commands use the plan role, the others the apply role", () => {
    expect(["plan", "drift"].map(roleUseOf)).toEqual(["plan", "plan"]);
    expect(["apply", "drift --correct", "watch", "force-unlock"].map(roleUseOf)).toEqual([
      "apply",
      "apply",
      "apply",
      "apply",
    ]);
  });
});

describe("role session names", () => {
  it("are cordon-<command>-<run>-<actor>", () => {
    expect(roleSessionName("drift --correct", "99.1", "octocat")).toBe("cordon-drift-correct-99.1-octocat");
  });
  it("replace characters outside [\\w+=,.@-] and keep to 64 characters, shortening the actor first", () => {
    const name = roleSessionName("apply", "run:1", `a b/${"c".repeat(100)}`);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(name).toHaveLength(64);
    expect(name.startsWith("cordon-apply-run-1-a-b-ccc")).toBe(true);
    const longRun = roleSessionName("apply", "r".repeat(100), "bob");
    expect(longRun).toHaveLength(64);
    expect(longRun.startsWith("cordon-apply-rrr")).toBe(true);
  });
  it("take the run from GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT, else CORDON_RUN_ID, else a random id", () => {
    expect(runId({ GITHUB_RUN_ID: "12", GITHUB_RUN_ATTEMPT: "3", CORDON_RUN_ID: "x" })).toBe("12.3");
    expect(runId({ GITHUB_RUN_ID: "12" })).toBe("12");
    expect(runId({ CORDON_RUN_ID: "nightly" })).toBe("nightly");
    const a = runId({});
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(runId({})).not.toBe(a);
  });
});
