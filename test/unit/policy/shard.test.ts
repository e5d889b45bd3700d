import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/model/errors.js";
import type { LoadedPolicy } from "../../../src/model/policy.js";
import { parseShard, policiesOfShard, shardTargets } from "../../../src/policy/shard.js";

const policy = (account: string, region: string, bucket?: string): LoadedPolicy =>
  ({
    policy: {
      apiVersion: "cordon.dev/v1",
      kind: "Policy",
      metadata: { name: `p-${account}-${region}` },
      target: { account, region },
      ...(bucket === undefined ? {} : { flowLogs: { bucket: { name: bucket, create: false }, vpcs: { all: true } } }),
    },
    source: { file: "p.yaml", document: 0 },
  }) as LoadedPolicy;

describe("--shard", () => {
  it("parses I/N and refuses anything else", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/1", "2/1", "1/1001", "1", "a/b", "1/2/3"]) expect(() => parseShard(bad)).toThrow(UsageError);
  });

  it("deals sorted targets round-robin, whatever the order of the policies", () => {
    const ps = [policy("2", "b"), policy("1", "a"), policy("1", "b"), policy("2", "a"), policy("3", "a")];
    const expected = [["1/a", "2/b"], ["1/b", "3/a"], ["2/a"]];
    expect(shardTargets(ps, 3)).toEqual(expected);
    expect(shardTargets([...ps].reverse(), 3)).toEqual(expected);
  });

  it("keeps targets that share a bucket in one shard", () => {
    const ps = [policy("1", "a", "shared"), policy("1", "b"), policy("2", "a"), policy("3", "a", "shared")];
    const shards = shardTargets(ps, 2);
    expect(shards).toEqual([["1/a", "2/a", "3/a"], ["1/b"]]);
    expect(policiesOfShard(ps, { index: 2, count: 2 }).map((p) => p.policy.target.account)).toEqual(["1"]);
  });

  it("a shard beyond the number of groups is empty", () => {
    expect(policiesOfShard([policy("1", "a")], { index: 2, count: 2 })).toEqual([]);
  });
});
