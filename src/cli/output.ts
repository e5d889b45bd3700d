// Terminal output helpers shared by every command. Plans and reports go to stdout,
// logs and progress to stderr (docs/architecture.md, "Start-up and output"). The Styler itself lives with the renderers (src/render/style.ts).
import { makeStyler, type Styler } from "../render/style.js";

/** Colour when the stream is a terminal, unless NO_COLOR is set (https://no-color.org) ; FORCE_COLOR forces it. */
export function colourFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "0") return true;
  return stream.isTTY === true;
}

export const stdoutStyle = (): Styler => makeStyler(colourFor(process.stdout));
export const stderrStyle = (): Styler => makeStyler(colourFor(process.stderr));

export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export function err(text: string): void {
  process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
}
