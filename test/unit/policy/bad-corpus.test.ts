// The bad-input corpus: every entry of test/fixtures/bad/ must produce exactly the diagnostics in
// its sibling <name>.expected.json (no more, no fewer), and at least one error. Inputs that
// must not be committed (huge, binary, invalid UTF-8) are generated at run time below.
// CORDON_UPDATE_EXPECTED=1 rewrites the expected files (review the diff before committing).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/model/diagnostics.js";
import { loadAndValidate } from "../../../src/policy/index.js";

const DIR = "test/fixtures/bad";
const TODAY = "2026-11-26";

const simplify = (d: Diagnostic) => ({
  severity: d.severity,
  code: d.code,
  line: d.position?.line ?? null,
  column: d.position?.column ?? null,
  pointer: d.pointer,
  document: d.document,
  message: d.message,
  ...(d.hint === undefined ? {} : { hint: d.hint }),
});

const entries = readdirSync(DIR)
  .filter((n) => !n.endsWith(".expected.json"))
  .sort();

describe("bad-input corpus", () => {
  it("holds at least 30 committed bad inputs", () => {
    expect(entries.length).toBeGreaterThanOrEqual(30);
  });

  it.each(entries)("%s", (name) => {
    const path = join(DIR, name);
    const result = loadAndValidate([path], { today: TODAY });
    const got = result.diagnostics.map((d) => {
      expect(d.file.startsWith(path)).toBe(true);
      return simplify(d);
    });
    const expectedFile = join(DIR, `${name}.expected.json`);
    if (process.env["CORDON_UPDATE_EXPECTED"] === "1") writeFileSync(expectedFile, `${JSON.stringify(got, null, 2)}\n`);
    expect(existsSync(expectedFile)).toBe(true);
    expect(got).toEqual(JSON.parse(readFileSync(expectedFile, "utf8")));
    expect(got.some((d) => d.severity === "error")).toBe(true);
  });
});

describe("generated bad inputs", () => {
  const tmp = mkdtempSync(join(tmpdir(), "cordon-bad-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const cases: readonly {
    reason: string;
    name: string;
    make: (path: string) => void;
    expected: ReturnType<typeof simplify>[];
  }[] = [
    {
      reason: "a 100 MB file is refused from its size, without being read",
      name: "huge.yaml",
      make: (p) => {
        writeFileSync(p, "");
        truncateSync(p, 100 * 1024 * 1024);
      },
      expected: [
        {
          severity: "error",
          code: "load.too-large",
          line: null,
          column: null,
          pointer: "",
          document: 0,
          message: "The file is 100 MiB, over the 5 MiB limit for a policy file; it was not read.",
          hint: "Policy files are small YAML documents; split the policy set or check that this is the right file.",
        },
      ],
    },
    {
      reason: "binary garbage (a NUL byte) is refused at the byte's position",
      name: "binary.yaml",
      make: (p) => writeFileSync(p, Buffer.from([0x61, 0x3a, 0x20, 0x31, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x00, 0xff])),
      expected: [
        {
          severity: "error",
          code: "load.binary",
          line: 2,
          column: 5,
          pointer: "",
          document: 0,
          message: "The file contains a NUL byte: it looks like a binary file, not YAML.",
          hint: "Policy files are UTF-8 text.",
        },
      ],
    },
    {
      reason: "Latin-1 text is not UTF-8",
      name: "latin1.yaml",
      make: (p) =>
        writeFileSync(
          p,
          Buffer.concat([Buffer.from("metadata:\n  owner: Caf"), Buffer.from([0xe9]), Buffer.from("\n")]),
        ),
      expected: [
        {
          severity: "error",
          code: "load.encoding",
          line: 2,
          column: 13,
          pointer: "",
          document: 0,
          message: "The file is not valid UTF-8 (byte 0xe9 at offset 22).",
          hint: "Save the file as UTF-8.",
        },
      ],
    },
    {
      reason: "an overlong UTF-8 encoding is invalid too",
      name: "overlong.yaml",
      make: (p) => writeFileSync(p, Buffer.from([0x61, 0x3a, 0x20, 0xc0, 0xaf, 0x0a])),
      expected: [
        {
          severity: "error",
          code: "load.encoding",
          line: 1,
          column: 4,
          pointer: "",
          document: 0,
          message: "The file is not valid UTF-8 (byte 0xc0 at offset 3).",
          hint: "Save the file as UTF-8.",
        },
      ],
    },
  ];

  it.each(cases)("$reason", ({ name, make, expected }) => {
    const path = join(tmp, name);
    make(path);
    const result = loadAndValidate([path], { today: TODAY });
    expect(result.diagnostics.map(simplify)).toEqual(expected);
    expect(result.diagnostics.every((d) => d.file === path)).toBe(true);
  });

  it("shows at most 100 problems per file, then says how many more there are", () => {
    const path = join(tmp, "many-keys.yaml");
    // kind: Policy: a policy gone wrong (a document that is no policy gets one error, see below).
    writeFileSync(path, ["kind: Policy", ...Array.from({ length: 5000 }, (_, i) => `key${i}: 1`)].join("\n"));
    const result = loadAndValidate([path], { today: TODAY });
    expect(result.diagnostics).toHaveLength(101);
    expect(simplify(result.diagnostics.at(-1)!)).toEqual({
      severity: "error",
      code: "validate.too-many-problems",
      line: 99,
      column: 1,
      pointer: "",
      document: 0,
      message: "4903 more problems in this file are not shown (4903 errors, 0 warnings).",
      hint: "Fix the ones above first; is this really a policy file?",
    });
  });

  it("a path that does not exist", () => {
    const path = join(tmp, "nope", "policies");
    const result = loadAndValidate([path], { today: TODAY });
    expect(result.diagnostics.map(simplify)).toEqual([
      {
        severity: "error",
        code: "load.not-found",
        line: null,
        column: null,
        pointer: "",
        document: 0,
        message: "No such file or directory.",
      },
    ]);
  });
});
