// cordon force-unlock ID [paths...]: breaks a stale apply lock. The ID is the one printed in the
// "locked by" message. Only the lock with that ID is deleted (conditionally on the version read),
// so a lock re-taken by a new run in the meantime is never broken by mistake.
import type { Command } from "commander";
import { createAwsSession } from "../../aws/config.js";
import { lockKey } from "../../domain/record-keys.js";
import { describeHolder, forceUnlock } from "../../executor/lock.js";
import { s3ObjectStore } from "../../executor/objects.js";
import { targetsOf } from "../../executor/pipeline.js";
import { stateLocation } from "../../executor/state-location.js";
import { UsageError } from "../../model/errors.js";
import { out } from "../output.js";
import { DEFAULT_POLICY_PATH, loadOrReport, policyPaths, todayOption } from "../policy-input.js";
import type { SetExit } from "./set-exit.js";

interface ForceUnlockOptions {
  readonly lockBucket?: string;
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command("force-unlock")
    .summary('break a stale apply lock, by the ID printed in the "locked by" message')
    .description(
      "Delete the apply lock with this ID from the bucket of the policies' targets. Use it only when the " +
        "run that holds it is gone: the lock also expires on its own (--lock-ttl).",
    )
    .argument("<id>", "the lock ID")
    .argument("[paths...]", `policy files or directories (default: ${DEFAULT_POLICY_PATH})`)
    .option(
      "--lock-bucket <name>",
      "the bucket the lock is in (default: the policies' flow-log bucket; needed for blocking-only policies)",
    )
    .action(async (id: string, paths: string[], options: ForceUnlockOptions) => {
      if (!/^[0-9a-f]{6,64}$/.test(id))
        throw new UsageError(`"${id}" is not a lock ID (hexadecimal, from the "locked by" message)`);
      const loaded = loadOrReport(policyPaths(paths), todayOption(undefined));
      const session = createAwsSession(undefined, { command: "force-unlock" });
      session.useRoles(loaded.set?.roles);
      const searched: string[] = [];
      for (const t of targetsOf(loaded.policies)) {
        const location = stateLocation(t, loaded.policies, null, options.lockBucket);
        if (location === null) continue;
        const store = s3ObjectStore(await session.ports(location.via).s3(), location.bucket);
        const key = lockKey(t.account, t.region);
        searched.push(`${store.where}/${key}`);
        const broken = await forceUnlock(store, key, id);
        if (broken !== null) {
          out(`Lock ${id} broken: ${store.where}/${key} was held by ${describeHolder(broken)}.`);
          setExit(0);
          return;
        }
      }
      if (searched.length === 0) {
        throw new UsageError(`nowhere to look for lock ${id}: the policies name no flow-log bucket`, [
          "pass --lock-bucket NAME, the bucket the apply was given",
        ]);
      }
      throw new UsageError(`no lock with ID ${id}`, [`looked in: ${searched.join(", ")}`]);
    });
}
