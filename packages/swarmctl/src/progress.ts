/**
 * What `--wait` shows while a cluster moves. On a terminal: one live bar, resources done / total from the cluster's
 * `progress` (CloudFormation's resource events) and the current stage. Elsewhere (CI logs, pipes): one line per stage
 * change (and each quarter of the resources done), so a log reads as a timeline. Both go to stderr: stdout is kept for the result (`--output json` parses).
 */
import { SingleBar } from 'cli-progress';
import type { Cluster } from '../../client/src';

export interface ProgressView {
  update(cluster: Cluster): void;
  stop(): void;
}

export interface TerminalStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
}

export const stageOf = (cluster: Pick<Cluster, 'status' | 'statusReason'>) => `${cluster.status}: ${cluster.statusReason}`;

/**
 * Resources done / total. The last resource events may be counted a moment after the status is READY or DELETED
 * (docs/api.md, Progress), but those statuses mean the stack is complete or gone: then the bar is full.
 */
function resources(cluster: Cluster): { done: number; total: number } | undefined {
  // FAILED and the like count the failed stack's clean-up, not what was asked for: no count is clearer.
  if (!cluster.progress || !['CREATING', 'UPDATING', 'DELETING', 'READY', 'DELETED'].includes(cluster.status)) return undefined;
  const total = cluster.progress.resourcesTotal;
  return { done: cluster.status === 'READY' || cluster.status === 'DELETED' ? total : cluster.progress.resourcesDone, total };
}

const counts = (cluster: Cluster) => {
  const r = resources(cluster);
  return r ? ` (${r.done}/${r.total} resources)` : '';
};

/** A quarter of the resources done (0–4), so a line also marks 25 %, 50 %, 75 % within a long stage. */
function quarter(cluster: Cluster): number {
  const r = resources(cluster);
  return r && r.total > 0 ? Math.floor((4 * r.done) / r.total) : 0;
}

export function progressLines(stream: TerminalStream, now: () => number = Date.now): ProgressView {
  let last: string | undefined;
  return {
    update(cluster) {
      const stage = stageOf(cluster);
      const key = `${stage} ${quarter(cluster)}`;
      if (key === last) return;
      last = key;
      stream.write(`${new Date(now()).toISOString()} ${cluster.name} ${stage}${counts(cluster)}\n`);
    },
    stop() {},
  };
}

export function progressBar(stream: TerminalStream): ProgressView {
  const bar = new SingleBar({
    stream: stream as NodeJS.WritableStream,
    format: '{name} [{bar}] {value}/{total} resources | {stage}',
    barsize: 30,
    // Neither hides the cursor nor turns line wrap off, so a Ctrl-C leaves the terminal as it was; a long line is cut.
    hideCursor: false,
    linewrap: true,
    clearOnComplete: false,
    // Before the first resource event there is no total: an empty bar, not a full one.
    emptyOnZero: true,
  });
  let started = false;
  return {
    update(cluster) {
      const { done, total } = resources(cluster) ?? { done: 0, total: 0 };
      const working = cluster.progress?.inProgress ?? [];
      const payload = { name: cluster.name, stage: `${stageOf(cluster)}${working.length ? ` [${working.slice(0, 2).join(', ')}${working.length > 2 ? ', …' : ''}]` : ''}` };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
      // Drawn on each read, not only on the bar's own timer: the values change only when the cluster is read.
      bar.render();
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
