// The credentials of a --git URL never reach a log: every URL in a text loses its user:password@.
import { describe, expect, it } from "vitest";
import { redactCredentials } from "../../../src/watch/git.js";

describe("redactCredentials", () => {
  const cases: readonly [string, string][] = [
    ["https://user:ghp_token@github.com/acme/p.git", "https://***@github.com/acme/p.git"],
    ["https://x-access-token:abc@github.com/acme/p.git", "https://***@github.com/acme/p.git"],
    ["https://TOKEN@gitlab.example.com/p.git", "https://***@gitlab.example.com/p.git"],
    [
      "fatal: unable to access 'https://bot:s3cr3t@git.example.com/p.git/': error: 403",
      "fatal: unable to access 'https://***@git.example.com/p.git/': error: 403",
    ],
    [
      "Command failed: git clone -- http://a:b@h/r.git /tmp/x",
      "Command failed: git clone -- http://***@h/r.git /tmp/x",
    ],
    // Nothing to hide: left as it is.
    ["https://github.com/acme/p.git", "https://github.com/acme/p.git"],
    ["git@github.com:acme/p.git", "git@github.com:acme/p.git"],
    ["file:///tmp/repo", "file:///tmp/repo"],
  ];
  it.each(cases)("%s", (text, want) => {
    expect(redactCredentials(text)).toBe(want);
  });
});
