/**
 * The local stand-in for an EventBridge schedule: the same scheduled handler, called every `intervalSeconds`, one run
 * at a time (a run still going when the next is due makes that one skip), its failures logged, never thrown.
 */
export interface LocalSchedule<T> {
  /** Its name as the console shows it (`reaper`, `reconciler`). */
  name: string;
  intervalSeconds: number;
  run: () => Promise<T>;
  /** What a finished run did, for the console (nothing when undefined). */
  describe: (result: T) => string | undefined;
  log: (line: string) => void;
}

/** Starts the timer; the returned function stops it. */
export function startLocalSchedule<T>({ name, intervalSeconds, run, describe, log }: LocalSchedule<T>): () => Promise<void> {
  const label = name.padEnd(15);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    run()
      .then((result) => {
        const line = describe(result);
        if (line) log(`${label} ${line}`);
      })
      .catch((error: unknown) => log(`${label} run failed: ${String(error)}`))
      .finally(() => {
        running = false;
      });
  }, intervalSeconds * 1000);
  timer.unref();
  return async () => clearInterval(timer);
}
