// The policies from a Git repository, through the git CLI: cloned once (shallow, one branch) into
// a temporary directory, then on each sync `git fetch` + `git reset --hard` to the branch's tip,
// so every reconcile reads exactly what the branch holds (level-based, nothing kept from before).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CordonError } from "../model/errors.js";

/**
 * `text` with the credentials of every URL in it replaced by `***` (https://user:token@host/… →
 * https://***@host/…): a token in a --git URL never reaches a log, an error or /readyz.
 */
export function redactCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@/gi, "$1***@");
}

/** git failed (network, auth, unknown branch): the message carries git's own words, credentials removed. */
export class GitError extends CordonError {
  constructor(message: string, details: readonly string[] = []) {
    super("IO", message, details);
  }
}

function git(args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...args],
      {
        ...(cwd !== undefined ? { cwd } : {}),
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
      },
      (error, stdout, stderr) => {
        if (error !== null) {
          // git's own output (and the command line in error.message) may quote the URL.
          const words = redactCredentials(stderr || error.message)
            .trim()
            .split("\n")
            .slice(-3);
          reject(new GitError(`git ${args[0]} failed`, words));
          return;
        }
        resolve(stdout.trim());
      },
    );
  });
}

export interface GitSource {
  /** The working tree (policy paths are relative to it). */
  readonly dir: string;
  /** Clones on first call, then fetches and resets; returns the commit checked out. */
  sync(): Promise<string>;
  /** Removes the working tree. */
  dispose(): void;
}

export function gitSource(url: string, branch: string): GitSource {
  const root = mkdtempSync(join(tmpdir(), "cordon-watch-"));
  const dir = join(root, "repo");
  return {
    dir,
    async sync() {
      if (!existsSync(join(dir, ".git"))) {
        await git(["clone", "--quiet", "--depth", "1", "--single-branch", "--branch", branch, "--", url, dir]);
      } else {
        await git(["fetch", "--quiet", "--depth", "1", "origin", branch], dir);
        await git(["reset", "--quiet", "--hard", "FETCH_HEAD"], dir);
        await git(["clean", "--quiet", "-fdx"], dir);
      }
      return git(["rev-parse", "HEAD"], dir);
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
