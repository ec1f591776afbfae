/**
 * The simulated cloud on disk, so a restart of `npm start` resumes the same world: stacks keep their ids, events
 * and resources, instances their ids, addresses and states, and an operation in flight carries on.
 *
 *   <dir>/stacks/<stack uuid>.json   one file per stack, rewritten only when that stack changed
 *   <dir>/instances.json             every instance EC2 still lists (terminated ones are forgotten after a minute)
 *
 * Each file is written whole to a temporary name and renamed over the old one (atomic on POSIX), so a crash leaves
 * the previous or the new version, never half a file. A change is written a quarter of a second later (longer when
 * writing takes long): after a SIGKILL that last fraction of a second replays from the state before it. One file
 * per stack, not one file for the world: with thousands of lifecycles behind it, a world-sized file rewritten on
 * every change would cost more than the simulation; a deleted stack's file (a tombstone) is written once and never
 * again.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudSimulation } from './domain/cloud';
import type { FleetSnapshot, Instance } from './domain/fleet';
import type { Stack } from './domain/stack-model';

const FORMAT = 1;

/** JSON with Dates and Sets kept as such; a stack's running Timeline is not data and is left out. */
function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, plain: unknown) {
    const raw = this[key];
    if (key === 'operation') return undefined;
    if (raw instanceof Date) return { $date: raw.toISOString() };
    if (raw instanceof Set) return { $set: [...raw] };
    return plain;
  });
}

function decode<T>(text: string): T {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const tagged = value as { $date?: string; $set?: unknown[] };
      if (typeof tagged.$date === 'string' && Object.keys(value).length === 1) return new Date(tagged.$date);
      if (Array.isArray(tagged.$set) && Object.keys(value).length === 1) return new Set(tagged.$set);
    }
    return value;
  }) as T;
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

const stackFile = (dir: string, stackId: string) => join(dir, 'stacks', `${stackId.split('/').at(-1) ?? 'stack'}.json`);

/**
 * What is kept of a stack: all of it while it lives; once DELETE_COMPLETE, a tombstone (its status, parameters, tags,
 * outputs and its own status events; not its resources and their events, about 90% of its size), which is what
 * DescribeStacks and DescribeStackEvents by id are asked about a deleted stack.
 */
const kept = (stack: Stack): Stack =>
  stack.status === 'DELETE_COMPLETE'
    ? { ...stack, resources: [], events: stack.events.filter((event) => event.physicalResourceId === stack.id) }
    : stack;

/** Changes whenever anything a restart needs changes: every status change of the stack or a resource adds an event. */
const stackFingerprint = (stack: Stack): string =>
  [stack.status, stack.events.length, stack.deleteTokens?.size ?? 0, stack.queuedDelete ? 1 : 0, stack.outputsVisible, stack.resources.reduce((n, r) => n + r.instanceIds.length, 0)].join('|');

const STATE_RANK: Record<Instance['state'], number> = { pending: 0, running: 1, stopping: 2, stopped: 3, 'shutting-down': 4, terminated: 5 };

/** Instances only move forward through their states, so the sum of ranks grows with every move. */
const fleetFingerprint = (fleet: FleetSnapshot): string =>
  `${fleet.sequence}|${fleet.instances.length}|${fleet.instances.reduce((sum, instance) => sum + STATE_RANK[instance.state], 0)}`;

export interface RestoredCloud {
  stacks: number;
  instances: number;
}

/** Reads the world back from `dir` (nothing there: an empty world) into a fresh simulation, and resumes it. */
export function restoreCloud(cloud: CloudSimulation, dir: string): RestoredCloud {
  let fleet: FleetSnapshot = { sequence: 0, instances: [] };
  try {
    const saved = decode<{ format: number; fleet: FleetSnapshot }>(readFileSync(join(dir, 'instances.json'), 'utf8'));
    fleet = saved.fleet;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let files: string[] = [];
  try {
    files = readdirSync(join(dir, 'stacks')).filter((name) => name.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const stacks = files
    .map((name) => decode<{ format: number; stack: Stack }>(readFileSync(join(dir, 'stacks', name), 'utf8')).stack)
    .sort((a, b) => a.creationTime.getTime() - b.creationTime.getTime());
  cloud.restore({ stacks, fleet });
  return { stacks: stacks.length, instances: fleet.instances.length };
}

export interface CloudPersistence {
  /** Writes whatever changed since the last write, now. */
  flush(): void;
  /** Stops the timer after a last flush. */
  stop(): void;
}

/**
 * Writes what changed, `intervalMs` (real milliseconds) after the last write finished, or ten times as long as that
 * write took if that is longer: with many stacks in flight, saving never takes more than a tenth of the process.
 * Call after restoreCloud, so nothing restored is written again.
 */
export function persistCloud(cloud: CloudSimulation, dir: string, options: { intervalMs?: number; onError?: (error: unknown) => void } = {}): CloudPersistence {
  mkdirSync(join(dir, 'stacks'), { recursive: true });
  const interval = options.intervalMs ?? 250;
  const written = new Map<string, string>();
  let writtenFleet = '';
  const initial = cloud.snapshot();
  for (const stack of initial.stacks) written.set(stack.id, stackFingerprint(stack));
  writtenFleet = fleetFingerprint(initial.fleet);

  const flush = () => {
    const { stacks, fleet } = cloud.snapshot();
    const present = new Set<string>();
    for (const stack of stacks) {
      present.add(stack.id);
      const fingerprint = stackFingerprint(stack);
      if (written.get(stack.id) === fingerprint) continue;
      writeAtomically(stackFile(dir, stack.id), encode({ format: FORMAT, stack: kept(stack) }));
      written.set(stack.id, fingerprint);
    }
    // A stack the simulation no longer keeps is not brought back by the next start either.
    for (const id of written.keys()) {
      if (present.has(id)) continue;
      rmSync(stackFile(dir, id), { force: true });
      written.delete(id);
    }
    const fingerprint = fleetFingerprint(fleet);
    if (fingerprint !== writtenFleet) {
      writeAtomically(join(dir, 'instances.json'), encode({ format: FORMAT, fleet }));
      writtenFleet = fingerprint;
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const next = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      const started = Date.now();
      try {
        flush();
      } catch (error) {
        options.onError?.(error);
      }
      next(Math.max(interval, (Date.now() - started) * 10));
    }, delay);
    timer.unref();
  };
  next(interval);
  return {
    flush,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      flush();
    },
  };
}
