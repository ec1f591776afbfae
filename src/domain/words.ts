/** Counts in the words people read: timelines, status reasons, chat replies. */

/** The noun for a count: plural in -s but for exactly one (`0 workers`, `1 worker`, `3 × t3.large workers`). */
export function plural(count: number, noun: string): string {
  return count === 1 ? noun : `${noun}s`;
}

/** `0 workers`, `1 worker`, `3 workers`: the count and its noun. */
export function counted(count: number, noun: string): string {
  return `${count} ${plural(count, noun)}`;
}

/** A cluster's shape: `3 managers and 1 worker`. */
export function nodeCounts(nodes: { managers: number; workers: number }): string {
  return `${counted(nodes.managers, 'manager')} and ${counted(nodes.workers, 'worker')}`;
}
