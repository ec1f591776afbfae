import { StaleClusterError } from '../domain/errors';
import { logger } from '../logger';
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

/**
 * One candidate's visit in a scheduled run. A record that changed between the read and the write (StaleClusterError:
 * a transition won) is left for the next run and counted as raced; any other failure is logged and counted, and does
 * not stop the others.
 */
export async function visitGuarded(
  run: { name: string; failure: string },
  clusterId: string,
  summary: { raced: number; failed: number },
  visit: () => Promise<void>,
): Promise<void> {
  try {
    await visit();
  } catch (error) {
    if (error instanceof StaleClusterError) {
      logger.info(`cluster changed while the ${run.name} looked; left for the next run`, { clusterId });
      summary.raced += 1;
      return;
    }
    logger.error(run.failure, { clusterId, error });
    summary.failed += 1;
  }
}
