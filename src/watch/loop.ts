// The control loop's timing, apart from what a step does: run a step, wait the interval with
// jitter (±10 %), after a failed step wait an exponential backoff instead (1 s, 2 s, 4 s… capped
// at the interval); stop() ends the wait at once, or lets the step in progress finish first.
export interface LoopOptions {
  readonly intervalMs: number;
  /** Fraction of the interval added or removed at random (default 0.1). */
  readonly jitter?: number;
  /** First backoff after an error (default 1 s). */
  readonly backoffBaseMs?: number;
  readonly random?: () => number;
  readonly onError?: (error: unknown, failures: number, nextDelayMs: number) => void;
}

export interface Loop {
  /** Resolves when the loop has stopped (after the step in progress, if any). */
  readonly done: Promise<void>;
  stop(): void;
}

/** The delay before the next step: pure. */
export function nextDelay(options: LoopOptions, failures: number, random: () => number): number {
  if (failures > 0) {
    const base = options.backoffBaseMs ?? 1_000;
    return Math.min(options.intervalMs, base * 2 ** (failures - 1));
  }
  const jitter = options.jitter ?? 0.1;
  return Math.max(0, Math.round(options.intervalMs * (1 + jitter * (2 * random() - 1))));
}

export function runLoop(step: () => Promise<void>, options: LoopOptions): Loop {
  const random = options.random ?? Math.random;
  let stopping = false;
  let wake: (() => void) | undefined;
  let failures = 0;
  const done = (async () => {
    while (!stopping) {
      try {
        await step();
        failures = 0;
      } catch (e) {
        failures++;
        options.onError?.(e, failures, nextDelay(options, failures, random));
      }
      if (stopping) break;
      const delay = nextDelay(options, failures, random);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
  return {
    done,
    stop() {
      stopping = true;
      wake?.();
    },
  };
}
