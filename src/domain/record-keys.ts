// The S3 object keys of Cordon's own records in its state bucket: the apply lock, the applied
// record (what drift compares with) and the audit log. Pure. The executor reads and writes these
// objects; validate checks that the keys a policy leads to stay within S3's 1024-byte key limit.

export const LOCK_PREFIX = "cordon/locks/";

/** The apply lock of one target: `cordon/locks/<account>-<region>.json`. */
export const lockKey = (account: string, region: string): string => `${LOCK_PREFIX}${account}-${region}.json`;

/** What Cordon last applied to one target: `cordon/applied/<account>/<region>.json`. */
export const appliedKey = (account: string, region: string): string => `cordon/applied/${account}/${region}.json`;

/** One audit record: `cordon/audit/<yyyy-mm-dd>/<yyyymmddThhmmssZ>-<id>.json` (UTC). */
export function auditKey(startedAt: Date, id: string): string {
  const iso = startedAt.toISOString();
  const stamp = iso.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `cordon/audit/${iso.slice(0, 10)}/${stamp}-${id}.json`;
}
