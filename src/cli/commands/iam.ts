// cordon iam [paths...] --for plan|apply|drift|watch|query|investigate: prints the identity policy
// for exactly the AWS calls that command makes for these policies (docs/iam.md; query and
// investigate per engine), optionally with the role's trust policy for GitHub Actions OIDC.
// Offline: reads the policies, never AWS.
import { type Command, Option } from "commander";
import {
  githubTrustPolicy,
  IAM_COMMANDS,
  type IamCommand,
  identityPolicy,
  isQueryCommand,
  mutates,
} from "../../executor/iam-policy.js";
import { UsageError } from "../../model/errors.js";
import type { QueryEngineName } from "../../model/query.js";
import { queryIamScope } from "../../query/iam.js";
import { IAM_FORMATS, type IamFormat, renderIam } from "../../render/iam.js";
import { out } from "../output.js";
import { DEFAULT_POLICY_PATH, loadOrReport, policyPaths, todayOption } from "../policy-input.js";
import type { SetExit } from "./set-exit.js";

interface IamOptions {
  readonly for: IamCommand;
  readonly format: IamFormat;
  readonly lockBucket?: string;
  readonly engine?: QueryEngineName;
  readonly workgroup?: string;
  readonly outputLocation?: string;
  readonly trust?: "github";
  readonly repo?: string;
  readonly environment?: string[];
  readonly branch?: string;
}

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export function register(program: Command, setExit: SetExit): void {
  program
    .command("iam")
    .summary("print the least-privilege IAM policy a command needs for these policies")
    .description(
      "Print the identity policy for exactly the AWS calls `cordon <command>` makes for these policies, " +
        "scoped by resource ARN where AWS allows it (buckets, web ACLs and IP sets by name, network ACL " +
        "entries by Cordon's band tag or VPC, the Glue catalog, database and table), with what AWS requires " +
        "beyond Cordon's own calls (log delivery for S3 flow logs, SetWebAcl for association, ecs:* for ecs-* " +
        "fields, sts:AssumeRole on the role the command assumes: the policy set's plan role for plan, drift, query and investigate, its apply role for apply and watch, or a target's roleArn). plan, drift, query and investigate are read-only; apply and watch write. " +
        "For query and investigate, per engine (--engine, default as those commands choose: athena when a policy sets " +
        "athena.workgroup, else local): local lists and reads the flow-log objects under the tables' locations; athena " +
        "runs queries in the workgroup, which read the Glue table and the objects and write the result to the output " +
        "location with the caller's rights. " +
        "Reads only the policies, never AWS. See docs/iam.md.",
    )
    .argument("[paths...]", `policy files or directories (default: ${DEFAULT_POLICY_PATH})`)
    .addOption(
      new Option("--for <command>", "the command the policy is for").choices(IAM_COMMANDS).makeOptionMandatory(),
    )
    .addOption(new Option("-f, --format <format>", "output format").choices(IAM_FORMATS).default("json"))
    .option("--lock-bucket <name>", "the bucket of the lock, audit log and applied record (as given to apply)")
    .addOption(
      new Option(
        "--engine <engine>",
        "with --for query|investigate: the engine (default: athena when a policy sets athena.workgroup, else local)",
      ).choices(["athena", "local"]),
    )
    .option(
      "--workgroup <name>",
      "with --for query|investigate on athena: the workgroup (default: the policy's athena.workgroup, else primary)",
    )
    .option(
      "--output-location <s3-uri>",
      "with --for query|investigate on athena: where results are written (default: the policy's athena.outputLocation)",
    )
    .addOption(new Option("--trust <provider>", "also print the role's trust policy").choices(["github"]))
    .option("--repo <org/repo>", "with --trust github: the repository whose workflows assume the role")
    .option(
      "--environment <name>",
      "with --trust github: a GitHub environment whose jobs may assume the role; repeatable (required for apply " +
        "and watch; without it, plan and drift trust pull requests, the branch and its merge queue)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--branch <name>", "with --trust github, for a read-only role: the branch of its scheduled jobs", "main")
    .addHelpText(
      "after",
      [
        "",
        "Examples:",
        "  $ cordon iam policies/ --for plan",
        "  $ cordon iam policies/ --for apply --format terraform",
        "  $ cordon iam policies/ --for query --engine local",
        "  $ cordon iam policies/ --for investigate --engine athena --output-location s3://results-bucket/cordon/",
        "  $ cordon iam policies/ --for apply --trust github --repo acme/network --environment production",
        "  $ cordon iam policies/ --for drift --trust github --repo acme/network      # read-only: PRs, main, merge queue",
      ].join("\n"),
    )
    .action((paths: string[], options: IamOptions) => {
      if (options.trust !== undefined) {
        if (options.repo === undefined || !REPO.test(options.repo)) {
          throw new UsageError(
            "--trust github needs --repo ORG/REPO (the repository whose workflows assume the role).",
          );
        }
        if (options.environment === undefined && mutates(options.for)) {
          throw new UsageError(
            `--trust github --for ${options.for} needs --environment NAME: a role that writes is assumed only by jobs of a protected environment.`,
          );
        }
      } else if (options.repo !== undefined || options.environment !== undefined) {
        // (--branch has a default, so only --repo and --environment say the user meant a trust policy)
        throw new UsageError("--repo and --environment go with --trust github.");
      }
      const forQuery = isQueryCommand(options.for);
      const queryFlags = [
        options.engine !== undefined ? "--engine" : undefined,
        options.workgroup !== undefined ? "--workgroup" : undefined,
        options.outputLocation !== undefined ? "--output-location" : undefined,
      ].filter((f) => f !== undefined);
      if (!forQuery && queryFlags.length > 0)
        throw new UsageError(`${queryFlags.join(", ")}: only with --for query or --for investigate.`);
      if (forQuery && options.lockBucket !== undefined)
        throw new UsageError(`--lock-bucket: ${options.for} writes no records; give it with --for apply or watch.`);
      const today = todayOption(undefined);
      const loaded = loadOrReport(policyPaths(paths), today);
      const identity = identityPolicy(options.for, loaded.policies, {
        ...(options.lockBucket !== undefined ? { lockBucket: options.lockBucket } : {}),
        ...(loaded.set?.roles !== undefined ? { roles: loaded.set.roles } : {}),
        ...(forQuery
          ? {
              query: queryIamScope(loaded.policies, today, {
                engine: options.engine,
                workgroup: options.workgroup,
                outputLocation: options.outputLocation,
              }),
            }
          : {}),
      });
      const accounts = [...new Set(loaded.policies.map((p) => p.policy.target.account))].sort();
      const trust =
        options.trust === undefined || options.repo === undefined
          ? undefined
          : Object.fromEntries(
              accounts.map((account) => [
                account,
                githubTrustPolicy({
                  repo: options.repo as string,
                  account,
                  ...(options.environment !== undefined ? { environments: options.environment } : {}),
                  ...(options.branch !== undefined ? { branch: options.branch } : {}),
                }),
              ]),
            );
      out(
        renderIam(
          { command: options.for, identity, ...(trust !== undefined ? { trust } : {}) },
          options.format,
        ).trimEnd(),
      );
      setExit(0);
    });
}
