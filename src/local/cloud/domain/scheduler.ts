/**
 * Timers in simulated milliseconds: `timeScale` 1 is the simulator's default pace, 0.05 runs twenty times faster.
 * Every timer is tracked so that closing the simulated cloud leaves nothing behind to keep the process alive.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(readonly timeScale: number) {}

  /** Runs `task` after `delay` simulated milliseconds; the returned function cancels it. */
  after(delay: number, task: () => void): () => void {
    if (this.closed) return () => undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, Math.max(0, Math.round(delay * this.timeScale)));
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

interface Step {
  at: number;
  order: number;
  run: () => void;
}

/**
 * A cancellable sequence of steps at offsets from its start. One timer at a time walks the steps in order, so two
 * steps due in the same millisecond still happen in the order they were planned (a resource completes before the
 * stack does).
 */
export class Timeline {
  private readonly steps: Step[] = [];
  private cancelTimer: (() => void) | undefined;
  private position = 0;
  private cancelled = false;

  constructor(private readonly scheduler: Scheduler) {}

  at(offset: number, run: () => void): this {
    this.steps.push({ at: offset, order: this.steps.length, run });
    return this;
  }

  start(): this {
    this.steps.sort((a, b) => a.at - b.at || a.order - b.order);
    this.position = 0;
    this.next();
    return this;
  }

  cancel(): void {
    this.cancelled = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private next(): void {
    const step = this.steps[0];
    if (!step || this.cancelled) return;
    const delay = step.at - this.position;
    this.cancelTimer = this.scheduler.after(delay, () => {
      this.cancelTimer = undefined;
      this.position = step.at;
      this.runDueSteps();
      this.next();
    });
  }

  private runDueSteps(): void {
    while (!this.cancelled && this.steps[0] !== undefined && this.steps[0].at <= this.position) {
      this.steps.shift()?.run();
    }
  }
}
