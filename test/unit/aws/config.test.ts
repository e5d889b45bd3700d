import { describe, expect, it } from "vitest";
import { awsEnvironment, createAwsSession } from "../../../src/aws/config.js";

describe("awsEnvironment", () => {
  const cases = [
    {
      reason: "nothing set: default chain, 5 attempts",
      env: {},
      want: { serviceEndpoints: {}, maxAttempts: 5 },
    },
    {
      reason: "AWS_ENDPOINT_URL, AWS_PROFILE and AWS_REGION are honoured",
      env: { AWS_ENDPOINT_URL: "http://127.0.0.1:4566", AWS_PROFILE: "audit", AWS_REGION: "eu-west-1" },
      want: {
        serviceEndpoints: {},
        maxAttempts: 5,
        endpoint: "http://127.0.0.1:4566",
        profile: "audit",
        region: "eu-west-1",
      },
    },
    {
      reason: "per-service endpoints and AWS_MAX_ATTEMPTS",
      env: { AWS_ENDPOINT_URL_S3: "http://s3.local", AWS_MAX_ATTEMPTS: "9", AWS_DEFAULT_REGION: "us-east-1" },
      want: { serviceEndpoints: { s3: "http://s3.local" }, maxAttempts: 9, region: "us-east-1" },
    },
    {
      reason: "empty values count as unset; a bad attempt count falls back",
      env: { AWS_ENDPOINT_URL: "", AWS_PROFILE: "", AWS_MAX_ATTEMPTS: "lots" },
      want: { serviceEndpoints: {}, maxAttempts: 5 },
    },
  ];
  it.each(cases)("$reason", ({ env, want }) => {
    expect(awsEnvironment(env)).toEqual(want);
  });
});

describe("createAwsSession", () => {
  it("hands out the same ports (and so the same clients) for the same target for the whole run", async () => {
    const session = createAwsSession({ endpoint: "http://127.0.0.1:9", serviceEndpoints: {}, maxAttempts: 1 });
    const a = session.ports({ account: "111122223333", region: "eu-west-1" });
    const b = session.ports({ account: "111122223333", region: "eu-west-1" });
    const c = session.ports({ account: "111122223333", region: "us-east-1" });
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(await a.ec2()).toBe(await b.ec2());
    expect(await c.ec2()).not.toBe(await a.ec2());
  });
});

describe("shared credentials", () => {
  it("calls the provider once for concurrent callers and again only near expiry", async () => {
    const { shared } = await import("../../../src/aws/adapters/sts.js");
    let calls = 0;
    let lifetimeMs = 3_600_000;
    const provider = shared(async () => {
      calls++;
      return { expiration: new Date(Date.now() + lifetimeMs) };
    });
    await Promise.all([provider(), provider(), provider()]);
    await provider();
    expect(calls).toBe(1);
    lifetimeMs = 60_000; // the next credentials expire within the refresh margin
    const fresh = shared(async () => {
      calls++;
      return { expiration: new Date(Date.now() + lifetimeMs) };
    });
    await fresh();
    await fresh();
    expect(calls).toBe(3);
  });
});

describe("the SDK clients' request handler", () => {
  it("gives every client the shared agents, with the settings of the defaults mode", async () => {
    const { SHARED_AGENTS, sdkConfig, sharedRequestHandler } = await import("../../../src/aws/adapters/call.js");
    const before = process.env["AWS_DEFAULTS_MODE"];
    try {
      delete process.env["AWS_DEFAULTS_MODE"];
      const legacy = await sharedRequestHandler("eu-west-1")();
      expect(legacy).toEqual({ ...SHARED_AGENTS });
      process.env["AWS_DEFAULTS_MODE"] = "standard";
      const standard = await sharedRequestHandler("eu-west-1")();
      expect(standard["connectionTimeout"]).toBe(3100);
      expect(standard["httpsAgent"]).toBe(SHARED_AGENTS.httpsAgent);
    } finally {
      if (before === undefined) delete process.env["AWS_DEFAULTS_MODE"];
      else process.env["AWS_DEFAULTS_MODE"] = before;
    }
    const a = sdkConfig({ region: "eu-west-1", maxAttempts: 2 })["requestHandler"] as () => Promise<unknown>;
    const b = sdkConfig({ region: "us-east-1", maxAttempts: 2 })["requestHandler"] as () => Promise<unknown>;
    expect(((await a()) as typeof SHARED_AGENTS).httpAgent).toBe(((await b()) as typeof SHARED_AGENTS).httpAgent);
  });
});
