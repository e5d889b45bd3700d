// Golden files: compare a rendering with test/golden/<name>; UPDATE_GOLDEN=1 rewrites them.
//   UPDATE_GOLDEN=1 npx vitest run test/golden
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "golden");

export function expectGolden(name: string, actual: string): void {
  const file = join(ROOT, name);
  if (process.env["UPDATE_GOLDEN"] === "1") {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file ${name} is missing: run UPDATE_GOLDEN=1 npx vitest run test/golden`);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}
