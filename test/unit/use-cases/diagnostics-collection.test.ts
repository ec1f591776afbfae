/**
 * Collecting diagnostics (collect-diagnostics.ts) and the request/collector/read use cases around it
 * (cluster-diagnostics.ts), with in-memory fakes for the diagnostics item, the console output and Run Command: which
 * nodes are read, what a node that cannot be read leaves, what the swarm commands are asked and kept, the words on
 * the timeline, and every refusal in exact words. Against dynalite: request-diagnostics.test.ts.
 */
import type { ClusterDiagnostics, DiagnosticsJob, DiagnosticsRequest } from '../../../src/domain/diagnostics';
import { COLLECTION_LOST_AFTER_MS, MAX_DIAGNOSED_NODES } from '../../../src/domain/diagnostics';
import type { Cluster, ClusterNode, TimelineEvent } from '../../../src/domain/cluster';
import { ConflictError, NotFoundError } from '../../../src/domain/errors';
import { collectDiagnostics, SWARM_COMMAND_DEADLINE_MS } from '../../../src/use-cases/collect-diagnostics';
import { collectRequestedDiagnostics, readDiagnostics, requestDiagnostics } from '../../../src/use-cases/cluster-diagnostics';
import type { DiagnosticsStore, NodeCommandRun } from '../../../src/use-cases/ports';
import { aCluster } from '../../support/clusters';
import { fixedClock } from '../../support/dynamodb';
import { fakeInstances } from '../../support/fakes';
import { memoryStore } from '../../support/memory-store';

const NOW = '2026-11-26T12:00:00.000Z';
const MANAGER: ClusterNode = { instanceId: 'i-0man', role: 'manager', availabilityZone: 'us-east-1a', state: 'running' };

/** The diagnostics item, in memory, with every call kept. */
function fakeDiagnostics(initial?: ClusterDiagnostics, options: { started?: boolean } = {}) {
  let item = initial;
  const puts: ClusterDiagnostics[] = [];
  const failed: { clusterId: string; requestId: string; reason: string }[] = [];
  const requested: { clusterId: string; request: DiagnosticsRequest; lostBefore: string }[] = [];
  const diagnostics: DiagnosticsStore = {
    put: async (d) => {
      puts.push(d);
      item = d;
    },
    get: async () => item,
    requestCollection: async (clusterId, request, lostBefore) => {
      requested.push({ clusterId, request, lostBefore });
      return { started: options.started ?? true, diagnostics: { clusterId, status: 'collecting', request, nodes: [] } };
    },
    failRequest: async (clusterId, requestId, reason) => {
      failed.push({ clusterId, requestId, reason });
    },
  } as DiagnosticsStore;
  return { diagnostics, puts, failed, requested };
}

function collector(options: { logs?: Record<string, string | undefined | Error>; tagged?: string[]; run?: (instanceId: string, commands: string[], deadlineMs: number) => Promise<NodeCommandRun> } = {}) {
  const read: string[] = [];
  const runs: { region: string; instanceId: string; commands: string[]; deadlineMs: number }[] = [];
  const events: TimelineEvent[] = [];
  const store = { appendEvent: async (e: TimelineEvent) => void events.push(e) };
  const consoleOutput = {
    consoleOutput: async (_region: string, instanceId: string) => {
      read.push(instanceId);
      const log = options.logs?.[instanceId];
      if (log instanceof Error) throw log;
      return log;
    },
  };
  const nodeCommands = {
    run: async (region: string, instanceId: string, commands: string[], { deadlineMs }: { deadlineMs: number }) => {
      runs.push({ region, instanceId, commands, deadlineMs });
      return options.run ? options.run(instanceId, commands, deadlineMs) : { instanceId, status: 'Success', output: 'Swarm: active\n' };
    },
  };
  const fake = fakeDiagnostics();
  const deps = { consoleOutput, diagnostics: fake.diagnostics, instances: fakeInstances((options.tagged ?? []).map((instanceId) => ({ instanceId }))).inventory, store, clock: fixedClock(NOW) };
  return { deps, read, runs, events, puts: fake.puts, nodeCommands };
}

const CLUSTER = { id: 'c-00000000000000000000000diag', region: 'eu-west-1' };

describe('collecting diagnostics', () => {
  it('reads the instances named, stores each log with the first cause found, and links it from the timeline', async () => {
    // Prepare
    const c = collector({ logs: { 'i-1': 'booting\nall good', 'i-2': 'joining\nError response from daemon: rpc error: code = Unavailable' } });

    // Act
    const result = await collectDiagnostics(c.deps, { cluster: CLUSTER, instanceIds: ['i-1', 'i-2'], trigger: 'create-failed' });

    // Assess
    const cause = 'i-2: Error response from daemon: rpc error: code = Unavailable';
    expect(result).toEqual({
      clusterId: CLUSTER.id,
      status: 'ready',
      collectedAt: NOW,
      trigger: 'create-failed',
      nodes: [
        { instanceId: 'i-1', consoleOutput: 'booting\nall good', truncated: false },
        { instanceId: 'i-2', consoleOutput: 'joining\nError response from daemon: rpc error: code = Unavailable', truncated: false, cause: 'Error response from daemon: rpc error: code = Unavailable' },
      ],
      cause,
    });
    expect(c.puts).toEqual([result]);
    expect(c.events).toEqual([
      {
        clusterId: CLUSTER.id,
        at: NOW,
        type: 'diagnostics.collected',
        message: `diagnostics collected from 2 node(s); ${cause}`,
        details: { href: `/clusters/${CLUSTER.id}/diagnostics`, nodes: 2, trigger: 'create-failed' },
      },
    ]);
  });

  it('without named instances (none, or an empty list): the cluster’s instances by tag, at most five', async () => {
    // Prepare
    const tagged = ['i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6'];
    const none = collector({ tagged });
    const empty = collector({ tagged });

    // Act
    await collectDiagnostics(none.deps, { cluster: CLUSTER, trigger: 'create-failed' });
    await collectDiagnostics(empty.deps, { cluster: CLUSTER, instanceIds: [], trigger: 'create-failed' });

    // Assess
    expect(MAX_DIAGNOSED_NODES).toBe(5);
    expect(none.read).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
    expect(empty.read).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
  });

  it('named instances are capped at five too', async () => {
    // Prepare
    const c = collector();

    // Act
    await collectDiagnostics(c.deps, { cluster: CLUSTER, instanceIds: ['i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6'], trigger: 'create-failed' });

    // Assess
    expect(c.read).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
  });

  it('a node whose output cannot be read, or has none, is listed with an empty log; no cause, and the timeline says so', async () => {
    // Prepare
    const c = collector({ logs: { 'i-1': new Error('throttled'), 'i-2': undefined } });

    // Act
    const result = await collectDiagnostics(c.deps, { cluster: CLUSTER, instanceIds: ['i-1', 'i-2'], trigger: 'update-failed' });

    // Assess
    expect(result.nodes).toEqual([
      { instanceId: 'i-1', consoleOutput: '', truncated: false },
      { instanceId: 'i-2', consoleOutput: '', truncated: false },
    ]);
    expect(result).not.toHaveProperty('cause');
    expect(result).not.toHaveProperty('swarm');
    expect(result).not.toHaveProperty('request');
    expect(c.events.map((e) => e.message)).toEqual(['diagnostics collected from 2 node(s)']);
  });

  it('with node commands: docker info and docker node ls on the first running manager, within the deadline, redacted', async () => {
    // Prepare
    const c = collector({ run: async (instanceId) => ({ instanceId, status: 'Success', output: 'Swarm: active\njoin token=SWMTKN-1-abc\n' }) });
    const nodes: ClusterNode[] = [{ ...MANAGER, instanceId: 'i-0stopped', state: 'stopped' }, { ...MANAGER, instanceId: 'i-0wrk', role: 'worker' }, MANAGER];

    // Act
    const result = await collectDiagnostics(c.deps, { cluster: { ...CLUSTER, nodes }, instanceIds: ['i-0man'], trigger: 'requested', nodeCommands: c.nodeCommands });

    // Assess
    expect(SWARM_COMMAND_DEADLINE_MS).toBe(15_000);
    expect(c.runs).toEqual([{ region: 'eu-west-1', instanceId: 'i-0man', commands: ['docker info', 'docker node ls'], deadlineMs: 15_000 }]);
    expect(result.swarm).toEqual({ instanceId: 'i-0man', status: 'Success', output: 'Swarm: active\njoin token=[REDACTED]\n', truncated: false });
  });

  it('a command that failed: its error output follows its output', async () => {
    // Prepare
    const c = collector({ run: async (instanceId) => ({ instanceId, status: 'Failed', output: 'Swarm: inactive\n', error: 'Error: not a manager\n' }) });

    // Act
    const result = await collectDiagnostics(c.deps, { cluster: { ...CLUSTER, nodes: [MANAGER] }, instanceIds: ['i-0man'], trigger: 'requested', nodeCommands: c.nodeCommands });

    // Assess
    expect(result.swarm).toEqual({ instanceId: 'i-0man', status: 'Failed', output: 'Swarm: inactive\nError: not a manager\n', truncated: false });
  });

  it('commands that could not be run: NotRead, empty', async () => {
    // Prepare
    const c = collector({
      run: async () => {
        throw new Error('InvalidInstanceId');
      },
    });

    // Act
    const result = await collectDiagnostics(c.deps, { cluster: { ...CLUSTER, nodes: [MANAGER] }, instanceIds: ['i-0man'], trigger: 'requested', nodeCommands: c.nodeCommands });

    // Assess
    expect(result.swarm).toEqual({ instanceId: 'i-0man', status: 'NotRead', output: '', truncated: false });
  });

  it('no running manager (or no nodes on record): no swarm part, nothing run', async () => {
    // Prepare
    const c = collector();

    // Act
    const stopped = await collectDiagnostics(c.deps, { cluster: { ...CLUSTER, nodes: [{ ...MANAGER, state: 'stopped' }, { ...MANAGER, role: 'worker' }] }, instanceIds: ['i-1'], trigger: 'requested', nodeCommands: c.nodeCommands });
    const unknown = await collectDiagnostics(c.deps, { cluster: CLUSTER, instanceIds: ['i-1'], trigger: 'requested', nodeCommands: c.nodeCommands });

    // Assess
    expect(stopped).not.toHaveProperty('swarm');
    expect(unknown).not.toHaveProperty('swarm');
    expect(c.runs).toEqual([]);
  });
});

describe('diagnostics on request', () => {
  const owner = 'alice';
  const READ = (cluster: Cluster) => memoryStore(cluster).store;

  it('GET: the latest diagnostics to the owner; a 404 naming the cluster when none were collected', async () => {
    // Prepare
    const cluster = aCluster({ owner, status: 'READY' });
    const stored: ClusterDiagnostics = { clusterId: cluster.id, status: 'ready', nodes: [] };

    // Act / Assess
    expect(await readDiagnostics({ store: READ(cluster), diagnostics: fakeDiagnostics(stored).diagnostics }, { caller: owner, id: cluster.id })).toBe(stored);
    await expect(readDiagnostics({ store: READ(cluster), diagnostics: fakeDiagnostics().diagnostics }, { caller: owner, id: cluster.id })).rejects.toThrow(
      new NotFoundError(`No diagnostics were collected for cluster ${cluster.id}.`),
    );
    await expect(readDiagnostics({ store: READ(cluster), diagnostics: fakeDiagnostics(stored).diagnostics }, { caller: 'bob', id: cluster.id })).rejects.toThrow(NotFoundError);
  });

  it('POST: records the request with a lost-after cut-off of fifteen minutes ago, and hands it over', async () => {
    // Prepare
    const cluster = aCluster({ owner, status: 'FAILED' });
    const fake = fakeDiagnostics();
    const jobs: DiagnosticsJob[] = [];

    // Act
    const answer = await requestDiagnostics(
      { store: READ(cluster), diagnostics: fake.diagnostics, requests: async (job) => void jobs.push(job), clock: fixedClock(NOW), newRequestId: () => 'req-1' },
      { caller: owner, id: cluster.id },
    );

    // Assess
    expect(COLLECTION_LOST_AFTER_MS).toBe(900_000);
    expect(fake.requested).toEqual([{ clusterId: cluster.id, request: { id: 'req-1', requestedAt: NOW }, lostBefore: '2026-11-26T11:45:00.000Z' }]);
    expect(jobs).toEqual([{ clusterId: cluster.id, requestId: 'req-1' }]);
    expect(answer).toEqual({ clusterId: cluster.id, status: 'collecting', request: { id: 'req-1', requestedAt: NOW }, nodes: [] });
  });

  it('POST while one collects: the same answer, nothing handed over', async () => {
    // Prepare
    const cluster = aCluster({ owner, status: 'READY' });
    const fake = fakeDiagnostics(undefined, { started: false });
    const jobs: DiagnosticsJob[] = [];

    // Act
    await requestDiagnostics({ store: READ(cluster), diagnostics: fake.diagnostics, requests: async (job) => void jobs.push(job), clock: fixedClock(NOW) }, { caller: owner, id: cluster.id });

    // Assess
    expect(jobs).toEqual([]);
  });

  it.each(['CREATING', 'UPDATING', 'HIBERNATED', 'DELETING'] as const)('POST on a %s cluster: a 409 in exact words', async (status) => {
    // Prepare
    const cluster = aCluster({ owner, status });

    // Act / Assess
    await expect(
      requestDiagnostics({ store: READ(cluster), diagnostics: fakeDiagnostics().diagnostics, requests: async () => undefined, clock: fixedClock(NOW) }, { caller: owner, id: cluster.id }),
    ).rejects.toThrow(new ConflictError(`Cluster ${cluster.id} is ${status}: diagnostics are collected from READY or FAILED clusters.`));
  });

  it('POST whose hand-over fails: the request marked failed with why, the error to the caller', async () => {
    // Prepare
    const cluster = aCluster({ owner, status: 'READY' });
    const fake = fakeDiagnostics();

    // Act / Assess
    await expect(
      requestDiagnostics(
        {
          store: READ(cluster),
          diagnostics: fake.diagnostics,
          requests: async () => {
            throw new Error('events unavailable');
          },
          clock: fixedClock(NOW),
          newRequestId: () => 'req-9',
        },
        { caller: owner, id: cluster.id },
      ),
    ).rejects.toThrow('events unavailable');
    expect(fake.failed).toEqual([{ clusterId: cluster.id, requestId: 'req-9', reason: 'the collection could not be handed to the collector' }]);
  });

  function requestedCollector(cluster: Cluster | undefined, current: ClusterDiagnostics | undefined, options: Parameters<typeof collector>[0] = {}) {
    const c = collector(options);
    const fake = fakeDiagnostics(current);
    const store = { ...(cluster ? memoryStore(cluster).store : { get: async () => undefined }), appendEvent: c.deps.store.appendEvent };
    const deps = { ...c.deps, store, diagnostics: fake.diagnostics, nodeCommands: c.nodeCommands } as Parameters<typeof collectRequestedDiagnostics>[0];
    return { ...c, fake, deps };
  }
  const collecting = (clusterId: string): ClusterDiagnostics => ({ clusterId, status: 'collecting', request: { id: 'req-1', requestedAt: NOW }, nodes: [] });

  it('the collector on a READY cluster: collects with the request, the swarm commands included', async () => {
    // Prepare
    const cluster = aCluster({ owner, status: 'READY', nodes: [MANAGER] });
    const c = requestedCollector(cluster, collecting(cluster.id), { tagged: ['i-0man'] });

    // Act
    const result = await collectRequestedDiagnostics(c.deps, { clusterId: cluster.id, requestId: 'req-1' });

    // Assess
    expect(result).toMatchObject({ status: 'ready', trigger: 'requested', request: { id: 'req-1', requestedAt: NOW }, swarm: { instanceId: 'i-0man', status: 'Success' } });
    expect(c.runs).toHaveLength(1);
  });

  it('the collector on a FAILED cluster: no swarm commands', async () => {
    // Prepare
    const cluster = aCluster({ owner, status: 'FAILED', nodes: [MANAGER] });
    const c = requestedCollector(cluster, collecting(cluster.id), { tagged: ['i-0man'] });

    // Act
    const result = await collectRequestedDiagnostics(c.deps, { clusterId: cluster.id, requestId: 'req-1' });

    // Assess
    expect(result).toMatchObject({ status: 'ready', trigger: 'requested' });
    expect(result).not.toHaveProperty('swarm');
    expect(c.runs).toEqual([]);
  });

  it.each([
    ['nothing recorded', undefined],
    ['a request already ready', { clusterId: 'x', status: 'ready', request: { id: 'req-1', requestedAt: NOW }, nodes: [] } as ClusterDiagnostics],
    ['another request collecting', { clusterId: 'x', status: 'collecting', request: { id: 'req-2', requestedAt: NOW }, nodes: [] } as ClusterDiagnostics],
    ['a collection with no request', { clusterId: 'x', status: 'collecting', nodes: [] } as ClusterDiagnostics],
  ])('the collector with %s: does nothing', async (_, current) => {
    // Prepare
    const cluster = aCluster({ owner, status: 'READY' });
    const c = requestedCollector(cluster, current);

    // Act
    const result = await collectRequestedDiagnostics(c.deps, { clusterId: cluster.id, requestId: 'req-1' });

    // Assess
    expect(result).toBeUndefined();
    expect(c.read).toEqual([]);
    expect(c.fake.failed).toEqual([]);
  });

  it('the collector for a cluster gone, or moved on: fails the request naming its status', async () => {
    // Prepare
    const deleting = aCluster({ owner, status: 'DELETING' });
    const moved = requestedCollector(deleting, collecting(deleting.id));
    const gone = requestedCollector(undefined, collecting('c-gone'));

    // Act
    await collectRequestedDiagnostics(moved.deps, { clusterId: deleting.id, requestId: 'req-1' });
    await collectRequestedDiagnostics(gone.deps, { clusterId: 'c-gone', requestId: 'req-1' });

    // Assess
    expect(moved.fake.failed).toEqual([{ clusterId: deleting.id, requestId: 'req-1', reason: 'the cluster is DELETING: diagnostics are collected from READY or FAILED clusters' }]);
    expect(gone.fake.failed).toEqual([{ clusterId: 'c-gone', requestId: 'req-1', reason: 'the cluster is gone: diagnostics are collected from READY or FAILED clusters' }]);
    expect(moved.read).toEqual([]);
  });

  it('a collection that breaks: the request failed with the error’s name', async () => {
    // Prepare
    const cluster = aCluster({ owner, status: 'FAILED' });
    const c = requestedCollector(cluster, collecting(cluster.id));
    class InventoryError extends Error {
      override name = 'InventoryError';
    }
    c.deps.instances = {
      instancesOfCluster: async () => {
        throw new InventoryError('throttled');
      },
      instancesById: async () => [],
    };

    // Act
    const result = await collectRequestedDiagnostics(c.deps, { clusterId: cluster.id, requestId: 'req-1' });

    // Assess
    expect(result).toBeUndefined();
    expect(c.fake.failed).toEqual([{ clusterId: cluster.id, requestId: 'req-1', reason: 'the collection failed (InventoryError)' }]);
  });

  it('a collection that breaks with something not an Error: unknown error', async () => {
    // Prepare
    const cluster = aCluster({ owner, status: 'FAILED' });
    const c = requestedCollector(cluster, collecting(cluster.id));
    c.deps.instances = {
      instancesOfCluster: async () => {
        throw 'broken';
      },
      instancesById: async () => [],
    };

    // Act
    await collectRequestedDiagnostics(c.deps, { clusterId: cluster.id, requestId: 'req-1' });

    // Assess
    expect(c.fake.failed.map((f) => f.reason)).toEqual(['the collection failed (unknown error)']);
  });
});
