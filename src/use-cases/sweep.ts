import type { Page } from './ports';

/** Candidates asked for per page; a run stops at its batch size, the next run picks up the rest. */
const PAGE_SIZE = 100;

/**
 * A scheduled run's walk over an index: pages of candidates, each visited in turn, until the index has no more or
 * `batchSize` have been visited. Returns how many were visited.
 */
export async function sweep<T>(
  listPage: (page: { limit: number; cursor?: string }) => Promise<Page<T>>,
  batchSize: number,
  visit: (candidate: T) => Promise<void>,
): Promise<number> {
  let visited = 0;
  let cursor: string | undefined;
  do {
    const page = await listPage({ limit: Math.min(PAGE_SIZE, batchSize - visited), cursor });
    for (const candidate of page.items) {
      visited += 1;
      await visit(candidate);
    }
    cursor = page.nextCursor;
  } while (cursor && visited < batchSize);
  return visited;
}
