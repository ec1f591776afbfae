import type { Cluster } from '../../src/domain/cluster';

let counter = 0;

/** A cluster record as the create use case writes it; override what a test cares about. */
export function aCluster(overrides: Partial<Cluster> = {}): Cluster {
  counter += 1;
  const id = overrides.id ?? `c-${String(counter).padStart(26, '0')}`;
  return {
    id,
    name: 'demo',
    owner: 'alice',
    region: 'us-east-1',
    parameters: {
      managers: 3,
      workers: 5,
      managerInstanceType: 't3.small',
      workerInstanceType: 't3.small',
      managerDiskSizeGb: 20,
      workerDiskSizeGb: 20,
      managerDiskType: 'gp3',
      workerDiskType: 'gp3',
      enableSystemPrune: false,
      enableCloudWatchLogs: true,
    },
    tags: {},
    status: 'CREATING',
    statusReason: 'create requested',
    stackName: `swarm-${id}`,
    outputs: {},
    nodes: [],
    requestedAt: `2026-11-26T12:00:${String(counter % 60).padStart(2, '0')}.000Z`,
    lastActivityAt: '2026-11-26T12:00:00.000Z',
    updatedAt: '2026-11-26T12:00:00.000Z',
    version: 1,
    ...overrides,
  };
}
