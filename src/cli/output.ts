// Terminal output helpers shared by every command. Plans and reports go to stdout,
// logs and progress to stderr (docs/architecture.md, "Start-up and output"). The Styler itself lives with the renderers (src/render/style.ts).
import { safeOutput } from "../render/safe-text.js";
import { makeStyler, type Styler } from "../render/style.js";

/**
 * Colour when the stream is a terminal, unless --no-color was given or NO_COLOR is set
 * (https://no-color.org); FORCE_COLOR forces it, except over --no-color.
 */
export function colourFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (colourDisabled) return false;
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "0") return true;
  return stream.isTTY === true;
}

export const stdoutStyle = (): Styler => makeStyler(colourFor(process.stdout));
export const stderrStyle = (): Styler => makeStyler(colourFor(process.stderr));

/** Colour is off when --no-color was given (it sets this), whatever the stream. */
let colourDisabled = false;
export const disableColour = (): void => {
  colourDisabled = true;
};

const line = (text: string): string => (text.endsWith("\n") ? text : `${text}\n`);

/**
 * Writes to stdout through the last guard of docs/output-safety.md (src/render/safe-text.ts): no
 * control character but Cordon's colour codes, no line starting with `::`.
 */
export function out(text: string): void {
  process.stdout.write(safeOutput(line(text)));
}

/**
 * Writes `pieces` joined by newlines, and a newline: what out(pieces.join("\n")) writes, byte for
 * byte, in writes of about `batch` characters. Each piece is whole lines and the guard works line by
 * line, so a large plan (18 MB of text for 20,000 changes) is never held as one string, nor as
 * one buffer (docs/performance.md).
 */
export function outPieces(pieces: readonly string[], batch = 1 << 20): void {
  let from = 0;
  let size = 0;
  for (let i = 0; i < pieces.length; i++) {
    size += (pieces[i] as string).length + 1;
    if (size >= batch || i === pieces.length - 1) {
      process.stdout.write(safeOutput(`${pieces.slice(from, i + 1).join("\n")}\n`));
      from = i + 1;
      size = 0;
    }
  }
  if (pieces.length === 0) process.stdout.write(safeOutput("\n"));
}

/** Cordon's own GitHub Actions workflow commands (the github diagnostics format): lines may start with `::`. */
export function outCommands(text: string): void {
  process.stdout.write(safeOutput(line(text), { commands: true }));
}

/** Cordon's own workflow commands on stderr (drift annotations, so that --format json keeps stdout one document). */
export function errCommands(text: string): void {
  process.stderr.write(safeOutput(line(text), { commands: true }));
}

/** Writes to stderr through the same guard as out(). */
export function err(text: string): void {
  process.stderr.write(safeOutput(line(text)));
}

/**
 * A progress line on stderr. On a terminal it replaces the previous one (carriage return, erase to
 * the end of the line); elsewhere it is a line of its own. The text goes through the same guard.
 */
export function errProgress(text: string, options: { final?: boolean } = {}): void {
  const safe = safeOutput(text.replace(/\n/g, " "));
  if (process.stderr.isTTY === true) {
    process.stderr.write(`\r\u001b[K${safe}${options.final === true ? "\n" : ""}`);
  } else {
    process.stderr.write(`${safe}\n`);
  }
}

/** Erases an unfinished progress line on a terminal (before other output follows it). */
export function errProgressClear(): void {
  if (process.stderr.isTTY === true) process.stderr.write("\r\u001b[K");
}
