// The plan document: versioned JSON, complete on its own. Renderers (text, markdown) read only
// this; apply reads it back from a file. See schemas/plan.schema.json.
import type { Change } from "./change.js";
import type { Diagnostic } from "./diagnostics.js";

export const PLAN_FORMAT_VERSION = "1";

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  /** Replacements count once here and once in add + destroy (Terraform's convention). */
  readonly replace: number;
  readonly broadensAccess: number;
  /** Changes found but not executed because their mode is "observe" (not counted above). */
  readonly observeOnly: number;
  /** Resources already as declared. */
  readonly noop: number;
}

/** True when the document asks for nothing: no executable change and no observe-mode finding. */
export const isEmptyPlan = (s: PlanSummary): boolean =>
  s.add === 0 && s.change === 0 && s.destroy === 0 && (s.observeOnly ?? 0) === 0;

/** Something the plan wants a reviewer to know that is not a change (foreign web ACL left alone...). */
export interface PlanNote {
  readonly severity: "info" | "warning";
  readonly address?: string;
  readonly message: string;
  /** Every address the note is about, when there are several (resources left alone...). */
  readonly addresses?: readonly string[];
}

/** Ready-to-paste queries (e.g. the Athena query over the flow logs table). */
export interface PlanQuery {
  readonly title: string;
  readonly sql: string;
}

export interface PlanDocument {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly cordonVersion: string;
  /** ISO timestamp of the observation. */
  readonly createdAt: string;
  /** sha256 of the canonical JSON of every loaded policy: apply refuses a plan whose policies changed. */
  readonly policyDigest: string;
  readonly targets: readonly { readonly account: string; readonly region: string }[];
  /** Sorted: dependency order, then kind, then address. No-op changes are kept (action "no-op"). */
  readonly changes: readonly Change[];
  readonly summary: PlanSummary;
  readonly notes: readonly PlanNote[];
  readonly warnings: readonly Diagnostic[];
  readonly queries: readonly PlanQuery[];
  /**
   * The policy paths the plan was made from, as given to `cordon plan` (relative to its working
   * directory): `cordon apply plan.json` re-reads them to check policyDigest. Absent in plans made
   * by callers that did not read files.
   */
  readonly policyPaths?: readonly string[];
  /**
   * Every policy file read, by path relative to the working directory of `cordon plan` (forward
   * slashes) → sha256 of its bytes. `cordon apply plan.json` compares them with the files as they
   * are now and names the files that changed, were added or were removed. Absent as policyPaths.
   */
  readonly policyFiles?: Readonly<Record<string, string>>;
  /** The day (YYYY-MM-DD, UTC) the plan was made for (expiry dates, queries); apply recomputes with it. */
  readonly today?: string;
  /** The --target addresses (or prefixes) the plan was restricted to; absent = the whole policy set. */
  readonly only?: readonly string[];
  /** --shard I/N the plan was made with (docs/targets.md); apply makes the plan again for it. Absent: every target. */
  readonly shard?: string;
  /**
   * sha256 of the canonical JSON of the whole document without this member (planDocumentDigest).
   * Written by the JSON renderer; apply refuses a file whose digest does not match its content.
   * Integrity against accidents, not authentication: anyone can recompute it.
   */
  readonly digest?: string;
}

/** Terraform's counting: a replacement counts once in add, once in destroy and once in replace. */
export function summarize(changes: readonly Change[]): PlanSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  let replace = 0;
  let broadensAccess = 0;
  let observeOnly = 0;
  let noop = 0;
  for (const c of changes) {
    if (c.action === "no-op") {
      noop++;
      continue;
    }
    if (c.mode === "observe") {
      observeOnly++;
      continue;
    }
    if (c.impact.broadensAccess) broadensAccess++;
    switch (c.action) {
      case "create":
        add++;
        break;
      case "update":
        change++;
        break;
      case "delete":
        destroy++;
        break;
      case "create-then-delete":
      case "delete-then-create":
        add++;
        destroy++;
        replace++;
        break;
    }
  }
  return { add, change, destroy, replace, broadensAccess, observeOnly, noop };
}
