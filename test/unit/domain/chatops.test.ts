import { chatClusterRequest, commandSummary, followUpText, parseChatCommand } from '../../../src/domain/chatops';
import { aCluster } from '../../support/clusters';

describe('slash command language', () => {
  it.each([
    ['', { verb: 'help' }],
    ['help', { verb: 'help' }],
    ['list', { verb: 'list' }],
    ['status demo', { verb: 'status', name: 'demo' }],
    ['connect demo', { verb: 'connect', name: 'demo' }],
    ['DELETE demo', { verb: 'delete', name: 'demo' }],
    ['create demo', { verb: 'create', name: 'demo', options: {} }],
    ['create demo workers=2 managers=1 tag:team=web', { verb: 'create', name: 'demo', options: { workers: '2', managers: '1', 'tag:team': 'web' } }],
    ['  create   demo   workers=2 ', { verb: 'create', name: 'demo', options: { workers: '2' } }],
    ['plan demo workers=2 workerInstanceType=t3.large', { verb: 'plan', name: 'demo', options: { workers: '2', workerInstanceType: 't3.large' } }],
    ['PLAN demo', { verb: 'plan', name: 'demo', options: {} }],
    ['scale demo workers=2', { verb: 'scale', name: 'demo', workers: 2 }],
    ['scale demo Workers=0 managers=3', { verb: 'scale', name: 'demo', workers: 0, managers: 3 }],
    ['scale demo managers=5', { verb: 'scale', name: 'demo', managers: 5 }],
    ['upgrade demo', { verb: 'upgrade', name: 'demo' }],
    ['Hibernate demo', { verb: 'hibernate', name: 'demo' }],
    ['wake demo', { verb: 'wake', name: 'demo' }],
  ])('reads %j', (text, command) => {
    expect(parseChatCommand(text)).toEqual({ ok: true, command });
  });

  it.each([
    ['launch demo', 'I don\u2019t know'.replace('\u2019', "'")],
    ['create', 'Give the new cluster a name'],
    ['create workers=2', 'Give the new cluster a name'],
    ['create demo workers', 'is not an option'],
    ['create demo workers=2 workers=3', 'given twice'],
    ['plan', 'Give the new cluster a name: `plan NAME'],
    ['plan demo workers=1 workers=2', 'given twice'],
    ['status', 'Say which cluster'],
    ['connect', 'Say which cluster: `connect NAME`'],
    ['delete a b', 'Say which cluster'],
    ['list everything', 'takes nothing'],
    ['scale demo', 'Say the new count'],
    ['scale workers=2', 'Say which cluster'],
    ['scale demo workers=two', 'is not a count I understand'],
    ['scale demo workerInstanceType=t3.large', 'is not a count I understand'],
    ['scale demo workers=1 workers=2', 'given twice'],
    ['upgrade', 'Say which cluster'],
    ['hibernate a b', 'Say which cluster'],
  ])('explains what is wrong with %j', (text, message) => {
    const parsed = parseChatCommand(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(message);
  });

  it('builds a cluster request with the HTTP API schema, coercing numbers and booleans', () => {
    const built = chatClusterRequest('demo', { workers: '2', enableSystemPrune: 'yes', 'tag:team': 'web', workerinstancetype: 't3.medium' });
    expect(built.ok && built.request).toMatchObject({ name: 'demo', managers: 3, workers: 2, enableSystemPrune: true, tags: { team: 'web' }, workerInstanceType: 't3.medium' });
  });

  it.each([
    [{ workers: 'two' }, 'workers must be a whole number.'],
    [{ managers: '2' }, 'managers must be 1, 3 or 5.'],
    [{ colour: 'blue' }, '`colour` is not an option I know'],
    [{ webhook: 'https://example.com' }, '`webhook` is not an option I know'],
    [{ owner: 'someone-else' }, '`owner` is not an option I know'],
  ])('refuses %j in plain words', (options, problem) => {
    const built = chatClusterRequest('demo', options);
    expect(built.ok).toBe(false);
    expect(!built.ok && built.problems.join(' ')).toContain(problem);
  });

  it('refuses a bad name with the schema’s words', () => {
    const built = chatClusterRequest('Demo!', {});
    expect(!built.ok && built.problems[0]).toMatch(/^name must start with a lower-case letter/);
  });

  it('announces only the statuses that end something', () => {
    expect(followUpText(aCluster({ status: 'READY', statusReason: 'stack CREATE_COMPLETE', outputs: { DefaultDNSTarget: 'nlb.example' } }))).toContain('is ready: stack CREATE_COMPLETE. Swarm endpoint: nlb.example.');
    expect(followUpText(aCluster({ status: 'FAILED', statusReason: 'ManagerAsg failed' }))).toContain('could not be created: ManagerAsg failed.');
    expect(followUpText(aCluster({ status: 'DELETED' }))).toContain('is deleted');
    expect(followUpText(aCluster({ status: 'DELETE_FAILED', statusReason: 'sg in use' }))).toContain('could not be deleted: sg in use.');
    expect(followUpText(aCluster({ status: 'CREATING' }))).toBeUndefined();
    expect(followUpText(aCluster({ status: 'DELETING' }))).toBeUndefined();
    expect(followUpText(aCluster({ status: 'UPDATING' }))).toBeUndefined();
  });

  it('announces how an update ended: changed, rolled back, hibernated, failed', () => {
    const parameters = aCluster().parameters;
    const lastUpdate = { id: 'u7', operation: 'scale' as const, endedAt: '2026-11-27T19:00:00Z' };
    expect(followUpText(aCluster({ status: 'READY', parameters: { ...parameters, managers: 3, workers: 2 }, lastUpdate: { ...lastUpdate, outcome: 'updated' } }))).toContain('is ready after the scale: 3 managers and 2 workers.');
    expect(followUpText(aCluster({ status: 'READY', lastUpdate: { ...lastUpdate, outcome: 'rolled_back', reason: 'WorkerAsg: instance type not offered' } }))).toContain('was not changed: the scale was rolled back (WorkerAsg: instance type not offered)');
    expect(followUpText(aCluster({ name: 'demo', status: 'HIBERNATED', hibernatedWorkers: 5 }))).toContain('`wake demo` brings back 5 workers');
    expect(followUpText(aCluster({ status: 'UPDATE_FAILED', statusReason: 'UPDATE_ROLLBACK_FAILED' }))).toContain('the rollback failed too: UPDATE_ROLLBACK_FAILED.');
  });

  it('summarises a command by verb and name only', () => {
    expect(commandSummary({ verb: 'create', name: 'demo', options: { workers: '<!channel>' } })).toBe('create demo');
    expect(commandSummary({ verb: 'list' })).toBe('list');
  });
});
