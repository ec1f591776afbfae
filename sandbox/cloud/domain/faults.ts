import { validationError } from './errors';

export const FAULTS = ['rollback', 'throttle', 'delete-failed-once', 'delete-failed', 'gone'] as const;
export type Fault = (typeof FAULTS)[number];

/** The stack tag that carries a fault in a CreateStack request, e.g. `rollback` or `throttle:3`. */
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
}

/** Parses the tag value: a fault name, optionally followed by `:count`. */
export const parseFaultTag = (value: string): { fault: Fault; count?: number } => {
  const [name, countText] = value.split(':');
  const count = countText === undefined ? undefined : Number(countText);
  if (!isFault(name) || (count !== undefined && (!Number.isInteger(count) || count < 1))) {
    throw validationError(`Tag ${FAULT_TAG} must be one of ${FAULTS.join(', ')}, optionally followed by :count`);
  }
  return count === undefined ? { fault: name } : { fault: name, count };
};

/**
 * Faults waiting to happen. Each fires `count` times (default once), except `delete-failed`, which fires on every
 * delete. A target names a stack by name (this stack and later ones of that name), by id, or `*` for every stack.
 */
export class FaultBook {
  private readonly entries: Entry[] = [];

  add(target: string, fault: Fault, count = 1): void {
    this.entries.push({ target, fault, remaining: fault === 'delete-failed' ? Number.POSITIVE_INFINITY : count });
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
    return this.entries.some(
      (entry) => entry.fault === fault && (entry.target === '*' || entry.target === stack.id || entry.target === stack.name),
    );
  }
}
