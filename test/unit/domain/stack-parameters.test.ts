/**
 * What a create request becomes on the stack: the parameters kept from the request (the lifecycle, webhook and tag
 * fields are the service's, not the template's), each template parameter under its Docker for AWS name
 * (templates/swarm.yaml, docs/contracts.md), and the request's tag count limit. CloudFormation takes every parameter
 * value as a string ("Parameters", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html);
 * a stack carries at most 50 tags (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html),
 * of which the request may set 20 (ours are added on top).
 */
import { clusterRequestSchema, parametersOf, templateParameters, type ClusterParameters } from '../../../src/domain/parameters';

const parameters = (overrides: Partial<ClusterParameters> = {}): ClusterParameters => ({
  managers: 1,
  workers: 7,
  managerInstanceType: 't3.medium',
  workerInstanceType: 'm6i.large',
  managerDiskSizeGb: 30,
  workerDiskSizeGb: 40,
  managerDiskType: 'gp2',
  workerDiskType: 'standard',
  enableSystemPrune: false,
  enableCloudWatchLogs: false,
  ...overrides,
});

describe('the template parameters of a cluster', () => {
  it('puts each manager and worker setting under its own template name, and switches off as "no"', () => {
    // Act
    const values = templateParameters('c-01jd1', parameters());

    // Assess
    expect(values).toEqual({
      ClusterId: 'c-01jd1',
      ManagerSize: '1',
      ClusterSize: '7',
      ManagerInstanceType: 't3.medium',
      InstanceType: 'm6i.large',
      ManagerDiskSize: '30',
      ManagerDiskType: 'gp2',
      WorkerDiskSize: '40',
      WorkerDiskType: 'standard',
      KeyName: '',
      EnableSystemPrune: 'no',
      EnableCloudWatchLogs: 'no',
    });
  });

  it('passes a key pair’s name and switches on as "yes", each setting on its own', () => {
    // Act
    const prune = templateParameters('c-1', parameters({ keyName: 'ops key', enableSystemPrune: true }));
    const logs = templateParameters('c-1', parameters({ enableCloudWatchLogs: true }));

    // Assess
    expect([prune.KeyName, prune.EnableSystemPrune, prune.EnableCloudWatchLogs]).toEqual(['ops key', 'yes', 'no']);
    expect([logs.KeyName, logs.EnableSystemPrune, logs.EnableCloudWatchLogs]).toEqual(['', 'no', 'yes']);
  });
});

describe('the parameters kept from a create request', () => {
  it('keeps the stack’s settings and leaves out name, region, lifecycle, webhook and tags', () => {
    // Prepare
    const request = clusterRequestSchema.parse({
      name: 'demo',
      region: 'eu-west-1',
      expiresAt: '2026-12-01T00:00:00Z',
      idleTimeout: 'PT30M',
      idleAction: 'hibernate',
      autoRepair: true,
      webhook: { url: 'https://example.com/hook' },
      tags: { team: 'infra' },
      managers: 5,
      workers: 2,
      keyName: 'ops',
    });

    // Act
    const kept = parametersOf(request);

    // Assess
    expect(kept).toEqual({
      managers: 5,
      workers: 2,
      managerInstanceType: 't3.small',
      workerInstanceType: 't3.small',
      managerDiskSizeGb: 20,
      workerDiskSizeGb: 20,
      managerDiskType: 'gp3',
      workerDiskType: 'gp3',
      keyName: 'ops',
      enableSystemPrune: false,
      enableCloudWatchLogs: true,
    });
  });
});

describe('the tags a create request may set', () => {
  const tags = (count: number): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, `v${i}`]));

  it('accepts 20 tags', () => {
    expect(clusterRequestSchema.safeParse({ name: 'demo', tags: tags(20) }).success).toBe(true);
  });

  it('refuses 21 tags, saying how many are allowed', () => {
    // Act
    const result = clusterRequestSchema.safeParse({ name: 'demo', tags: tags(21) });

    // Assess
    expect(result.success ? [] : result.error.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['tags', 'at most 20 tags']]);
  });
});
