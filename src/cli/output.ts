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
 * Writes `chunks` (each a whole number of lines ending with "\n") to stdout through the same guard
 * as out(), about 64 kB at a time, waiting whenever the stream asks to (backpressure): a long text is
 * never held whole, neither as a string nor in the stream's buffer (docs/performance.md).
 */
export async function outChunks(chunks: Iterable<string>, batchSize = 65_536): Promise<void> {
  let batch: string[] = [];
  let size = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const text = batch.join("");
    batch = [];
    size = 0;
    if (!process.stdout.write(safeOutput(text))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          process.stdout.off("drain", done);
          process.stdout.off("error", done);
          resolve();
        };
        process.stdout.once("drain", done);
        process.stdout.once("error", done);
      });
    }
  };
  for (const chunk of chunks) {
    batch.push(chunk);
    size += chunk.length;
    if (size >= batchSize) await flush();
  }
  await flush();
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
