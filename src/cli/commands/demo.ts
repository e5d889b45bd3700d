// cordon demo (npm run demo): the whole story against an in-process sandbox, printing what a user
// would see: validate → plan → apply → plan (no changes) → a change made behind Cordon's back (the
// flow log deleted with the AWS SDK) → plan → apply. Needs no AWS account and touches no real AWS:
// the sandbox binds 127.0.0.1 on a free port and every client is pointed at it.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { createAwsSession } from "../../aws/config.js";
import { executePlan } from "../../executor/reconcile.js";
import { UsageError } from "../../model/errors.js";
import { loadAndValidate } from "../../policy/index.js";
import { renderDiagnostics } from "../../render/diagnostics.js";
import { renderPlanText } from "../../render/plan-text.js";
import { printApplySummary, progressPrinter } from "../apply-output.js";
import { out, stdoutStyle } from "../output.js";
import { makePlan, todayOption } from "../policy-input.js";
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

export function register(program: Command, setExit: SetExit): void {
  program
    .command("demo")
    .summary("run the whole flow against a local sandbox (no AWS account needed)")
    .description(
      "Start a sandbox seeded with the Cat's Eyes estate and run validate, plan, apply, plan, a change " +
        "behind Cordon's back, plan and apply again, printing what a user would see.",
    )
    .option("--example <dir>", "example directory with policies/ and estate.yaml", "examples/cats-eyes")
    .option("--today <date>", "the day (YYYY-MM-DD, UTC) for expiry dates and queries (default: today)")
    .action(async (options: DemoOptions) => {
      const today = todayOption(options.today);
      const dir = findExample(options.example);
      const policies = join(dir, "policies");
      const s = stdoutStyle();
      const step = (n: number, title: string, command?: string) => {
        out("");
        out(s.bold(s.cyan(`━━ Step ${n}: ${title}`)));
        if (command !== undefined) out(s.dim(`$ ${command}`));
        out("");
      };

      const { startSandbox, SandboxError } = await import("@cordon/sandbox");
      const sandbox = await startSandbox({ seed: join(dir, "estate.yaml") }).catch((e: unknown) => {
        throw asCordonError(e, SandboxError);
      });
      // Everything below talks to the sandbox only.
      process.env["AWS_ACCESS_KEY_ID"] = "AKIASANDBOXEXAMPLE01";
      process.env["AWS_SECRET_ACCESS_KEY"] = "sandbox-secret";
      delete process.env["AWS_SESSION_TOKEN"];
      delete process.env["AWS_PROFILE"];
      const env = { serviceEndpoints: {}, endpoint: sandbox.url, maxAttempts: 3, region: "eu-west-1" };
      try {
        out(s.bold("Cordon demo: the Cat's Eyes incident, against a local AWS-compatible sandbox"));
        out(s.dim(`sandbox: ${sandbox.url} (seeded from ${join(dir, "estate.yaml")})`));

        step(1, "validate the policies (offline, no AWS calls)", `cordon validate ${policies}`);
        const v = loadAndValidate([policies], { today });
        out(
          renderDiagnostics(
            { diagnostics: v.diagnostics, files: v.files.length, policies: v.policies.length },
            "text",
            s,
          ),
        );

        step(2, "plan: what Cordon would change (read-only)", `cordon plan ${policies}`);
        let run = await makePlan([policies], { today, session: createAwsSession(env) });
        out(renderPlanText(run.plan, s));

        step(3, "apply it", `cordon apply ${policies} --auto-approve`);
        await executePlan(run.plan, { session: run.session, onEvent: progressPrinter(), onResult: printApplySummary });

        step(4, "plan again: AWS now matches the policies", `cordon plan ${policies}`);
        run = await makePlan([policies], { today, session: createAwsSession(env) });
        out(renderPlanText(run.plan, s));

        step(5, "someone deletes the production flow log behind Cordon's back (with the AWS SDK)");
        // A separate client, as another person's tooling would be (the AWS SDK's EC2 client).
        const ec2 = await createAwsSession(env).ports({ account: "111122223333", region: "eu-west-1" }).ec2();
        const flowLogs = (await ec2.describeFlowLogs({})).FlowLogs ?? [];
        for (const f of flowLogs) {
          await ec2.deleteFlowLogs({ FlowLogIds: [f.FlowLogId!] });
          out(`  aws ec2 delete-flow-logs --flow-log-ids ${f.FlowLogId}   # it was logging ${f.ResourceId}`);
        }

        step(6, "plan: Cordon sees the drift", `cordon plan ${policies} --detailed-exitcode`);
        run = await makePlan([policies], { today, session: createAwsSession(env) });
        out(renderPlanText(run.plan, s));

        step(7, "apply: converge back to the policies", `cordon apply ${policies} --auto-approve`);
        await executePlan(run.plan, { session: run.session, onEvent: progressPrinter(), onResult: printApplySummary });

        out("");
        out(s.bold(s.green("Demo complete.")));
        out("Run it yourself against a sandbox that stays up:");
        out("  cordon sandbox --seed examples/cats-eyes/estate.yaml   # prints the export lines");
        out("  cordon plan examples/cats-eyes/policies");
        setExit(0);
      } finally {
        await sandbox.stop();
      }
    });
}
