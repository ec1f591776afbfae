import { validationError } from './errors';

export const FAULTS = [
  'rollback',
  'throttle',
  'delete-failed-once',
  'delete-failed',
  'gone',
  'events-drop-final',
  'events-delay',
  'events-duplicate',
  'update-fail',
  'update-rollback-failed',
] as const;
export type Fault = (typeof FAULTS)[number];

/** The stack tag that carries a fault in a CreateStack request, e.g. `rollback`, `throttle:3` or `events-delay:2000`. */
export const FAULT_TAG = 'swarm-sim:fault';

export const isFault = (value: unknown): value is Fault => FAULTS.includes(value as Fault);

export interface StackHandle {
  id: string;
  name: string;
}

interface Entry {
  /** `*`, a stack name or a stack id. */
  target: string;
  fault: Fault;
  remaining: number;
  /** `events-delay`: by how many simulated milliseconds. */
  delay?: number;
}

/** Faults that stay armed once set: they apply to every delete, or every event, of their stacks. */
const STANDING: readonly Fault[] = ['delete-failed', 'events-delay', 'events-duplicate'];

/** The delay of an `events-delay` armed without a number, in simulated milliseconds. */
export const DEFAULT_EVENT_DELAY = 2_000;

/** Parses the tag value: a fault name, optionally followed by `:n` (a count; for `events-delay`, milliseconds). */
export const parseFaultTag = (value: string): { fault: Fault; count?: number } => {
  const [name, countText] = value.split(':');
  const count = countText === undefined ? undefined : Number(countText);
  if (!isFault(name) || (count !== undefined && (!Number.isInteger(count) || count < 1))) {
    throw validationError(`Tag ${FAULT_TAG} must be one of ${FAULTS.join(', ')}, optionally followed by :count (events-delay: :milliseconds)`);
  }
  return count === undefined ? { fault: name } : { fault: name, count };
};

const aimsAt = (entry: Entry, stack: StackHandle): boolean =>
  entry.target === '*' || entry.target === stack.id || entry.target === stack.name;

/**
 * Faults waiting to happen. Each fires `count` times (default once), except the standing ones: `delete-failed` fires
 * on every delete, `events-delay` and `events-duplicate` on every event. For `events-delay` the number is not a count
 * but the delay in simulated milliseconds. A target names a stack by name (this stack and later ones of that name),
 * by id, or `*` for every stack.
 */
export class FaultBook {
  private readonly entries: Entry[] = [];

  add(target: string, fault: Fault, count?: number): void {
    const remaining = STANDING.includes(fault) ? Number.POSITIVE_INFINITY : (count ?? 1);
    this.entries.push({ target, fault, remaining, ...(fault === 'events-delay' ? { delay: count ?? DEFAULT_EVENT_DELAY } : {}) });
  }

  /** Consumes one occurrence of `fault` aimed at any of `stacks` (or at `*`), reporting whether there was one. */
  take(fault: Fault, stacks: readonly StackHandle[], names: readonly string[] = []): boolean {
    const targets = new Set([...names, ...stacks.flatMap((stack) => [stack.id, stack.name])]);
    const entry = this.entries.find(
      (candidate) => candidate.fault === fault && candidate.remaining > 0 && (candidate.target === '*' || targets.has(candidate.target)),
    );
    if (!entry) return false;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.entries.splice(this.entries.indexOf(entry), 1);
    return true;
  }

  /** Whether any fault of this kind is armed at all: lets a caller skip working out which stacks a call concerns. */
  armed(fault: Fault): boolean {
    return this.entries.some((entry) => entry.fault === fault);
  }

  /** Whether a fault is aimed at the stack, without consuming it. */
  has(fault: Fault, stack: StackHandle): boolean {
    return this.entries.some((entry) => entry.fault === fault && aimsAt(entry, stack));
  }

  /** How long the stack's events are held back by `events-delay` (the latest one armed wins), or undefined. */
  eventDelay(stack: StackHandle): number | undefined {
    return this.entries.findLast((entry) => entry.fault === 'events-delay' && aimsAt(entry, stack))?.delay;
  }
}
