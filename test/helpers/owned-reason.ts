// The action and reason the planner gives one owned resource no desired resource declares.

import type { OwnedResource } from "../../src/planner/plan.js";
import { plan } from "../../src/planner/plan.js";

export function changeForOwnedReason(o: OwnedResource): { action: string; reason: string } {
  const doc = plan({
    desired: [],
    observed: new Map(),
    owned: [o],
    diff: {},
    policyDigest: "0".repeat(64),
    createdAt: "2026-11-26T00:00:00.000Z",
    cordonVersion: "test",
  });
  const c = doc.changes[0]!;
  return { action: c.action, reason: c.reason };
}
