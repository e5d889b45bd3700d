// One policy, many targets (docs/targets.md). A policy document names its accounts and regions
// with `target:` (one) or `targets:` (accounts × regions, written in the policy or named from the
// policy set's cordon.yaml); exactly one of the two. Loading expands every document into one
// document per target, each with a plain `target` and `{account}` / `{region}` replaced in the
// names that must differ per target, before the semantic checks: everything after the loader
// (desired state, planner, executor) sees single-target policies with the same source position.
//
// Order: the accounts as written, and for each account the regions as written. A single-target
// policy comes out unchanged (the same value object), so its plans are byte-for-byte the same.
import { createsBucket } from "../domain/log-archive.js";
import type { Diagnostic } from "../model/diagnostics.js";
import type { PolicyDocument, Target, TargetsSpec } from "../model/policy.js";
import type { TargetList } from "../model/policy-schema.gen.js";
import { diagnosticAt, type ParsedDocument } from "./document.js";
import type { NamedTargets } from "./policy-set.js";

/** The placeholders of per-target names. */
export const ACCOUNT_PLACEHOLDER = "{account}";
export const REGION_PLACEHOLDER = "{region}";

/** `text` with `{account}` and `{region}` replaced by the target's. */
export function substituteTarget(text: string, target: { readonly account: string; readonly region: string }): string {
  return text.replaceAll(ACCOUNT_PLACEHOLDER, target.account).replaceAll(REGION_PLACEHOLDER, target.region);
}

export interface Expansion {
  /** One document per target of every input document, in input order. */
  readonly documents: readonly ParsedDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

const diagnostic = (doc: ParsedDocument, code: string, pointer: string, message: string, hint?: string): Diagnostic =>
  diagnosticAt(doc, "error", code, pointer, message, hint);

/**
 * Expands schema-valid policy documents into one document per target. `named`: the target lists of
 * the policy set (null when the paths belong to no set). A document with a problem (both or neither
 * target and targets, an unknown list name, a bucket name that would be the same for two targets)
 * yields a diagnostic and no documents.
 */
export function expandTargets(docs: readonly ParsedDocument[], named: NamedTargets | null | undefined): Expansion {
  const documents: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const doc of docs) {
    const written = doc.value as PolicyDocument;
    if (written.target !== undefined && written.targets !== undefined) {
      diagnostics.push(
        diagnostic(
          doc,
          "targets.both",
          "/targets",
          "The policy has both target and targets; give exactly one.",
          "target names one account and region; targets lists several (or names a list of cordon.yaml).",
        ),
      );
      continue;
    }
    const value = resolveSources(doc, written, named, diagnostics);
    if (value === null) continue;
    if (value.targets === undefined) {
      if (value.target === undefined) continue; // the schema requires target when targets is absent
      const single = substituteNames(value, value.target);
      documents.push(single === written ? doc : { ...doc, value: single });
      continue;
    }
    const list = resolveList(doc, value.targets, named, diagnostics);
    if (list === null) continue;
    const targets = list.accounts.flatMap((account) =>
      list.regions.map(
        (region): Target => ({
          account,
          region,
          ...(list.roleArn === undefined ? {} : { roleArn: substituteTarget(list.roleArn, { account, region }) }),
          ...(list.externalId === undefined ? {} : { externalId: list.externalId }),
        }),
      ),
    );
    if (!bucketNamesDistinct(doc, value, targets, diagnostics)) continue;
    for (const target of targets) {
      const { targets: _omitted, ...rest } = value;
      documents.push({ ...doc, value: substituteNames({ ...rest, target }, target) });
    }
  }
  return { documents, diagnostics };
}

function resolveList(
  doc: ParsedDocument,
  spec: TargetsSpec,
  named: NamedTargets | null | undefined,
  out: Diagnostic[],
  key: { readonly pointer: string; readonly name: string } = { pointer: "/targets", name: "targets" },
): TargetList | null {
  if (typeof spec !== "string") return spec as TargetList;
  const list = named?.lists[spec];
  if (list !== undefined) return list;
  const known = Object.keys(named?.lists ?? {});
  out.push(
    diagnostic(
      doc,
      "targets.unknown-list",
      key.pointer,
      named === null || named === undefined
        ? `${key.name} names the list ${spec}, but no cordon.yaml of this policy set declares target lists.`
        : `${key.name} names the list ${spec}, which cordon.yaml does not declare.`,
      known.length === 0
        ? "Declare it in cordon.yaml: targets: { NAME: { accounts: [...], regions: [...] } }, or list the accounts and regions here."
        : `The lists of cordon.yaml: ${known.join(", ")}.`,
    ),
  );
  return null;
}

/**
 * The policy with a central bucket's `sources` (docs/targets.md, "A central log-archive bucket")
 * given as the name of a target list of cordon.yaml replaced by that list's accounts and regions;
 * the same object when there is nothing to replace, null (and a diagnostic) for an unknown name.
 */
function resolveSources(
  doc: ParsedDocument,
  policy: PolicyDocument,
  named: NamedTargets | null | undefined,
  out: Diagnostic[],
): PolicyDocument | null {
  const bucket = policy.flowLogs?.bucket;
  const spec = bucket?.sources;
  if (bucket === undefined || typeof spec !== "string") return policy;
  const list = resolveList(doc, spec, named, out, { pointer: "/flowLogs/bucket/sources", name: "sources" });
  if (list === null) return null;
  const sources = { accounts: list.accounts, regions: list.regions };
  return { ...policy, flowLogs: { ...policy.flowLogs!, bucket: { ...bucket, sources } } };
}

/**
 * The policy with `{account}` / `{region}` replaced in the names that must differ per target: the
 * bucket name (a bucket name exists once in all of AWS). Web ACL, IP set and Glue names are per
 * account and region, so they may repeat and take no placeholders. The same object when nothing
 * changes.
 */
function substituteNames<P extends PolicyDocument>(policy: P, target: Target): P {
  const bucket = policy.flowLogs?.bucket;
  if (bucket === undefined) return policy;
  const name = substituteTarget(bucket.name, target);
  if (name === bucket.name) return policy;
  return { ...policy, flowLogs: { ...policy.flowLogs!, bucket: { ...bucket, name } } };
}

/** A policy of several targets that creates its bucket must name a different bucket for each. */
function bucketNamesDistinct(
  doc: ParsedDocument,
  value: PolicyDocument,
  targets: readonly Target[],
  out: Diagnostic[],
): boolean {
  const bucket = value.flowLogs?.bucket;
  if (bucket === undefined || !createsBucket(bucket) || targets.length < 2) return true;
  const seen = new Map<string, Target>();
  for (const t of targets) {
    const name = substituteTarget(bucket.name, t);
    const first = seen.get(name);
    if (first !== undefined) {
      out.push(
        diagnostic(
          doc,
          "targets.bucket-collision",
          "/flowLogs/bucket/name",
          `The bucket ${name} would be created in both ${first.account}/${first.region} and ${t.account}/${t.region}; a bucket name exists once in all of AWS.`,
          `Put ${ACCOUNT_PLACEHOLDER} and ${REGION_PLACEHOLDER} in the name (e.g. NAME-${ACCOUNT_PLACEHOLDER}-${REGION_PLACEHOLDER}), or give create: false and an existing bucket.`,
        ),
      );
      return false;
    }
    seen.set(name, t);
  }
  return true;
}
