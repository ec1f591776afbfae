import { buildDiagnosticsStore } from '../../../src/adapters/dynamodb/diagnostics-store';
import type { Cluster } from '../../../src/domain/cluster';
import { ConflictError } from '../../../src/domain/errors';
import { requestDiagnostics } from '../../../src/use-cases/cluster-diagnostics';
import type { NodeCommands } from '../../../src/use-cases/ports';
import { aCluster } from '../../support/clusters';
import { fixedClock, startTestDynamoDB } from '../../support/dynamodb';
import { fakeInstances } from '../../support/fakes';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;
beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

const MANAGER = { instanceId: 'i-0man', role: 'manager' as const, availabilityZone: 'us-east-1a', state: 'running' };

async function requested(overrides: Partial<Cluster>) {
  const cluster = aCluster({ nodes: [MANAGER, { ...MANAGER, instanceId: 'i-0wrk', role: 'worker' }], ...overrides });
  await db.store.create(cluster);
  const runs: { instanceId: string; commands: string[] }[] = [];
  const nodeCommands: NodeCommands = {
    run: async (_region, instanceId, commands) => {
      runs.push({ instanceId, commands });
      return { instanceId, status: 'Success', output: 'Swarm: active\n  Managers: 1\njoin with token=SWMTKN-1-secret' };
    },
  };
  const deps = {
    store: db.store,
    clock: fixedClock(),
    diagnostics: buildDiagnosticsStore(db.documents, 'clusters'),
    instances: fakeInstances([{ instanceId: 'i-0man' }]).inventory,
    consoleOutput: { consoleOutput: async () => 'cloud-init finished' },
    nodeCommands,
  };
  return { cluster, runs, result: () => requestDiagnostics(deps, { caller: cluster.owner, id: cluster.id }) };
}

describe('diagnostics on request', () => {
  it('on a READY cluster: console output and docker info / docker node ls from a running manager, redacted', async () => {
    const { runs, result } = await requested({ status: 'READY' });

    const diagnostics = await result();

    expect(runs).toEqual([{ instanceId: 'i-0man', commands: ['docker info', 'docker node ls'] }]);
    expect(diagnostics.trigger).toBe('requested');
    expect(diagnostics.swarm).toEqual({ instanceId: 'i-0man', status: 'Success', output: 'Swarm: active\n  Managers: 1\njoin with token=[REDACTED]', truncated: false });
    expect(diagnostics.nodes).toEqual([{ instanceId: 'i-0man', consoleOutput: 'cloud-init finished', truncated: false }]);
  });

  it('on a FAILED cluster: console output only (no manager to ask)', async () => {
    const { runs, result } = await requested({ status: 'FAILED' });

    const diagnostics = await result();

    expect(runs).toEqual([]);
    expect(diagnostics.swarm).toBeUndefined();
  });

  it('refuses a cluster that is not READY or FAILED', async () => {
    const { result } = await requested({ status: 'UPDATING' });

    await expect(result()).rejects.toBeInstanceOf(ConflictError);
  });
});
