// The first touch of anything Cordon finds in place (ownership is never assumed). After the
// observation pass, each desired resource whose kind can tell (Handler.foreign) is checked: what
// sits at its address and is not Cordon's either makes the plan fail — naming the AWS resource, the
// foreign items and the policy's choices, at the policy field that declares it — or, when the
// policy says adopt: true, turns the change into an adoption. Pure: reads observations only.
import type { Foreign } from "../model/change.js";
import type { Diagnostic } from "../model/diagnostics.js";
import type { Address, DesiredResource, Observation } from "../model/resource.js";
import { type HandlerLookup, requireHandler } from "./observe.js";

export interface FirstTouch {
  /** One error per desired resource that finds something foreign in place without adopt: true. */
  readonly diagnostics: readonly Diagnostic[];
  /** The adoptions the policies asked for, by address. */
  readonly adopting: ReadonlyMap<Address, Foreign>;
}

const MAX_DETAILS = 20;

export function checkFirstTouch(
  desired: readonly DesiredResource[],
  observed: ReadonlyMap<Address, Observation>,
  handlers: HandlerLookup,
): FirstTouch {
  const diagnostics: Diagnostic[] = [];
  const adopting = new Map<Address, Foreign>();
  for (const d of desired) {
    const obs = observed.get(d.address);
    if (obs === undefined || !obs.exists) continue;
    const h = requireHandler(handlers, d.kind);
    const found = h.foreign?.(d, obs) ?? null;
    if (found === null) continue;
    if (d.adopt === true) {
      adopting.set(d.address, found);
      continue;
    }
    const shown = found.details.slice(0, MAX_DETAILS);
    const more = found.details.length - shown.length;
    const list = shown.length === 0 ? "" : `: ${shown.join("; ")}${more > 0 ? `; and ${more} more` : ""}`;
    diagnostics.push({
      severity: "error",
      code: "adoption.not-cordons",
      file: d.origin.file,
      position: null,
      pointer: d.inPlace?.pointer ?? "",
      document: d.origin.document,
      message: `${found.what} ${found.problem}${list}`,
      hint:
        d.inPlace?.choices ??
        "Cordon changes only what it created or was told to adopt: rename the resource in the policy, or adopt it",
    });
  }
  return { diagnostics, adopting };
}
