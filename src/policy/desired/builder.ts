// The shared helper of the desired-state section builders (flow-logs.ts, athena.ts,
// blocked-addresses.ts, blocked-countries.ts, web-acl.ts): it collects what they declare and holds
// the one conflict rule. Pure: no AWS call.
//
// The conflict rule: an address is declared once. A second declaration — identical or not, from
// another policy or the same one — is an error (desired.conflict) naming the first declarer, and
// the first declaration stands. It is the plan-time side of validation's "two files claiming one
// resource" (conflict.*), which refuses two claims whatever their settings; at plan time it still
// catches what only the live inventory tells, such as two policies' load-balancer tag selectors
// picking the same Application Load Balancer.

import type { Diagnostic } from "../../model/diagnostics.js";
import type { PlanNote, PlanQuery } from "../../model/plan.js";
import type { LoadedPolicy } from "../../model/policy.js";
import type { Address, DesiredResource, Origin } from "../../model/resource.js";

export interface DesiredOptions {
  /** YYYY-MM-DD (UTC): entries whose `expires` is before this day are no longer enforced; the day queries are written for. */
  readonly today: string;
}

export interface DesiredState {
  /** Sorted by address. */
  readonly resources: readonly DesiredResource[];
  /** Ready-to-paste Athena queries, one per table. */
  readonly queries: readonly PlanQuery[];
  /** Errors make the plan fail (unknown ids, conflicts, guard rails, capacity, order, limits); warnings are shown. */
  readonly diagnostics: readonly Diagnostic[];
  /** Plan-level notes: foreign web ACLs left alone, selectors that matched nothing, WCU above the base price. */
  readonly notes: readonly PlanNote[];
  /** Reviewer notes for the change at an address ("… expired 2026-12-31, ticket INC-42 …"). */
  readonly changeNotes: ReadonlyMap<Address, readonly string[]>;
}

export interface Builder {
  /** Declares `r` unless its address is already declared (the conflict rule). True when declared. */
  add<S>(l: LoadedPolicy, pointer: string, r: DesiredResource<S>, what: string): boolean;
  diag(
    l: LoadedPolicy,
    severity: Diagnostic["severity"],
    code: string,
    pointer: string,
    message: string,
    hint?: string,
  ): void;
  /**
   * A plan-time check of a rule validation owns: the policies reached planning without it (a caller
   * that skipped validation). An error naming the validate rule, so that the check still holds.
   */
  unvalidated(l: LoadedPolicy, rule: string, pointer: string, what: string): void;
  note(n: PlanNote): void;
  /** Adds a reviewer note to the change at `address` (each text once). */
  noteFor(address: Address, text: string): void;
  query(q: PlanQuery): void;
  result(): DesiredState;
}

export const originOf = (l: LoadedPolicy, section: string): Origin => ({
  file: l.source.file,
  document: l.source.document,
  section,
});

/** "account/region", the key of the inventories maps. */
export const targetKeyOf = (l: LoadedPolicy): string => `${l.policy.target.account}/${l.policy.target.region}`;

export const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

export function newBuilder(): Builder {
  const resources = new Map<Address, DesiredResource>();
  const diagnostics: Diagnostic[] = [];
  const notes: PlanNote[] = [];
  const changeNotes = new Map<Address, string[]>();
  const queries: PlanQuery[] = [];

  const diag: Builder["diag"] = (l, severity, code, pointer, message, hint) => {
    const d: Diagnostic = {
      severity,
      code,
      file: l.source.file,
      position: null,
      pointer,
      document: l.source.document,
      message,
    };
    diagnostics.push(hint === undefined ? d : { ...d, hint });
  };

  return {
    add(l, pointer, r, what) {
      const prior = resources.get(r.address);
      if (prior === undefined) {
        resources.set(r.address, r as DesiredResource);
        return true;
      }
      diag(
        l,
        "error",
        "desired.conflict",
        pointer,
        `${what} (${r.address}) is also declared by ${prior.origin.file} (document ${prior.origin.document}); one resource, one policy`,
        "declare each resource in one policy",
      );
      return false;
    },
    diag,
    unvalidated(l, rule, pointer, what) {
      diag(l, "error", "internal.unvalidated", pointer, `internal: validate rule ${rule} should have refused ${what}`);
    },
    note: (n) => notes.push(n),
    noteFor(address, text) {
      const list = changeNotes.get(address) ?? [];
      if (!list.includes(text)) list.push(text);
      changeNotes.set(address, list);
    },
    query: (q) => queries.push(q),
    result: () => ({
      resources: [...resources.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)),
      queries,
      diagnostics,
      notes,
      changeNotes,
    }),
  };
}
