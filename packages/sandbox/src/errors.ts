// The sandbox's own errors. The sandbox is a separate package that imports nothing from Cordon;
// a program embedding it (Cordon's `cordon sandbox` and `cordon demo`) turns a SandboxError into
// its own error type: `kind` says whether the caller's input was wrong ("usage": a bad estate,
// faults file or flag) or a local file could not be read or written ("io": the state file).
// Errors answered to AWS clients over HTTP are ApiError (types.ts), never these.

export type SandboxErrorKind = "usage" | "io";

export class SandboxError extends Error {
  readonly kind: SandboxErrorKind;
  /** Extra lines to print under the message (one problem per line, or a hint). */
  readonly details: readonly string[];
  constructor(kind: SandboxErrorKind, message: string, details: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.kind = kind;
    this.details = details;
  }
}

/** Closes a `switch` over a union: reaching it is a bug in the sandbox. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
