// cordon investigate [paths...]: reads a time window of the policies' flow logs through the query
// engines, reports findings with their evidence, and proposes a blockedAddresses entry for each
// actionable one as a diff of the policy file; --write edits the file (docs/investigate.md). It
// never changes AWS: the change goes through plan, review and apply like any other.
// Exit codes: 0 no finding that calls for action, 2 findings (warning or error), 1 error.
import { type Command, Option } from "commander";
import { DAY_MS, parseDuration } from "../../domain/duration.js";
import { hasUnsafe } from "../../domain/text.js";
import { UsageError } from "../../model/errors.js";
import type { InvestigateReport } from "../../model/investigate.js";
import { DEFAULT_THRESHOLDS, expiryAfter, type Thresholds } from "../../query/investigate.js";
import { runInvestigation } from "../../query/investigate-run.js";
import {
  renderInvestigateJson,
  renderInvestigateMarkdown,
  renderInvestigateText,
  severityCounts,
} from "../../render/investigate.js";
import { out, stdoutStyle } from "../output.js";
import { DEFAULT_POLICY_PATH } from "../policy-input.js";
import {
  addQueryInputOptions,
  openEngine,
  type QueryInputOptions,
  readQueryInput,
  withQueryRun,
} from "../query-input.js";
import type { SetExit } from "./set-exit.js";

export const INVESTIGATE_FORMATS = ["text", "markdown", "json"] as const;
export type InvestigateFormat = (typeof INVESTIGATE_FORMATS)[number];

interface InvestigateOptions extends QueryInputOptions {
  readonly write?: boolean;
  readonly format: InvestigateFormat;
  readonly ticket?: string;
  readonly expiresIn: string;
  readonly floodShare: string;
  readonly floodMinPackets: string;
  readonly scanPorts: string;
  readonly scanAddresses: string;
  readonly top: string;
  readonly rejectedMinFlows: string;
}

export function renderInvestigate(report: InvestigateReport, format: InvestigateFormat): string {
  switch (format) {
    case "text":
      return renderInvestigateText(report, stdoutStyle());
    case "markdown":
      return renderInvestigateMarkdown(report);
    case "json":
      return renderInvestigateJson(report);
  }
}

/** The exit code of a report: 2 when a finding calls for action (warning or error), else 0. */
export const investigateExit = (report: InvestigateReport): number => {
  const c = severityCounts(report);
  return c.error + c.warning > 0 ? 2 : 0;
};

/** --expires-in: "30d", "12w"; "never" for a permanent entry. Days, or undefined for never. */
export function parseExpiresIn(text: string): number | undefined {
  if (text === "never") return undefined;
  const compact = text.replace(/\s+/g, "");
  let days = Number.NaN;
  // Days or weeks only: a bare number (seconds to the shared parser) or hours is refused.
  if (/^\d+[dw]$/.test(compact)) {
    try {
      days = parseDuration(compact, "--expires-in", { days: true }) / DAY_MS;
    } catch {
      // said below, in this option's own words
    }
  }
  if (!Number.isInteger(days) || days < 1 || days > 9999)
    throw new UsageError(`--expires-in must be a number of days or weeks (30d, 4w) or "never", got "${text}"`);
  return days;
}

/** --ticket: what the schema's free-text rule accepts (one plain line, 1–128 characters). */
export function checkTicket(ticket: string): string {
  if (ticket.length < 1 || ticket.length > 128 || hasUnsafe(ticket))
    throw new UsageError(
      "--ticket must be 1 to 128 characters of plain text on one line (no control, bidi or line-separator characters)",
    );
  return ticket;
}

function number(text: string, flag: string, o: { min: number; max?: number; integer?: boolean }): number {
  const n = Number(text);
  const ok = text.trim() !== "" && Number.isFinite(n) && n >= o.min && (o.max === undefined || n <= o.max);
  if (!ok || (o.integer === true && !Number.isInteger(n)))
    throw new UsageError(
      `${flag} must be ${o.integer === true ? "an integer" : "a number"} ${o.max === undefined ? `of at least ${o.min}` : `from ${o.min} to ${o.max}`}, got "${text}"`,
    );
  return n;
}

export function thresholdsOf(o: InvestigateOptions): Thresholds {
  return {
    floodShare: number(o.floodShare, "--flood-share", { min: 0, max: 1 }),
    floodMinPackets: number(o.floodMinPackets, "--flood-min-packets", { min: 0, integer: true }),
    scanPorts: number(o.scanPorts, "--scan-ports", { min: 1, integer: true }),
    scanAddresses: number(o.scanAddresses, "--scan-addresses", { min: 1, integer: true }),
    rejectedTop: number(o.top, "--top", { min: 0, max: 100, integer: true }),
    rejectedMinFlows: number(o.rejectedMinFlows, "--rejected-min-flows", { min: 1, integer: true }),
  };
}

export function register(program: Command, setExit: SetExit): void {
  const command = program.command("investigate");
  command
    .summary("find incidents in the flow logs and propose the policy change (never changes AWS)")
    .description(
      "Read a time window of the policies' flow logs (the engines and filters of `cordon query`) and report " +
        "findings with evidence (flows, bytes, packets, first and last seen, interfaces, share of the window's " +
        "traffic): an outbound flood to one outside address, an inbound scan, rejected top talkers, and " +
        "traffic a declared block should have stopped. For a flood (its destination) and a scan (its source) " +
        "it proposes a blockedAddresses entry — reason from the evidence, ticket, expiry — in the policy of the " +
        "target that already has blockedAddresses, printed as a diff of the file; --write edits the file " +
        "(comments and layout kept). Never changes AWS: review, plan and apply the change as any other. " +
        "Exit 0 when no finding calls for action, 2 when one does (rejected talkers are for information), 1 on error. " +
        "See docs/investigate.md.",
    )
    .argument("[paths...]", `policy files or directories (default: ${DEFAULT_POLICY_PATH})`);
  addQueryInputOptions(command);
  command
    .option("--write", "edit the policy files in place (atomically) with the proposed entries")
    .addOption(new Option("-f, --format <format>", "output format").choices(INVESTIGATE_FORMATS).default("text"))
    .option("--ticket <ref>", "the ticket of the proposed entries (default: the placeholder TICKET-TODO)")
    .option("--expires-in <duration>", 'expiry of the proposed entries after the window (30d, 4w) or "never"', "30d")
    .option(
      "--flood-share <fraction>",
      "outbound flood: an outside destination's share of the window's bytes or packets, at least",
      String(DEFAULT_THRESHOLDS.floodShare),
    )
    .option(
      "--flood-min-packets <n>",
      "outbound flood: and at least this many packets",
      String(DEFAULT_THRESHOLDS.floodMinPackets),
    )
    .option(
      "--scan-ports <n>",
      "inbound scan: an outside source reaching at least this many destination ports of ours",
      String(DEFAULT_THRESHOLDS.scanPorts),
    )
    .option(
      "--scan-addresses <n>",
      "inbound scan: or at least this many addresses of ours",
      String(DEFAULT_THRESHOLDS.scanAddresses),
    )
    .option("--top <n>", "rejected top talkers: at most this many sources", String(DEFAULT_THRESHOLDS.rejectedTop))
    .option(
      "--rejected-min-flows <n>",
      "rejected top talkers: each with at least this many REJECT records",
      String(DEFAULT_THRESHOLDS.rejectedMinFlows),
    )
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ cordon investigate --since 1h",
        "  $ cordon investigate policies/ --since 2026-12-05T10:00:00Z --until 2026-12-05T11:00:00Z --format markdown",
        "  $ cordon investigate policies/ --since 1h --ticket INC-2041 --write && cordon plan policies/",
        "  $ cordon investigate --engine athena --workgroup primary --max-scan 10GB --format json",
      ].join("\n"),
    )
    .action(async (paths: string[], options: InvestigateOptions) => {
      const thresholds = thresholdsOf(options);
      const ticket = options.ticket === undefined ? undefined : checkTicket(options.ticket);
      const days = parseExpiresIn(options.expiresIn);
      const input = readQueryInput(paths, options);
      const engine = openEngine(input, options, "investigate");
      const report = await withQueryRun(engine, options, (run) =>
        runInvestigation({
          policies: input.loaded.policies,
          tables: input.tables,
          window: input.window,
          vpcs: input.vpcs,
          engine,
          thresholds,
          ticket,
          expires: days === undefined ? undefined : expiryAfter(input.today, input.window.until, days),
          today: input.today,
          write: options.write === true,
          maxScanBytes: input.maxScanBytes,
          ...run,
        }),
      );
      out(renderInvestigate(report, options.format));
      setExit(investigateExit(report));
    });
}
