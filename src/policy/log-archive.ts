// The checks of a central log-archive bucket across the loaded policies (docs/targets.md, "A central
// log-archive bucket"). A source policy (flowLogs.bucket.account) delivers to a bucket of another
// account; the archive policy of that account (flowLogs.bucket.sources) lists every account and
// region allowed to deliver there, and its delivery bucket policy admits exactly those. So, when the
// archive policy is loaded, a source policy is refused unless:
//   - the archive policy's target account is the account the source names;
//   - the source's account and region are among the archive's sources;
//   - it writes under the archive's prefix in the archive's key layout (Hive or not): the delivery
//     policy admits only `<prefix>/AWSLogs/<account>/*` (or `aws-account-id=<account>`);
// and a source policy never declares a Glue table over a bucket it cannot read. When the archive
// policy is not loaded, nothing can be checked offline: a warning says so (AWS refuses the flow
// logs with "Access Denied for LogDestination" if the archive does not admit them).
// Runs on schema-valid, per-target documents whose `sources` names were resolved (targets.ts).
import { admits, archiveSources, deliversToArchive } from "../domain/log-archive.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { POLICY_DEFAULTS, type Policy } from "../model/policy.js";
import { cleanPrefix } from "./desired/flow-logs.js";
import { diagnosticAt, type ParsedDocument } from "./document.js";

/** "file:line:column" of a pointer of another document. */
function where(doc: ParsedDocument, pointer: string): string {
  const p = doc.locate(pointer);
  return p === null ? doc.file : `${doc.file}:${p.line}:${p.column}`;
}

export function checkLogArchives(docs: readonly ParsedDocument[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const policy = (d: ParsedDocument) => d.value as Policy;
  const archives = docs.filter((d) => archiveSources(policy(d)) !== null);
  for (const doc of docs) {
    const p = policy(doc);
    const bucket = p.flowLogs?.bucket;
    if (bucket === undefined || !deliversToArchive(p)) continue;
    const owner = bucket.account as string;
    const error = (code: string, pointer: string, message: string, hint?: string) =>
      out.push(diagnosticAt(doc, "error", code, pointer, message, hint));
    if (p.athena !== undefined) {
      error(
        "archive.source-athena",
        "/athena",
        `The flow logs go to bucket ${bucket.name} of account ${owner}, which this account cannot read: the Glue table belongs to the archive account's policy.`,
        "Move the athena section to the policy with bucket.sources in that account: its table covers every source account and region.",
      );
    }
    const archive = archives.find((a) => policy(a).flowLogs?.bucket.name === bucket.name);
    if (archive === undefined) {
      const manager = docs.find((d) => {
        const q = policy(d);
        return q.flowLogs?.bucket.name === bucket.name && !deliversToArchive(q) && q.target.account === owner;
      });
      if (manager !== undefined) {
        error(
          "archive.no-sources",
          "/flowLogs/bucket/account",
          `Bucket ${bucket.name} of account ${owner} is managed by ${where(manager, "/flowLogs/bucket")}, which lists no sources: its delivery policy admits no other account.`,
          "Give that policy bucket.sources: the accounts and regions that deliver to the bucket (or the name of a target list of cordon.yaml).",
        );
      } else {
        out.push(
          diagnosticAt(
            doc,
            "warning",
            "archive.not-loaded",
            "/flowLogs/bucket/account",
            `The policy that manages bucket ${bucket.name} in account ${owner} is not loaded: Cordon cannot check that its sources admit this policy's accounts and regions (AWS refuses a flow log the bucket policy does not admit: "Access Denied for LogDestination").`,
            "Load the archive account's policy with this one (the whole policy set) to have it checked.",
          ),
        );
      }
      continue;
    }
    const a = policy(archive);
    const at = where(archive, "/flowLogs/bucket/sources");
    if (a.target.account !== owner) {
      error(
        "archive.wrong-account",
        "/flowLogs/bucket/account",
        `Bucket ${bucket.name} is the archive bucket of account ${a.target.account} (${at}), not of account ${owner}.`,
      );
      continue;
    }
    if (!admits(archiveSources(a)!, p.target.account, p.target.region)) {
      error(
        "archive.not-a-source",
        "/flowLogs/bucket/account",
        `Account ${p.target.account} in ${p.target.region} is not among the sources of bucket ${bucket.name} in the archive account ${owner} (${at}): its delivery policy would not admit these flow logs.`,
        "Add the account and region to that policy's bucket.sources (or to the target list it names).",
      );
    }
    const prefix = cleanPrefix(bucket.prefix);
    const archivePrefix = cleanPrefix(a.flowLogs?.bucket.prefix);
    if (prefix !== archivePrefix) {
      error(
        "archive.prefix",
        bucket.prefix === undefined ? "/flowLogs/bucket/name" : "/flowLogs/bucket/prefix",
        `The archive's delivery policy admits keys under ${archivePrefix === "" ? "the bucket root" : `prefix ${archivePrefix}`} of ${bucket.name} (${where(archive, "/flowLogs/bucket")}); this policy writes under ${prefix === "" ? "the bucket root" : `prefix ${prefix}`}.`,
        "Use the archive policy's bucket.prefix.",
      );
    }
    const hive = p.flowLogs?.hiveCompatiblePartitions ?? POLICY_DEFAULTS.hiveCompatiblePartitions;
    const archiveHive = a.flowLogs?.hiveCompatiblePartitions ?? POLICY_DEFAULTS.hiveCompatiblePartitions;
    if (hive !== archiveHive) {
      error(
        "archive.layout",
        "/flowLogs/bucket/name",
        `The archive's delivery policy admits keys ${archiveHive ? "AWSLogs/aws-account-id=<account>/…" : "AWSLogs/<account>/…"} in ${bucket.name} (${where(archive, "/flowLogs/bucket")}); this policy writes ${hive ? "Hive-compatible" : "plain"} keys.`,
        `Set hiveCompatiblePartitions: ${archiveHive} as the archive policy does.`,
      );
    }
  }
  return out;
}
