import { describe, expect, it } from "vitest";
import { canonicalJson, fingerprint, policyDigest, sha256Hex } from "../../../src/domain/fingerprint.js";
import type { LoadedPolicy } from "../../../src/model/policy.js";

describe("canonicalJson", () => {
  it("sorts keys recursively and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"z":1}]},"b":1}',
    );
  });
  it("keeps array order (arrays are ordered data)", () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });
  it("refuses non-finite numbers", () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
  });
});

describe("fingerprint", () => {
  it("is sha256 hex and equal up to key order", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(fingerprint({ a: 1, b: 2 })).toBe(fingerprint({ b: 2, a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });
});

describe("policyDigest", () => {
  const p = (name: string, file: string, document = 0): LoadedPolicy => ({
    policy: {
      apiVersion: "cordon.dev/v1",
      kind: "Policy",
      metadata: { name },
      target: { account: "111122223333", region: "eu-west-1" },
    },
    source: { file, document },
  });
  it("ignores file names and order, follows content", () => {
    expect(policyDigest([p("a", "x.yaml"), p("b", "y.yaml")])).toBe(
      policyDigest([p("b", "/abs/z.yaml"), p("a", "w.yaml", 3)]),
    );
    expect(policyDigest([p("a", "x.yaml")])).not.toBe(policyDigest([p("a2", "x.yaml")]));
    expect(policyDigest([p("a", "x.yaml")])).toMatch(/^[0-9a-f]{64}$/);
  });
});
