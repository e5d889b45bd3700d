import { describe, expect, it } from "vitest";
import { bucketNameProblem } from "../../../src/domain/s3names.js";

describe("bucketNameProblem", () => {
  const cases: { name: string; problem: RegExp | null; reason: string }[] = [
    { name: "cats-eyes-flow-logs", problem: null, reason: "a plain valid name" },
    { name: "abc", problem: null, reason: "three characters is the minimum" },
    { name: "a".repeat(63), problem: null, reason: "63 characters is the maximum" },
    { name: "logs.example.com", problem: null, reason: "dots are allowed" },
    { name: "1logs", problem: null, reason: "may start with a digit" },
    { name: "ab", problem: /2 characters long/, reason: "too short" },
    { name: "a".repeat(64), problem: /64 characters long/, reason: "too long" },
    { name: "Flow-Logs", problem: /lower case/, reason: "upper case" },
    { name: "flow_logs", problem: /"_" is not allowed/, reason: "underscore" },
    { name: "-flow-logs", problem: /start with a letter or digit/, reason: "leading hyphen" },
    { name: "flow-logs.", problem: /end with a letter or digit/, reason: "trailing dot" },
    { name: "flow..logs", problem: /adjacent dots/, reason: "two dots in a row" },
    { name: "192.168.5.4", problem: /IP address/, reason: "IP-shaped" },
    { name: "xn--flow-logs", problem: /prefix "xn--"/, reason: "punycode prefix" },
    { name: "sthree-logs", problem: /prefix "sthree-"/, reason: "sthree- prefix" },
    { name: "amzn-s3-demo-logs", problem: /prefix "amzn-s3-demo-"/, reason: "documentation prefix" },
    { name: "logs-s3alias", problem: /suffix "-s3alias"/, reason: "access-point alias suffix" },
    { name: "logs--ol-s3", problem: /suffix "--ol-s3"/, reason: "Object Lambda suffix" },
    { name: "logs.mrap", problem: /suffix ".mrap"/, reason: "multi-region access point suffix" },
    { name: "logs--x-s3", problem: /suffix "--x-s3"/, reason: "directory bucket suffix" },
    { name: "logs--table-s3", problem: /suffix "--table-s3"/, reason: "table bucket suffix" },
  ];
  it.each(cases)("$name: $reason", ({ name, problem }) => {
    const got = bucketNameProblem(name);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toMatch(problem);
  });
});
