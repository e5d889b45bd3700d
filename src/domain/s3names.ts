// S3 general-purpose bucket naming rules (AWS "Bucket naming rules"): 3–63 characters of lower-case
// letters, digits, dots and hyphens; starting and ending with a letter or digit; no two adjacent
// dots; not shaped like an IPv4 address; none of the prefixes and suffixes S3 reserves.

const RESERVED_PREFIXES: readonly string[] = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES: readonly string[] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** Why name is not a valid bucket name, or null when it is. */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) {
    return `it is ${name.length} characters long; bucket names have 3 to 63`;
  }
  if (/[A-Z]/.test(name)) return "bucket names are lower case";
  const bad = /[^a-z0-9.-]/.exec(name);
  if (bad !== null) return `"${bad[0]}" is not allowed: only lower-case letters, digits, dots and hyphens are`;
  if (!/^[a-z0-9]/.test(name)) return "it must start with a letter or digit";
  if (!/[a-z0-9]$/.test(name)) return "it must end with a letter or digit";
  if (name.includes("..")) return "it must not contain two adjacent dots";
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return "it must not be shaped like an IP address";
  for (const prefix of RESERVED_PREFIXES) {
    if (name.startsWith(prefix)) return `the prefix "${prefix}" is reserved by S3`;
  }
  for (const suffix of RESERVED_SUFFIXES) {
    if (name.endsWith(suffix)) return `the suffix "${suffix}" is reserved by S3`;
  }
  return null;
}
