// The policy set: the identity of a policy repository, declared by a cordon.yaml file at its root
//
//   apiVersion: cordon.dev/v1
//   kind: PolicySet
//   metadata: { name: cats-eyes }
//   roles: { plan: "arn:aws:iam::{account}:role/cordon-plan", apply: "arn:aws:iam::{account}:role/cordon-apply" }
//
// (schemas/policy-set.schema.json). Everything Cordon creates for a policy of the set is tagged
// cordon:set=<name>; a removed policy's resources are cleaned up only when the whole set is loaded
// (wholeSetLoaded), and resources of another set, or of none, are never touched.
//
// Discovery: from each policy path given (file or directory), walk up to the nearest directory that
// holds cordon.yaml; the walk stops after a directory that contains `.git` (the repository root)
// and at the filesystem root. Every path of one run must reach the same file, or all reach none.
// Offline and synchronous, like the rest of src/policy.
import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { RoleTemplates } from "../domain/roles.js";
import type { Diagnostic } from "../model/diagnostics.js";
import { UsageError } from "../model/errors.js";
import type { TargetList } from "../model/policy-schema.gen.js";
import type { ParsedDocument } from "./document.js";
import { type LoadOptions, loadFile, parsePolicyFiles, POLICY_SET_FILE as SET_FILE } from "./load.js";
import { validatePolicySetSchema } from "./validate.js";

export const POLICY_SET_FILE = SET_FILE;

export interface PolicySet {
  /** metadata.name: the value of the cordon:set tag. */
  readonly name: string;
  /** The cordon.yaml file, relative to the working directory when the policy paths were relative. */
  readonly file: string;
  /** The real path of the directory holding cordon.yaml: every policy file under it belongs to the set. */
  readonly root: string;
  /** roles: the plan and apply role templates (docs/roles.md); absent = the ambient credentials. */
  readonly roles?: RoleTemplates;
  /** Named target lists (`targets:` of cordon.yaml, docs/targets.md), with the document to locate them. */
  readonly targets?: NamedTargets;
}

export interface NamedTargets {
  readonly lists: Readonly<Record<string, TargetList>>;
  readonly doc: ParsedDocument;
}

const realOrResolved = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};

/**
 * The real path of the cordon.yaml that governs `path` (a file or directory), or null when there is
 * none up to the repository root (a directory holding `.git`) or the filesystem root. Null too when
 * `path` does not exist (the loader reports that).
 */
export function findPolicySetFile(path: string): string | null {
  let dir: string;
  try {
    const real = realpathSync(path);
    dir = statSync(real).isDirectory() ? real : dirname(real);
  } catch {
    return null;
  }
  for (;;) {
    const candidate = join(dir, POLICY_SET_FILE);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    if (existsSync(join(dir, ".git"))) return null;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export interface PolicySetDiscovery {
  /** Null when the paths belong to no set, or when its cordon.yaml has errors (see diagnostics). */
  readonly set: PolicySet | null;
  /** Problems of the cordon.yaml file, at file:line:column. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Finds and validates the policy set of `paths` and of the policy files found under them (`files`).
 * Throws UsageError when they belong to different sets (or some to a set and some to none, or a
 * directory walked holds another set's cordon.yaml): one run works on one set. With `mixed: true`
 * (cordon validate, which changes nothing) every set file found is validated instead, and the set
 * is null when there are several.
 */
export function discoverPolicySet(
  paths: readonly string[],
  files: readonly string[] = [],
  options: LoadOptions & { readonly mixed?: boolean } = {},
): PolicySetDiscovery {
  const found = new Map<string | null, string[]>();
  for (const p of [...paths, ...files]) {
    if (!existsSync(p)) continue;
    const file = findPolicySetFile(p);
    const list = found.get(file) ?? [];
    if (!list.includes(p)) list.push(p);
    found.set(file, list);
  }
  if (found.size > 1 && options.mixed === true) {
    const diagnostics = [...found]
      .filter((e): e is [string, string[]] => e[0] !== null)
      .flatMap(([real, given]) => readSetFile(real, given[0]!, options).diagnostics);
    return { set: null, diagnostics };
  }
  if (found.size > 1) {
    const lines = [...found].map(([file, ps]) => {
      const shown = ps.length > 3 ? `${ps.slice(0, 3).join(", ")} and ${ps.length - 3} more` : ps.join(", ");
      return `${shown}: ${file === null ? "no policy set" : `policy set of ${file}`}`;
    });
    throw new UsageError("the policy paths belong to different policy sets; plan or apply one set at a time", [
      ...lines,
      `a policy set is the directory holding ${POLICY_SET_FILE} and everything under it`,
    ]);
  }
  const real = [...found.keys()][0] ?? null;
  if (real === null) return { set: null, diagnostics: [] };
  return readSetFile(real, [...found.values()][0]![0]!, options);
}

/** Reads and validates the set file at real path `real`, named like `given` (a path of the run) is. */
function readSetFile(real: string, given: string, options: LoadOptions): PolicySetDiscovery {
  const file = isAbsolute(given) ? real : relative(process.cwd(), real) || POLICY_SET_FILE;
  const loaded = loadFile(file, options);
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  if (loaded.documents.length > 1) {
    const second = loaded.documents[1]!;
    diagnostics.push({
      severity: "error",
      code: "set.documents",
      file,
      position: second.locate(""),
      pointer: "",
      document: second.document,
      message: `${POLICY_SET_FILE} must hold exactly one document (the PolicySet); it holds ${loaded.documents.length}.`,
    });
  }
  const doc = loaded.documents[0];
  if (doc !== undefined) diagnostics.push(...validatePolicySetSchema(doc));
  if (doc === undefined || diagnostics.some((d) => d.severity === "error")) return { set: null, diagnostics };
  const value = doc.value as {
    metadata: { name: string };
    roles?: RoleTemplates;
    targets?: Record<string, TargetList>;
  };
  const roles = value.roles;
  const targets = value.targets === undefined ? {} : { targets: { lists: value.targets, doc } };
  return {
    set: {
      name: value.metadata.name,
      file,
      root: dirname(real),
      ...(roles !== undefined ? { roles } : {}),
      ...targets,
    },
    diagnostics,
  };
}

/**
 * Whether `loadedFiles` (the policy files this run read) hold every policy file of the set: the
 * files `cordon plan <set root>` would load. Only then may a resource of the set whose policy is
 * not among the loaded ones be deleted as "removed".
 */
export function wholeSetLoaded(
  set: PolicySet,
  paths: readonly string[],
  loadedFiles: readonly string[],
  options: LoadOptions = {},
): boolean {
  if (paths.some((p) => realOrResolved(p) === set.root)) return true;
  const have = new Set(loadedFiles.map(realOrResolved));
  return parsePolicyFiles([set.root], options).files.every((f) => have.has(realOrResolved(f)));
}
