/** What both benchmark scripts (scripts/bench.ts, bench/events-vs-polling.ts) need: percentiles and a worker pool. */

/** The p-th percentile of `values` (in any order), nearest rank as scripts/bench.ts has always reported it. */
export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** Runs `task(0..total-1)`, `limit` at a time; resolves with the results in index order. */
export async function pooled<T>(total: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, total) }, worker));
  return results;
}
