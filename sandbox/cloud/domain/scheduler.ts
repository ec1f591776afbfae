/**
 * Timers in simulated milliseconds: `timeScale` 1 is the simulator's default pace, 0.05 runs twenty times faster.
 * Every timer is tracked so that closing the simulated cloud leaves nothing behind to keep the process alive.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /**
   * `onFault` hears of anything a task throws. A throw inside a timer would otherwise be an uncaught exception that
   * ends the process, and with it every stack and workflow it hosts; owners that know which stack a task serves
   * (the Timeline) turn the throw into that stack's failure before it gets here.
   */
  constructor(
    readonly timeScale: number,
    private readonly onFault: (error: unknown) => void = () => undefined,
  ) {}

  /** Runs `task` after `delay` simulated milliseconds; the returned function cancels it. */
  after(delay: number, task: () => void): () => void {
    if (this.closed) return () => undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        task();
      } catch (error) {
        this.onFault(error);
      }
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

interface Step<Subject> {
  at: number;
  order: number;
  run: () => void;
  subject: Subject | undefined;
}

/** What a timeline does when one of its steps throws: it is cancelled first, then told which step's subject failed. */
export type StepFault<Subject> = (error: unknown, subject: Subject | undefined) => void;

/**
 * A cancellable sequence of steps at offsets from its start. One timer at a time walks the steps in order, so two
 * steps due in the same millisecond still happen in the order they were planned (a resource completes before the
 * stack does). A step may name its subject (the resource it works on), so that a throw in it becomes that subject's
 * failure.
 */
export class Timeline<Subject = undefined> {
  private readonly steps: Step<Subject>[] = [];
  private cancelTimer: (() => void) | undefined;
  private position = 0;
  private cancelled = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly onFault?: StepFault<Subject>,
  ) {}

  at(offset: number, run: () => void, subject?: Subject): this {
    this.steps.push({ at: offset, order: this.steps.length, run, subject });
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
      const step = this.steps.shift();
      if (!step) return;
      try {
        step.run();
      } catch (error) {
        if (!this.onFault) throw error;
        this.cancel();
        this.onFault(error, step.subject);
      }
    }
  }
}
