import {
  chatClusterRequest,
  commandSummary,
  connectText,
  createdText,
  followUpText,
  listText,
  parseChatCommand,
  planText,
  problemText,
  statusText,
  updateStartedText,
} from '../../../src/domain/chatops';
import { connectInstructions, connectScript } from '../../../src/domain/connect';
import { ConflictError, ValidationError } from '../../../src/domain/errors';
import type { ClusterParameters } from '../../../src/domain/parameters';
import type { ClusterPlan } from '../../../src/domain/plan';
import { aCluster } from '../../support/clusters';

const SCALE_USAGE = '`scale NAME workers=N [managers=M]`';
const refusal = (text: string) => {
  const parsed = parseChatCommand(text);
  return parsed.ok ? parsed : parsed.message;
};

describe('the words of a command', () => {
  it.each(['status “demo”', 'status ‘demo’', 'status "demo"', "status 'demo'", 'status\tdemo', '  status   demo  '])('reads %j as status demo (quotes and spacing dropped)', (text) => {
    expect(parseChatCommand(text)).toEqual({ ok: true, command: { verb: 'status', name: 'demo' } });
  });

  it('reads only blanks as help', () => {
    expect(parseChatCommand('   ')).toEqual({ ok: true, command: { verb: 'help' } });
  });

  it('keeps everything after the first = as the value', () => {
    expect(parseChatCommand('create demo tag:query=a=b')).toEqual({ ok: true, command: { verb: 'create', name: 'demo', options: { 'tag:query': 'a=b' } } });
  });

  it('reads an empty value as an empty option', () => {
    expect(parseChatCommand('create demo keyName=')).toEqual({ ok: true, command: { verb: 'create', name: 'demo', options: { keyName: '' } } });
  });
});

describe('what the slash command answers to a command it cannot read', () => {
  it.each([
    ['launch demo', "I don't know `launch`. Try `help`."],
    ['list everything', '`list` takes nothing after it.'],
    ['STATUS', 'Say which cluster: `status NAME`.'],
    ['connect a b', 'Say which cluster: `connect NAME`.'],
    ['delete', 'Say which cluster: `delete NAME`.'],
    ['Upgrade', 'Say which cluster: `upgrade NAME`.'],
    ['hibernate', 'Say which cluster: `hibernate NAME`.'],
    ['wake a b', 'Say which cluster: `wake NAME`.'],
    ['create', 'Give the new cluster a name: `create NAME [key=value ...]`.'],
    ['CREATE workers=2', 'Give the new cluster a name: `create NAME [key=value ...]`.'],
    ['plan', 'Give the new cluster a name: `plan NAME [key=value ...]`.'],
    ['create demo workers', '`workers` is not an option; write options as key=value, e.g. workers=2.'],
    ['create demo =2', '`=2` is not an option; write options as key=value, e.g. workers=2.'],
    ['plan demo workers=2 workers=3', '`workers` is given twice.'],
    ['scale', `Say which cluster and to what: ${SCALE_USAGE}.`],
    ['scale workers=2', `Say which cluster and to what: ${SCALE_USAGE}.`],
    ['scale demo', `Say the new count: ${SCALE_USAGE}.`],
    ['scale demo workers=two', `\`workers=two\` is not a count I understand; write ${SCALE_USAGE}, e.g. \`scale demo workers=2\`.`],
    ['scale demo workers=12345', `\`workers=12345\` is not a count I understand; write ${SCALE_USAGE}, e.g. \`scale demo workers=2\`.`],
    ['scale demo workers=', `\`workers=\` is not a count I understand; write ${SCALE_USAGE}, e.g. \`scale demo workers=2\`.`],
    ['scale demo xworkers=2', `\`xworkers=2\` is not a count I understand; write ${SCALE_USAGE}, e.g. \`scale demo workers=2\`.`],
    ['scale demo workers=2x', `\`workers=2x\` is not a count I understand; write ${SCALE_USAGE}, e.g. \`scale demo workers=2\`.`],
    ['scale demo workers=1 WORKERS=2', '`workers` is given twice.'],
    ['scale demo managers=1 managers=3', '`managers` is given twice.'],
  ])('%j: %s', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it('reads a four-digit count and a count of 0', () => {
    expect(parseChatCommand('scale demo WORKERS=1000 managers=0')).toEqual({ ok: true, command: { verb: 'scale', name: 'demo', workers: 1000, managers: 0 } });
  });
});

describe('a create from the chat as a cluster request', () => {
  it('leaves out tags when none are given, and applies the API’s defaults', () => {
    const built = chatClusterRequest('demo', {});
    expect(built).toEqual({
      ok: true,
      request: {
        name: 'demo',
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
    });
  });

  it('reads a tag: prefix in any case, and option names in any case', () => {
    const built = chatClusterRequest('demo', { 'TAG:Team': 'web', 'tag:env': 'dev', MANAGERS: '1', keyname: 'ops' });
    expect(built.ok && { tags: built.request.tags, managers: built.request.managers, keyName: built.request.keyName }).toEqual({ tags: { Team: 'web', env: 'dev' }, managers: 1, keyName: 'ops' });
  });

  it.each([
    ['true', true],
    ['yes', true],
    ['false', false],
    ['no', false],
  ])('reads %s as %p for a yes/no option', (value, expected) => {
    const built = chatClusterRequest('demo', { enableSystemPrune: value, enableCloudWatchLogs: value });
    expect(built.ok && [built.request.enableSystemPrune, built.request.enableCloudWatchLogs]).toEqual([expected, expected]);
  });

  it.each([
    ['managerDiskSizeGb', '30', 30],
    ['workerDiskSizeGb', '40', 40],
    ['workers', '0', 0],
  ])('reads %s=%s as the number %i', (key, value, expected) => {
    const built = chatClusterRequest('demo', { [key]: value });
    expect(built.ok && (built.request as Record<string, unknown>)[key]).toBe(expected);
  });

  it('passes the text options through as typed', () => {
    const built = chatClusterRequest('demo', { managerInstanceType: 't3.medium', workerDiskType: 'gp2', region: 'eu-west-1', idleTimeout: 'PT2H' });
    expect(built.ok && [built.request.managerInstanceType, built.request.workerDiskType, built.request.region, built.request.idleTimeout]).toEqual(['t3.medium', 'gp2', 'eu-west-1', 'PT2H']);
  });

  it('reads yes and no as words, not booleans, for a text option', () => {
    const built = chatClusterRequest('demo', { keyName: 'yes', managerInstanceType: 't3.medium' });
    expect(built.ok && built.request.keyName).toBe('yes');
  });

  it.each([
    [{ workers: '-1' }, ['workers Too small: expected number to be >=0.']],
    [{ workers: '2.5' }, ['workers must be a whole number.']],
    [{ managerDiskSizeGb: '1e3' }, ['managerDiskSizeGb must be a whole number.']],
    [{ enableSystemPrune: 'maybe' }, ['enableSystemPrune must be true or false.']],
    [{ enableCloudWatchLogs: 'TRUE' }, ['enableCloudWatchLogs must be true or false.']],
    [{ managers: '2' }, ['managers must be 1, 3 or 5.']],
    [{ expiresAt: 'yesterday' }, ['expiresAt Invalid ISO datetime.']],
    [{ 'tag:': 'x' }, ['tags. Invalid key in record.']],
    [{ workers: 'two', managers: '2' }, ['managers must be 1, 3 or 5.', 'workers must be a whole number.']],
  ])('refuses %j in plain words', (options, problems) => {
    expect(chatClusterRequest('demo', options)).toEqual({ ok: false, problems });
  });

  it('lists every unknown option and checks nothing else until they are gone', () => {
    expect(chatClusterRequest('demo', { colour: 'blue', workers: 'two', Size: '3' })).toEqual({
      ok: false,
      problems: ['`colour` is not an option I know (try `help`).', '`Size` is not an option I know (try `help`).'],
    });
  });
});

describe('the replies in the channel', () => {
  it('words a refusal as its message, then each field’s problem on a line of its own', () => {
    const error = new ValidationError('the request is not valid', { errors: [{ field: 'workers', message: 'must be at most 1000' }, { field: 'name', message: 'is taken' }] });
    expect(problemText(error)).toBe('the request is not valid\n• workers: must be at most 1000\n• name: is taken');
    expect(problemText(new ConflictError('already deleting'))).toBe('already deleting');
  });

  it('says who asked for what when a create starts', () => {
    const cluster = aCluster({ id: 'c-1', name: 'demo', region: 'eu-west-1', parameters: { ...aCluster().parameters, managers: 1, workers: 2 } });
    expect(createdText(cluster, 'U123')).toBe('<@U123> asked for *demo* (c-1): 1 manager and 2 workers in eu-west-1. Creating it now; I will post here when it is ready.');
  });

  it('gives the status, its reason and the endpoint once there is one', () => {
    expect(statusText(aCluster({ id: 'c-1', status: 'CREATING', statusReason: 'stack CREATE_IN_PROGRESS' }))).toBe('*demo* (c-1) is CREATING: stack CREATE_IN_PROGRESS.');
    expect(statusText(aCluster({ id: 'c-1', status: 'READY', statusReason: 'stack CREATE_COMPLETE', outputs: { DefaultDNSTarget: 'nlb.example' } }))).toBe(
      '*demo* (c-1) is READY: stack CREATE_COMPLETE. Swarm endpoint: nlb.example.',
    );
  });

  it('lists no clusters with how to make one, and each cluster on a line', () => {
    expect(listText([])).toBe('You have no clusters. Create one with `create NAME`.');
    const parameters = { ...aCluster().parameters, managers: 1 as const, workers: 0 };
    expect(listText([aCluster({ id: 'c-2', name: 'web', status: 'READY', region: 'eu-west-1', parameters }), aCluster({ id: 'c-1', name: 'demo', status: 'DELETING' })])).toBe(
      'Your clusters, newest first:\n• *web* (c-2) — READY, 1+0 nodes in eu-west-1\n• *demo* (c-1) — DELETING, 3+5 nodes in us-east-1',
    );
  });

  it('gives the connect commands in a code block', () => {
    // Prepare
    const cluster = aCluster({ id: 'c-1', status: 'READY', nodes: [{ instanceId: 'i-1', role: 'manager', availabilityZone: 'us-east-1a', state: 'running' }] });

    // Act
    const text = connectText(cluster);

    // Assess
    expect(text).toBe(`To reach *demo* (c-1), with the AWS CLI and its Session Manager plugin:\n\`\`\`\n${connectScript(connectInstructions(cluster))}\n\`\`\``);
    expect(text).toContain('i-1');
  });

  it('throws the route’s 409 when no manager runs', () => {
    expect(() => connectText(aCluster({ id: 'c-1', status: 'READY', nodes: [] }))).toThrow(ConflictError);
  });

  it('summarises every command with a name by verb and name', () => {
    expect(commandSummary({ verb: 'scale', name: 'demo', workers: 2 })).toBe('scale demo');
    expect(commandSummary({ verb: 'help' })).toBe('help');
  });
});

describe('how a cluster ended, for the person who asked', () => {
  const lastUpdate = { id: 'u7', operation: 'resize' as const, endedAt: '2026-11-27T19:00:00Z' };

  it.each([
    [{ status: 'READY', statusReason: 'stack CREATE_COMPLETE' }, '*demo* (c-1) is ready: stack CREATE_COMPLETE.'],
    [{ status: 'READY', statusReason: 'stack CREATE_COMPLETE', outputs: { DefaultDNSTarget: 'nlb.example' } }, '*demo* (c-1) is ready: stack CREATE_COMPLETE. Swarm endpoint: nlb.example.'],
    [{ status: 'READY', lastUpdate: { ...lastUpdate, outcome: 'updated' } }, '*demo* (c-1) is ready after the resize: 3 managers and 5 workers.'],
    [
      { status: 'READY', outputs: { DefaultDNSTarget: 'nlb.example' }, lastUpdate: { ...lastUpdate, outcome: 'failed' } },
      '*demo* (c-1) is ready after the resize: 3 managers and 5 workers. Swarm endpoint: nlb.example.',
    ],
    [
      { status: 'READY', statusReason: 'UPDATE_ROLLBACK_COMPLETE', lastUpdate: { ...lastUpdate, outcome: 'rolled_back', reason: 'WorkerAsg: no capacity' } },
      '*demo* (c-1) was not changed: the resize was rolled back (WorkerAsg: no capacity). It is ready as before.',
    ],
    [
      { status: 'READY', statusReason: 'UPDATE_ROLLBACK_COMPLETE', lastUpdate: { ...lastUpdate, outcome: 'rolled_back' } },
      '*demo* (c-1) was not changed: the resize was rolled back (UPDATE_ROLLBACK_COMPLETE). It is ready as before.',
    ],
    [{ status: 'FAILED', statusReason: 'ManagerAsg failed' }, '*demo* (c-1) could not be created: ManagerAsg failed.'],
    [{ status: 'DELETED' }, '*demo* (c-1) is deleted; every instance is gone.'],
    [{ status: 'DELETE_FAILED', statusReason: 'sg in use' }, '*demo* (c-1) could not be deleted: sg in use.'],
    [{ status: 'HIBERNATED', hibernatedWorkers: 4 }, '*demo* (c-1) is hibernating: 3 managers kept, no workers. `wake demo` brings back 4 workers.'],
    [{ status: 'HIBERNATED' }, '*demo* (c-1) is hibernating: 3 managers kept, no workers. `wake demo` brings back its workers.'],
    [{ status: 'HIBERNATED', hibernatedWorkers: 1, parameters: { ...aCluster().parameters, managers: 1, workers: 0 } }, '*demo* (c-1) is hibernating: 1 manager kept, no workers. `wake demo` brings back 1 worker.'],
    [{ status: 'UPDATE_FAILED', statusReason: 'UPDATE_ROLLBACK_FAILED' }, '*demo* (c-1) could not be changed, and the rollback failed too: UPDATE_ROLLBACK_FAILED.'],
  ] as const)('%j: %s', (fields, text) => {
    expect(followUpText(aCluster({ id: 'c-1', ...(fields as object) }))).toBe(text);
  });
});

describe('the answer to a change that started', () => {
  const parameters = aCluster().parameters;
  const update = (operation: 'scale' | 'resize' | 'upgrade' | 'hibernate' | 'wake', target: Partial<ClusterParameters>, previous: Partial<ClusterParameters> = {}) => ({
    id: 'u3',
    operation,
    target: { ...parameters, ...target },
    previous: { ...parameters, ...previous },
    requestedAt: '2026-11-27T10:00:00Z',
    requestedBy: 'alice',
  });

  it.each([
    [update('hibernate', { workers: 0 }, { workers: 4 }), '<@U1> is hibernating *demo* (c-1): its workers go from 4 to 0, the managers stay. I will post here when it is done.'],
    [update('wake', { workers: 6 }, { workers: 0 }), '<@U1> is waking *demo* (c-1): back to 6 workers. I will post here when it is done.'],
    [update('wake', { workers: 1 }, { workers: 0 }), '<@U1> is waking *demo* (c-1): back to 1 worker. I will post here when it is done.'],
    [update('upgrade', {}), '<@U1> is upgrading *demo* (c-1): every node is replaced, one at a time, drained first. I will post here when it is done.'],
    [update('scale', { managers: 5, workers: 9 }), '<@U1> is scaling *demo* (c-1) to 5 managers and 9 workers. I will post here when it is done.'],
    [update('resize', { managers: 1, workers: 2 }), '<@U1> is scaling *demo* (c-1) to 1 manager and 2 workers. I will post here when it is done.'],
  ])('%#: %s', (clusterUpdate, text) => {
    expect(updateStartedText(aCluster({ id: 'c-1', status: 'UPDATING', update: clusterUpdate }), 'U1')).toBe(text);
  });

  it('says "its new size" for a cluster whose update is not on its record', () => {
    expect(updateStartedText(aCluster({ id: 'c-1', status: 'UPDATING' }), 'U1')).toBe('<@U1> is scaling *demo* (c-1) to its new size. I will post here when it is done.');
  });
});

describe('a dry run, for the person who asked', () => {
  const parameters = { ...aCluster().parameters, managers: 1, workers: 2, managerInstanceType: 't3.medium', workerInstanceType: 't3.large' };
  const plan = (fields: Partial<ClusterPlan> = {}): ClusterPlan => ({
    dryRun: true,
    cluster: { name: 'demo', region: 'eu-west-1', parameters, tags: {} } as ClusterPlan['cluster'],
    quota: { limits: { maxActiveClusters: 5, maxInstances: 40 }, inUse: { activeClusters: 2, instances: 10 }, requested: { activeClusters: 1, instances: 3 } },
    resources: [
      { type: 'AWS::EC2::VPC', count: 1 },
      { type: 'AWS::EC2::Subnet', count: 3 },
      { type: 'AWS::EC2::Instance', count: 3, launchedBy: 'AWS::AutoScaling::AutoScalingGroup' },
    ],
    ...fields,
  });
  const head =
    'Plan for *demo* in eu-west-1 (nothing was created): 1 × t3.medium manager and 2 × t3.large workers, 4 stack resources. Your quota after it: 3 of 5 clusters and 13 of 40 instances.';

  it('says why there is no estimate', () => {
    expect(planText(plan({ estimateUnavailable: 'No prices for ap-east-1.' }))).toBe(`${head}\nNo prices for ap-east-1.`);
  });

  it('says there is no estimate when it has no reason', () => {
    expect(planText(plan())).toBe(`${head}\nNo cost estimate.`);
  });

  it('gives the hourly and monthly cost, each line, what is not counted and where the prices come from', () => {
    // Prepare
    const estimate = {
      currency: 'USD' as const,
      hourly: 0.12345,
      monthly: 90.1,
      hoursPerMonth: 730,
      lines: [
        { item: '1 × t3.medium manager', hourly: 0.0416, monthly: 30.368 },
        { item: '2 × t3.large worker', hourly: 0.1664, monthly: 121.472 },
      ],
      notCounted: ['data transfer', 'CloudWatch Logs'],
      source: 'AWS Price List',
      priceDate: '2026-11-01',
    };

    // Act
    const text = planText(plan({ estimate }));

    // Assess
    expect(text).toBe(
      [
        head,
        'Estimated cost, on demand: $0.1235 an hour, about $90.10 a month (730 h):',
        '• 1 × t3.medium manager: $30.37/month',
        '• 2 × t3.large worker: $121.47/month',
        'Not counted: data transfer; CloudWatch Logs.',
        'Prices: AWS Price List (2026-11-01).',
      ].join('\n'),
    );
  });
});
