// Drift severity (docs/plan-output.md, "Drift severity"): drift that opens access is an error —
// a security control deleted, live AWS blocking less than what Cordon applied, an exposure (an
// allow entry placed before Cordon's NACL band) — and everything else a warning.
import { describe, expect, it } from "vitest";
import type { AppliedRecord } from "../../../src/executor/applied.js";
import { classifyOne, correctable } from "../../../src/executor/drift.js";
import { descriptorOf, appliedDigest as digestOf } from "../../../src/handlers/registry.js";
import type { Change, DiffResult } from "../../../src/model/change.js";
import { driftSeverity } from "../../../src/model/drift.js";
import type { Kind, Observation } from "../../../src/model/resource.js";
import type { NaclEntriesSpec, NaclEntry } from "../../../src/model/specs.js";
import { renderDriftAnnotations } from "../../../src/render/drift.js";

const T = { account: "111122223333", region: "eu-west-1" };
const ADDR = "111122223333/eu-west-1/ec2.naclEntries/acl-1";

const deny = (ruleNumber: number, cidr: string) =>
  ({ ruleNumber, egress: true, cidr, action: "deny", protocol: "-1" }) as const;
const allowAll: NaclEntry = { ruleNumber: 10, egress: true, cidr: "0.0.0.0/0", action: "allow", protocol: "-1" };

const nacl = (entries: NaclEntriesSpec["entries"], others: NaclEntry[] = []): NaclEntriesSpec => ({
  aclId: "acl-1",
  vpcId: "vpc-1",
  band: { first: 50, last: 99 },
  entryQuota: 20,
  entries,
  others,
});

const diffOf = (kind: Kind) => {
  const h = descriptorOf(kind)?.handler;
  return h === undefined ? undefined : (d: unknown, l: unknown) => h.diff(d as never, l as never) as DiffResult;
};

function change(kind: Kind, live: unknown, desired: unknown): Change {
  const fields = live === null || desired === null ? [] : (diffOf(kind)?.(desired, live).fields ?? []);
  return {
    address: ADDR,
    kind,
    name: "acl-1",
    target: T,
    action: live === null ? "create" : fields.length === 0 ? "no-op" : "update",
    before: live,
    after: desired,
    fields,
    reason: "",
    impact: { broadensAccess: false, destructive: false, notes: [] },
    mode: "enforce",
    observedFingerprint: "fp",
    dependsOn: [],
    origin: null,
  };
}

const record = (kind: Kind, spec: unknown): AppliedRecord =>
  ({ resources: { [ADDR]: { kind, digest: digestOf(kind, spec), spec } } }) as unknown as AppliedRecord;

const observed = (live: unknown): Observation =>
  live === null
    ? { exists: false, fingerprint: "absent" }
    : { exists: true, live, meta: { fingerprint: "fp", owned: true, tags: {} } };

const classify = (kind: Kind, live: unknown, desired: unknown) =>
  classifyOne(change(kind, live, desired), observed(live), record(kind, desired), diffOf);

describe("drift severity", () => {
  const applied = nacl([deny(50, "203.0.113.66/32")]);

  it("a deny entry removed from the band opens access: error", () => {
    const i = classify("ec2.naclEntries", nacl([]), applied);
    expect(i.status).toBe("drift");
    expect(i.opensAccess).toBe(true);
    expect(driftSeverity(i)).toBe("error");
  });

  it("a deny entry added to the band by hand blocks more: warning", () => {
    const i = classify("ec2.naclEntries", nacl([deny(50, "203.0.113.66/32"), deny(51, "198.51.100.0/24")]), applied);
    expect(i.status).toBe("drift");
    expect(i.opensAccess).toBe(false);
    expect(driftSeverity(i)).toBe("warning");
  });

  it("a security control deleted outside Cordon opens access", () => {
    const i = classify("ec2.naclEntries", null, applied);
    expect(i.reason).toContain("deleted outside Cordon");
    expect(i.opensAccess).toBe(true);
  });

  it("an allow entry placed before the band is drift that opens access even with the band unchanged", () => {
    const live = nacl([deny(50, "203.0.113.66/32")], [allowAll]);
    const desired = nacl([deny(50, "203.0.113.66/32")], [allowAll]);
    const i = classify("ec2.naclEntries", live, desired);
    expect(i.change.action).toBe("no-op");
    expect(i.status).toBe("drift");
    expect(i.opensAccess).toBe(true);
    expect(i.exposures).toHaveLength(1);
    expect(i.reason).toMatch(
      /^opens access outside what Cordon manages: .*allow rule 10 \(0\.0\.0\.0\/0, all traffic\)/,
    );
    // --correct has nothing of Cordon's to change and leaves it, saying so.
    const report = { items: [i] } as never;
    expect(correctable(report)).toEqual({ fix: [], left: [i] });
  });

  it("an allow entry after the band (higher rule number) is no exposure", () => {
    const later = { ...allowAll, ruleNumber: 100 };
    const i = classify(
      "ec2.naclEntries",
      nacl([deny(50, "203.0.113.66/32")], [later]),
      nacl([deny(50, "203.0.113.66/32")], [later]),
    );
    expect(i.status).toBe("clean");
    expect(i.opensAccess).toBe(false);
  });

  it("annotations: ::error for drift that opens access, ::warning for other drift, none for pending", () => {
    const open = classify("ec2.naclEntries", nacl([]), applied);
    const more = classify("ec2.naclEntries", nacl([deny(50, "203.0.113.66/32"), deny(51, "198.51.100.0/24")]), applied);
    const pending = { ...more, status: "pending" as const, address: "x" };
    const text = renderDriftAnnotations({ items: [open, more, pending] } as never);
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^::error title=cordon drift opens access::111122223333\/eu-west-1\/ec2\.naclEntries\/acl-1: /,
    );
    expect(lines[1]).toMatch(/^::warning title=cordon drift::/);
    expect(renderDriftAnnotations({ items: [] } as never)).toBe("");
  });

  it("annotations never put a line break from data into the log", () => {
    const i = classify("ec2.naclEntries", nacl([]), applied);
    const text = renderDriftAnnotations({ items: [{ ...i, reason: "a\n::warning forged" }] } as never);
    expect(text.trimEnd().split("\n")).toHaveLength(1);
  });
});
