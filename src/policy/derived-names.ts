// Every name Cordon derives from what a policy declares, with the limits AWS puts on it, so that
// validate (offline) refuses a policy whose derived names AWS would reject at apply time. Pure.
//
// The names are computed with the same functions the desired state uses (ipSetName, RULE_SUFFIX,
// wafMetricName, ownershipTags, lockKey, appliedKey, auditKey), so the check cannot drift from
// what apply sends. Limits (AWS API models):
//   - WAFv2 IP set and rule names: 1–128 characters, letters, digits, "_" and "-" (^[\w\-]+$).
//   - WAFv2 metric names: 1–255 characters of ^[\w#:\.\-/]+$, never "All" or "Default_Action".
//   - Tag values: at most 256 characters (EC2, S3 and WAFv2 alike).
//   - (Glue database and table names are declared, not derived: semantic.ts checks them as such.)
//   - S3 object keys: at most 1024 bytes (UTF-8), for flow-log files and Cordon's own records.
//   - Glue StorageDescriptor.Location: at most 2056 characters.

import { appliedKey, auditKey, lockKey } from "../domain/record-keys.js";
import { ipSetName, RULE_SUFFIX, wafMetricName } from "../domain/waf.js";
import { POLICY_DEFAULTS, type Policy } from "../model/policy.js";
import { cleanPrefix } from "./desired/flow-logs.js";
import { ownershipTags } from "./desired/select.js";

export const AWS_NAME_LIMITS = {
  wafName: 128,
  wafMetricName: 255,
  tagValue: 256,
  s3Key: 1024,
  glueLocation: 2056,
} as const;

const WAF_NAME = /^[\w-]+$/;
const WAF_METRIC = /^[\w#:.\-/]+$/;
const WAF_RESERVED_METRICS = new Set(["All", "Default_Action"]);

/** One derived name: what it is, from which field, and the rule AWS applies to it. */
export interface DerivedName {
  /** "the IP set name", "the rule name", … */
  readonly what: string;
  readonly name: string;
  /** The JSON pointer of the declared field the name is made from (where the diagnostic goes). */
  readonly pointer: string;
  /** How it is made, for the message: `<webAcl.name>-blocked-ipv4`. */
  readonly recipe: string;
  readonly max: number;
  /** Bytes (S3 keys) or characters. */
  readonly unit: "characters" | "bytes";
  readonly pattern?: RegExp;
  /** The pattern in words, for the message. */
  readonly charset?: string;
  readonly reserved?: ReadonlySet<string>;
  /** The declared value the name is made from, when the name is that value plus fixed text. */
  readonly source?: { readonly field: string; readonly value: string };
}

/**
 * The longest flow-log object key AWS writes under the declared prefix: the Hive layout with
 * hourly partitions (`AWSLogs/aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/
 * month=…/day=…/hour=…/`) and a file named `<account>_vpcflowlogs_<region>_<flow log id>_<time>_<hash>.log.parquet`.
 */
function longestFlowLogKey(prefix: string, account: string, region: string): string {
  const base = prefix === "" ? "" : `${prefix}/`;
  const id = `fl-${"f".repeat(17)}`;
  return `${base}AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=2026/month=12/day=31/hour=23/${account}_vpcflowlogs_${region}_${id}_20261231T2355Z_ffffffff.log.parquet`;
}

/** Every name Cordon derives from `policy`, in a fixed order. */
export function derivedNames(policy: Policy): DerivedName[] {
  const out: DerivedName[] = [];
  const waf = (what: string, name: string, pointer: string, recipe: string, source?: DerivedName["source"]) =>
    out.push({
      what,
      name,
      pointer,
      recipe,
      ...(source !== undefined ? { source } : {}),
      max: AWS_NAME_LIMITS.wafName,
      unit: "characters",
      pattern: WAF_NAME,
      charset: "letters, digits, _ and -",
    });
  const metric = (of: string, name: string, pointer: string, recipe: string) =>
    out.push({
      what: `the CloudWatch metric name of ${of}`,
      name: wafMetricName(name),
      pointer,
      recipe,
      max: AWS_NAME_LIMITS.wafMetricName,
      unit: "characters",
      pattern: WAF_METRIC,
      charset: "letters, digits and _ - # : . /",
      reserved: WAF_RESERVED_METRICS,
    });

  const web = policy.webAcl;
  if (web !== undefined) {
    if (policy.blockedAddresses?.webAcl === true) {
      for (const version of ["IPV4", "IPV6"] as const) {
        const suffix = version === "IPV4" ? "ipv4" : "ipv6";
        waf("the IP set name", ipSetName(web.name, version), "/webAcl/name", `<webAcl.name>-blocked-${suffix}`, {
          field: "webAcl.name",
          value: web.name,
        });
      }
    }
    const prefix = web.rulePrefix ?? POLICY_DEFAULTS.rulePrefix;
    const prefixPointer = web.rulePrefix === undefined ? "/webAcl" : "/webAcl/rulePrefix";
    const rules: string[] = [];
    if (policy.blockedAddresses?.webAcl === true) rules.push(RULE_SUFFIX.ipv4, RULE_SUFFIX.ipv6);
    if (policy.blockedCountries !== undefined) rules.push(RULE_SUFFIX.countries);
    for (const suffix of rules) {
      const rule = `${prefix}${suffix}`;
      waf("the rule name", rule, prefixPointer, `<webAcl.rulePrefix>${suffix}`, {
        field: "webAcl.rulePrefix",
        value: prefix,
      });
      metric(`the rule ${rule}`, rule, prefixPointer, `<webAcl.rulePrefix>${suffix}`);
    }
    if ((web.ownership ?? POLICY_DEFAULTS.ownership) === "owned") {
      metric(`the web ACL ${web.name}`, web.name, "/webAcl/name", "<webAcl.name>");
    }
  }

  // The cordon:set value is the set name, which its own schema keeps to 63 characters.
  for (const [key, value] of Object.entries(ownershipTags(policy, undefined))) {
    if (value === "cordon") continue; // the constant cordon:managed-by value
    out.push({
      what: `the value of the tag ${key}`,
      name: value,
      pointer: "/metadata/name",
      recipe: "<metadata.name>",
      source: { field: "metadata.name", value: policy.metadata.name },
      max: AWS_NAME_LIMITS.tagValue,
      unit: "characters",
    });
  }

  const { account, region } = policy.target;
  const flow = policy.flowLogs;
  if (flow !== undefined) {
    const prefix = cleanPrefix(flow.bucket.prefix);
    const pointer = flow.bucket.prefix === undefined ? "/flowLogs/bucket" : "/flowLogs/bucket/prefix";
    out.push({
      what: "the longest flow-log object key",
      name: longestFlowLogKey(prefix, account, region),
      pointer,
      recipe: "<flowLogs.bucket.prefix>/AWSLogs/…/<log file name>",
      max: AWS_NAME_LIMITS.s3Key,
      unit: "bytes",
    });
    if (policy.athena !== undefined) {
      out.push({
        what: "the Glue table location",
        name: `s3://${flow.bucket.name}/${prefix === "" ? "" : `${prefix}/`}AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/`,
        pointer,
        recipe: "s3://<bucket>/<flowLogs.bucket.prefix>/AWSLogs/…",
        max: AWS_NAME_LIMITS.glueLocation,
        unit: "characters",
      });
    }
    // Cordon's own records in that bucket: the apply lock, the applied record, the audit log.
    const records: readonly [string, string][] = [
      ["the apply lock's object key", lockKey(account, region)],
      ["the applied record's object key", appliedKey(account, region)],
      ["the audit record's object key", auditKey(new Date(Date.UTC(2026, 11, 31, 23, 59, 59)), "ffffffff")],
    ];
    for (const [what, name] of records) {
      out.push({ what, name, pointer: "/target", recipe: name, max: AWS_NAME_LIMITS.s3Key, unit: "bytes" });
    }
  }
  return out;
}

/** What is wrong with a derived name, or null. */
export function derivedNameProblem(d: DerivedName): string | null {
  const size = d.unit === "bytes" ? Buffer.byteLength(d.name, "utf8") : [...d.name].length;
  if (size === 0) return `${d.what} would be empty`;
  if (size > d.max) {
    const room = d.source === undefined ? null : d.max - (size - [...d.source.value].length);
    const fix = room === null ? "" : room > 0 ? `, so ${d.source?.field} can have at most ${room} ${d.unit} here` : "";
    return `${d.what} "${d.name}" would be ${size} ${d.unit} long; AWS allows at most ${d.max}${fix}`;
  }
  if (d.pattern !== undefined && !d.pattern.test(d.name)) {
    return `${d.what} "${d.name}" would contain characters AWS does not allow there (only ${d.charset})`;
  }
  if (d.reserved?.has(d.name) === true) return `${d.what} would be "${d.name}", which AWS reserves`;
  return null;
}
