/**
 * What `--wait` shows while a cluster moves. On a terminal: one live bar, resources done / total from the cluster's
 * `progress` (CloudFormation's resource events) and the current stage. Elsewhere (CI logs, pipes): one line per stage
 * change, so a log reads as a timeline. Both go to stderr: stdout is kept for the result (`--output json` parses).
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

const counts = (cluster: Cluster) => (cluster.progress ? ` (${cluster.progress.resourcesDone}/${cluster.progress.resourcesTotal} resources)` : '');

export function progressLines(stream: TerminalStream, now: () => number = Date.now): ProgressView {
  let last: string | undefined;
  return {
    update(cluster) {
      const stage = stageOf(cluster);
      if (stage === last) return;
      last = stage;
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
    hideCursor: true,
    clearOnComplete: false,
    // Before the first resource event there is no total: an empty bar, not a full one.
    emptyOnZero: true,
  });
  let started = false;
  return {
    update(cluster) {
      const total = cluster.progress?.resourcesTotal ?? 0;
      const done = cluster.progress?.resourcesDone ?? 0;
      const payload = { name: cluster.name, stage: stageOf(cluster) };
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
