// Benchmark of reading hostile or huge policy files (src/policy/load.ts): the time to find
// duplicate keys, to give up on garbage, and to cap the problems of a file, each at n and 4n so
// that the ratio says how the cost grows (≈4 linear, ≈16 quadratic). The unit tests check what these
// inputs produce; how fast is measured here, not in timed tests.
// Run: npm run bench (or bundle it with esbuild as scripts/bench/blocking.mjs does).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAndValidate } from "../../src/policy/index.js";
import { parseText } from "../../src/policy/load.js";

const RUNS = Number(process.env["BENCH_VALIDATE_RUNS"] ?? 5);

function medianMs(run: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const duplicateKeys = (n: number) =>
  `${Array.from({ length: n }, (_, i) => `k${i}: 1`).join("\n")}\nk7: 2\nnested: { a: 1, b: 2, a: 3 }\n`;
const garbage = (n: number) => `k: ${"[]".repeat(n)}\n`;
const work = mkdtempSync(join(tmpdir(), "cordon-bench-validate-"));
const manyKeys = (n: number) => {
  const path = join(work, `many-${n}.yaml`);
  writeFileSync(path, Array.from({ length: n }, (_, i) => `key${i}: 1`).join("\n"));
  return path;
};

const cases: { what: string; n: number; run: (n: number) => () => void }[] = [
  {
    what: "duplicate keys (parse)",
    n: 12_500,
    run: (n) => {
      const t = duplicateKeys(n);
      return () => parseText("d.yaml", t);
    },
  },
  {
    what: "garbage `[]`×n (parse stops at 10 errors)",
    n: 500_000,
    run: (n) => {
      const t = garbage(n);
      return () => parseText("g.yaml", t);
    },
  },
  {
    what: "n unknown keys (validate, 100 shown)",
    n: 5_000,
    run: (n) => {
      const p = manyKeys(n);
      return () => loadAndValidate([p], { today: "2026-11-26" });
    },
  },
];

console.log(`\nReading hostile policy files (scripts/bench/validate.ts): median of ${RUNS}\n`);
console.log("| input | n | time at n | time at 4n | ratio (≈4 linear) |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const c of cases) {
  const small = medianMs(c.run(c.n));
  const large = medianMs(c.run(4 * c.n));
  console.log(
    `| ${c.what} | ${c.n} | ${small.toFixed(1)} ms | ${large.toFixed(1)} ms | ${(large / small).toFixed(1)} |`,
  );
}
rmSync(work, { recursive: true, force: true });
