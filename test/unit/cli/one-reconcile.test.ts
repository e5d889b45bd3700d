// The commands that change AWS go through the one reconcile (src/executor/reconcile.ts): nothing
// under src/cli takes a lock, applies a plan, or writes an audit or applied record by itself.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = "src/cli";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The names a file imports as values (type-only imports left out), per module specifier. */
function valueImports(text: string): { from: string; names: string[] }[] {
  const found: { from: string; names: string[] }[] = [];
  for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+"([^"]+)"/g)) {
    if (m[1] !== undefined) continue;
    const names = (m[2] ?? "")
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n !== "" && !n.startsWith("type "))
      .map((n) => n.split(/\s+as\s+/)[0]!.trim());
    found.push({ from: m[3]!, names });
  }
  return found;
}

const FORBIDDEN: readonly { readonly name: string; readonly reason: string }[] = [
  { name: "applyPlan", reason: "applying is a step of the reconcile (executePlan inside it)" },
  { name: "acquireLock", reason: "the reconcile takes the locks, sorted by key" },
  { name: "withLockAndAudit", reason: "the lock and audit wrap only the reconcile's apply" },
  { name: "writeAudit", reason: "the reconcile writes the audit record, also on failure and on signals" },
  { name: "writeApplied", reason: "the reconcile updates the applied record" },
  { name: "readApplied", reason: "drift reads the applied records through driftReport" },
  { name: "subPlan", reason: "what drift --correct and watch apply is chosen by the reconcile" },
];

describe("one reconcile: the CLI parses options and renders", () => {
  const files = sourceFiles(CLI);

  it("finds the command files", () => {
    expect(files).toContain(join(CLI, "commands", "apply.ts"));
    expect(files).toContain(join(CLI, "commands", "watch.ts"));
  });

  it.each(FORBIDDEN)("no file under src/cli imports $name ($reason)", ({ name }) => {
    const offenders = files.filter((f) => valueImports(readFileSync(f, "utf8")).some((i) => i.names.includes(name)));
    expect(offenders).toEqual([]);
  });

  it.each(["apply", "drift", "watch"])("cordon %s calls reconcile()", (command) => {
    const text = readFileSync(join(CLI, "commands", `${command}.ts`), "utf8");
    expect(
      valueImports(text).some((i) => i.from.endsWith("executor/reconcile.js") && i.names.includes("reconcile")),
    ).toBe(true);
    expect(text).toMatch(/\bawait reconcile\(/);
  });

  it("only the reconcile takes locks and writes records (src/executor/lock-and-audit.ts)", () => {
    const users = sourceFiles("src").filter((f) =>
      valueImports(readFileSync(f, "utf8")).some((i) => i.from.endsWith("/lock-and-audit.js") && i.names.length > 0),
    );
    expect(users).toEqual([join("src", "executor", "reconcile.ts")]);
  });

  it("applies a plan outside the reconcile only in the demo (an in-process sandbox: no lock, no records)", () => {
    const users = files.filter((f) =>
      valueImports(readFileSync(f, "utf8")).some((i) => i.names.includes("executePlan")),
    );
    expect(users).toEqual([join(CLI, "commands", "demo.ts")]);
  });
});
