// cordon demo (npm run demo): the whole incident against an in-process sandbox with the Cat's Eyes
// traffic, printing what a user would see (docs/investigate.md, "The demo"):
//   1 apply the logging (the example's policies before the incident: no blocked address yet);
//   2 traffic flows (the sandbox writes flow-log files for a half hour of simulated time);
//   3 query rejected: nothing is rejected, the flood is accepted;
//   4 investigate finds the flood (and the scan) and proposes the blocks as a diff;
//   5 the patch is written to the policy file, which validates;
//   6 plan, then apply: the deny entries reach the network ACL;
//   7 more traffic, then query blocked-hits: the flood is REJECTed from the moment of the apply.
// The policies are copied to a temporary directory (the repository's files are never edited). Every
// step calls what its command calls. No AWS account and no real AWS: the sandbox binds 127.0.0.1 on
// a free port and every client is pointed at it.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { createAwsSession } from "../../aws/config.js";
import { executePlan } from "../../executor/reconcile.js";
import { UsageError } from "../../model/errors.js";
import type { QueryEngine } from "../../model/query.js";
import { loadAndValidate } from "../../policy/index.js";
import { writePolicyFile } from "../../policy/patch.js";
import { DEFAULT_THRESHOLDS, expiryAfter } from "../../query/investigate.js";
import { runInvestigation } from "../../query/investigate-run.js";
import { type ReportName, reportSql, withReportTimes } from "../../query/reports.js";
import { blockedCidrs } from "../../query/tables.js";
import { renderDiagnostics } from "../../render/diagnostics.js";
import { renderInvestigateText } from "../../render/investigate.js";
import { summaryLine } from "../../render/plan-body.js";
import { renderPlanText } from "../../render/plan-text.js";
import { renderQueryResult, renderQueryStats } from "../../render/query.js";
import { term } from "../../render/safe-text.js";
import { printApplySummary, progressPrinter } from "../apply-output.js";
import { out, stdoutStyle } from "../output.js";
import { makePlan, todayOption } from "../policy-input.js";
import { openEngine, type QueryInput, readQueryInput } from "../query-input.js";
import { asCordonError } from "./sandbox.js";
import type { SetExit } from "./set-exit.js";

interface DemoOptions {
  readonly example: string;
  readonly today?: string;
}

/** The example directory: relative to the working directory, else to the installed package. */
function findExample(example: string): string {
  if (existsSync(example)) return example;
  const here = dirname(fileURLToPath(import.meta.url));
  for (const base of [join(here, ".."), join(here, "..", "..")]) {
    const candidate = resolve(base, example);
    if (existsSync(candidate)) return candidate;
  }
  throw new UsageError(`cannot find the example ${example}`);
}

/**
 * The example's policies as they were before the incident, in `to`: every blockedAddresses list
 * emptied (`entries: []`: the section and its network ACL band stay, no address is blocked yet).
 */
function copyBeforeIncident(from: string, to: string): void {
  for (const name of readdirSync(from)) {
    if (!/\.ya?ml$/.test(name)) continue;
    const text = readFileSync(join(from, name), "utf8");
    const before = text.replace(/^( {2}entries:)\n(?: {4}.*\n)+/m, "$1 []\n");
    writeFileSync(join(to, name), before);
  }
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("demo")
    .summary("run the whole incident against a local sandbox (no AWS account needed)")
    .description(
      "Start a sandbox seeded with the Cat's Eyes estate and its traffic, and tell the incident: apply the " +
        "logging, traffic flows, query the rejected traffic, investigate finds the flood and proposes the block, " +
        "the patch is written, plan and apply, more traffic, and query blocked-hits shows the flood rejected. " +
        "The example's policies are copied to a temporary directory; nothing of yours is edited.",
    )
    .option("--example <dir>", "example directory with policies/ and estate.yaml", "examples/cats-eyes")
    .option("--today <date>", "the day (YYYY-MM-DD, UTC) the story happens on (default: today)")
    .action(async (options: DemoOptions) => {
      const today = todayOption(options.today);
      const dir = findExample(options.example);
      const s = stdoutStyle();
      const step = (n: number, title: string, command?: string) => {
        out("");
        out(s.bold(s.cyan(`━━ Step ${n}: ${title}`)));
        if (command !== undefined) out(s.dim(`$ ${command}`));
        out("");
      };
      // The story happens on the day before `today`, on the sandbox's simulated clock, so every
      // window lies in the past whatever the time of day.
      const day = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const at = (hhmm: string) => `${day}T${hhmm}:00Z`;

      const { startSandbox, SandboxError } = await import("@cordon/sandbox");
      const sandbox = await startSandbox({
        seed: join(dir, "estate.yaml"),
        traffic: { scenario: "cats-eyes", seed: 1 },
        clock: at("09:00"),
      }).catch((e: unknown) => {
        throw asCordonError(e, SandboxError);
      });
      const work = mkdtempSync(join(tmpdir(), "cordon-demo-"));
      const policies = join(work, "policies");
      // Everything below talks to the sandbox only.
      process.env["AWS_ACCESS_KEY_ID"] = "AKIASANDBOXEXAMPLE01";
      process.env["AWS_SECRET_ACCESS_KEY"] = "sandbox-secret";
      delete process.env["AWS_SESSION_TOKEN"];
      delete process.env["AWS_PROFILE"];
      const env = { serviceEndpoints: {}, endpoint: sandbox.url, maxAttempts: 3, region: "eu-west-1" };
      const session = () => createAwsSession(env, { command: "demo" });
      /** Reads a window the way `cordon query` and `cordon investigate` do (their options, their engine). */
      const reader = (since: string, until: string): { input: QueryInput; engine: QueryEngine } => {
        const input = readQueryInput([policies], { since, until, today, engine: "local" });
        const engine = openEngine(input, { cacheDir: join(work, "cache") }, "query", session());
        return { input, engine };
      };
      const query = async (report: ReportName, since: string, until: string) => {
        const { input, engine } = reader(since, until);
        try {
          const sql = reportSql(
            report,
            input.tables,
            { window: input.window, limit: 10 },
            blockedCidrs(input.queryable),
          );
          const result = await engine.run({ sql: sql.sql, tables: input.tables, window: input.window });
          // As `cordon query` shows a report (the command the step prints): times as ISO 8601.
          out(renderQueryResult(withReportTimes(result), "table"));
          out(s.dim(term(renderQueryStats(result.stats, result.rows.length))));
          return result;
        } finally {
          await engine.close();
        }
      };
      /** Plans (shown whole, or as its summary line) and applies. */
      const planAndApply = async (whole: boolean) => {
        const run = await makePlan([policies], { today, session: session() });
        out(whole ? renderPlanText(run.plan, s) : s.bold(summaryLine(run.plan.summary)));
        out("");
        await executePlan(run.plan, { session: run.session, onEvent: progressPrinter(), onResult: printApplySummary });
      };
      try {
        out(s.bold("Cordon demo: the Cat's Eyes incident, against a local AWS-compatible sandbox"));
        out(s.dim(`sandbox: ${sandbox.url} (seeded from ${join(dir, "estate.yaml")}, clock ${at("09:00")})`));
        out(s.dim(`policies: a copy of ${join(dir, "policies")} before the incident, in ${policies}`));
        mkdirSync(policies);
        copyBeforeIncident(join(dir, "policies"), policies);

        step(1, "apply the logging: flow logs to S3, the Athena table, the NACL band (nothing blocked yet)");
        out(s.dim(`$ cordon validate ${policies}`));
        const v = loadAndValidate([policies], { today });
        out(
          renderDiagnostics(
            { diagnostics: v.diagnostics, files: v.files.length, policies: v.policies.length },
            "text",
            s,
          ),
        );
        out(s.dim(`$ cordon apply ${policies} --auto-approve`));
        await planAndApply(false);

        step(2, "traffic flows: the sandbox delivers half an hour of flow-log files");
        const first = sandbox.control.deliverTraffic({ from: at("10:00"), to: at("10:30") });
        out(`${first.objects.length} flow-log files, ${first.records} records, ${at("10:00")} to ${at("10:30")}`);

        const window1 = `--since ${at("10:00")} --until ${at("10:30")}`;
        step(3, "look at the rejected traffic", `cordon query rejected ${policies} ${window1}`);
        const rejected = await query("rejected", at("10:00"), at("10:30"));
        if (rejected.rows.length === 0)
          out("Nothing was rejected: whatever is happening, the network lets it through.");

        step(
          4,
          "investigate: findings with evidence, and the policy change",
          `cordon investigate ${policies} ${window1} --ticket INC-2041`,
        );
        const { input, engine } = reader(at("10:00"), at("10:30"));
        const report = await runInvestigation({
          policies: input.loaded.policies,
          tables: input.tables,
          window: input.window,
          engine,
          thresholds: DEFAULT_THRESHOLDS,
          ticket: "INC-2041",
          expires: expiryAfter(today, input.window.until, 30),
          today,
          write: false,
        }).finally(() => engine.close());
        out(renderInvestigateText(report, s));

        step(
          5,
          "write the patch (what --write does), and validate it",
          `cordon investigate ${policies} ${window1} --ticket INC-2041 --write`,
        );
        for (const p of report.patches) {
          writePolicyFile(p.file, p.after);
          out(`wrote ${term(p.file)}`);
        }
        const valid = loadAndValidate([policies], { today });
        out(
          renderDiagnostics(
            { diagnostics: valid.diagnostics, files: valid.files.length, policies: valid.policies.length },
            "text",
            s,
          ),
        );

        step(
          6,
          "plan, review, then apply the block",
          `cordon plan ${policies} && cordon apply ${policies} --auto-approve`,
        );
        sandbox.control.setClock(at("10:30"));
        await planAndApply(true);

        step(
          7,
          "more traffic, then check that the block works",
          `cordon query blocked-hits ${policies} --since ${at("10:00")} --until ${at("11:00")}`,
        );
        const second = sandbox.control.deliverTraffic({ from: at("10:30"), to: at("11:00") });
        out(
          `${second.objects.length} more flow-log files, ${second.records} records, ${at("10:30")} to ${at("11:00")}`,
        );
        out("");
        await query("blocked-hits", at("10:00"), at("11:00"));

        out("");
        out(s.bold(s.green("Demo complete.")));
        out("Run it yourself against a sandbox that stays up:");
        out("  cordon sandbox --seed examples/cats-eyes/estate.yaml --traffic cats-eyes   # prints the export lines");
        out("  cordon apply examples/cats-eyes/policies && cordon investigate examples/cats-eyes/policies --since 1h");
        setExit(0);
      } finally {
        await sandbox.stop();
        rmSync(work, { recursive: true, force: true });
      }
    });
}
