/**
 * The node bootstrap from templates/swarm.yaml, run for real by bash against a local DynamoDB (dynalite), with
 * stand-ins for the instance metadata service, the AWS CLI and the Docker engine (see support/swarm-lab.ts).
 */
import { createLab, ipOf, startDynamoDB, STACK_NAME, type Call, type Lab, type NodeResult } from './support/swarm-lab';

const MANAGERS = ['i-1', 'i-2', 'i-3'];
const WORKERS = ['i-11', 'i-12'];

let dynamodb: Awaited<ReturnType<typeof startDynamoDB>>;
let lab: Lab;
let labCount = 0;

beforeAll(async () => {
  dynamodb = await startDynamoDB();
});
afterAll(async () => {
  dynamodb.client.destroy();
  await dynamodb.server.close();
});
beforeEach(async () => {
  labCount += 1;
  lab = await createLab(dynamodb, `t${labCount}`);
});
afterEach(() => lab.close());

const dockerCalls = (calls: Call[], ...prefix: string[]) =>
  calls.filter((call) => call.tool === 'docker' && prefix.every((word, index) => call.args[index] === word));
const signals = (calls: Call[]) =>
  calls
    .filter((call) => call.tool === 'aws' && call.args[0] === 'cloudformation' && call.args[1] === 'signal-resource')
    .map((call) => ({ node: call.node, resource: argument(call, '--logical-resource-id'), status: argument(call, '--status') }));
const argument = (call: Call, name: string) => call.args[call.args.indexOf(name) + 1];
const expectSucceeded = (results: NodeResult[]) => {
  for (const result of results) expect({ instance: result.instance, code: result.code, timedOut: result.timedOut, stderr: result.stderr }).toMatchObject({ code: 0, timedOut: false });
};

describe('forming the swarm', () => {
  it('runs swarm init exactly once when three managers start at the same time, and everyone joins', async () => {
    // Prepare: nothing in the table, three managers and two workers booting together.
    const runs = [...MANAGERS.map((instance) => ({ instance, role: 'manager' as const })), ...WORKERS.map((instance) => ({ instance, role: 'worker' as const }))];

    // Act
    const results = await Promise.all(runs.map((run) => lab.run(run)));

    // Assess
    expectSucceeded(results);
    const calls = lab.calls();
    const inits = dockerCalls(calls, 'swarm', 'init');
    expect(inits).toHaveLength(1);
    const leader = inits[0]?.node ?? '';
    expect(MANAGERS).toContain(leader);
    const joins = dockerCalls(calls, 'swarm', 'join');
    expect(joins.map((call) => [call.node, argument(call, '--token')]).sort()).toEqual(
      [
        ...MANAGERS.filter((instance) => instance !== leader).map((instance) => [instance, 'SWMTKN-1-manager']),
        ...WORKERS.map((instance) => [instance, 'SWMTKN-1-worker']),
      ].sort(),
    );
    expect(signals(calls).sort((a, b) => a.node.localeCompare(b.node))).toEqual(
      [...MANAGERS.map((node) => ({ node, resource: 'ManagerAsg', status: 'SUCCESS' })), ...WORKERS.map((node) => ({ node, resource: 'NodeAsg', status: 'SUCCESS' }))].sort((a, b) =>
        a.node.localeCompare(b.node),
      ),
    );
    const item = await lab.swarmItem();
    expect(item?.leader?.S).toBe(leader);
    expect([...(item?.addrs?.SS ?? [])].sort()).toEqual(MANAGERS.map(ipOf).sort());
    for (const instance of MANAGERS) expect(lab.node(instance)).toMatchObject({ state: 'active', role: 'manager', labels: { role: 'manager', 'instance-type': 't3.small' } });
    for (const instance of WORKERS) expect(lab.node(instance)).toMatchObject({ state: 'active', role: 'worker' });
  });

  it('lets late joiners take the published tokens and join through any manager still listed', async () => {
    // Prepare: a formed swarm whose first manager has since gone (its address withdrawn), a second manager remains.
    expectSucceeded(await Promise.all(['i-1', 'i-2'].map((instance) => lab.run({ instance, role: 'manager' }))));
    const first = dockerCalls(lab.calls(), 'swarm', 'init')[0]?.node ?? '';
    const second = first === 'i-1' ? 'i-2' : 'i-1';
    expectSucceeded([await lab.run({ instance: first, role: 'manager', command: 'leave' })]);

    // Act: a replacement manager and two workers arrive later.
    const results = await Promise.all([
      lab.run({ instance: 'i-4', role: 'manager' }),
      lab.run({ instance: 'i-21', role: 'worker' }),
      lab.run({ instance: 'i-22', role: 'worker' }),
    ]);

    // Assess
    expectSucceeded(results);
    const calls = lab.calls();
    expect(dockerCalls(calls, 'swarm', 'init')).toHaveLength(1);
    for (const instance of ['i-4', 'i-21', 'i-22']) {
      const join = dockerCalls(calls, 'swarm', 'join').filter((call) => call.node === instance);
      expect(join.at(-1)?.args.at(-1)).toBe(`${ipOf(second)}:2377`);
    }
    expect(lab.node('i-4')).toMatchObject({ state: 'active', role: 'manager' });
    expect(lab.node('i-21')).toMatchObject({ state: 'active', role: 'worker' });
  });

  it('does nothing but report success when the node is already in the swarm (a rerun)', async () => {
    expectSucceeded([await lab.run({ instance: 'i-1', role: 'manager' })]);

    const rerun = await lab.run({ instance: 'i-1', role: 'manager' });

    expectSucceeded([rerun]);
    expect(dockerCalls(lab.calls(), 'swarm', 'init')).toHaveLength(1);
    expect(signals(lab.calls()).filter((signal) => signal.node === 'i-1')).toEqual([
      { node: 'i-1', resource: 'ManagerAsg', status: 'SUCCESS' },
      { node: 'i-1', resource: 'ManagerAsg', status: 'SUCCESS' },
    ]);
  });
});

describe('deadlines', () => {
  it('ends a worker wait that never resolves at its deadline, with a non-zero exit and a FAILURE signal', async () => {
    // Prepare: no manager ever comes.
    const started = Date.now();

    // Act
    const result = await lab.run({ instance: 'i-11', role: 'worker', waitSeconds: 2, timeoutMs: 20_000 });

    // Assess
    expect(result.timedOut).toBe(false);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no worker join token after 2 s');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(dockerCalls(lab.calls(), 'swarm', 'join')).toHaveLength(0);
    expect(signals(lab.calls())).toEqual([{ node: 'i-11', resource: 'NodeAsg', status: 'FAILURE' }]);
  });

  it('ends a manager wait at its deadline when the manager that won the claim never publishes tokens', async () => {
    // Prepare: another instance claimed the swarm, then died before `swarm init`.
    await lab.putSwarmItem({ leader: { S: 'i-gone' } });

    // Act
    const result = await lab.run({ instance: 'i-2', role: 'manager', waitSeconds: 2, timeoutMs: 20_000 });

    // Assess
    expect(result.timedOut).toBe(false);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no manager join token after 2 s');
    expect(dockerCalls(lab.calls(), 'swarm', 'init')).toHaveLength(0);
    expect(signals(lab.calls())).toEqual([{ node: 'i-2', resource: 'ManagerAsg', status: 'FAILURE' }]);
  });

  it('fails at the deadline when tokens exist but no listed manager admits the node', async () => {
    await lab.putSwarmItem({ leader: { S: 'i-gone' }, mgr: { S: 'SWMTKN-1-manager' }, wrk: { S: 'SWMTKN-1-worker' }, addrs: { SS: ['10.0.99.10'] } });

    const result = await lab.run({ instance: 'i-11', role: 'worker', waitSeconds: 2, timeoutMs: 20_000 });

    expect(result.timedOut).toBe(false);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('no manager admitted this node in 2 s');
    expect(signals(lab.calls())).toEqual([{ node: 'i-11', resource: 'NodeAsg', status: 'FAILURE' }]);
  });
});

/** Where a call sits in the shared call log, which the stand-ins append to in the order things happen. */
const positionOf = (calls: Call[], node: string, match: (call: Call) => boolean) => calls.findIndex((call) => call.node === node && match(call));
const isDocker = (...prefix: string[]) => (call: Call) => call.tool === 'docker' && prefix.every((word, index) => call.args[index] === word);
const isAws = (service: string, operation: string, text = '') => (call: Call) =>
  call.tool === 'aws' && call.args[0] === service && call.args[1] === operation && call.args.join(' ').includes(text);
const completes = isAws('autoscaling', 'complete-lifecycle-action');

describe('draining and leaving before termination', () => {
  it('has a leaving worker ask the managers to drain it, wait until a manager saw its tasks move, then leave and complete the hook', async () => {
    // Prepare: a manager whose watcher runs, and a worker with two tasks that Auto Scaling terminates.
    expectSucceeded([await lab.run({ instance: 'i-1', role: 'manager' })]);
    expectSucceeded([await lab.run({ instance: 'i-11', role: 'worker' })]);
    lab.patchNode('i-11', { tasks: 2, drainMs: 300 });
    const watcher = lab.start({ instance: 'i-1', role: 'manager', command: 'watch', timeoutMs: 30_000 });

    // Act
    const result = await lab.run({ instance: 'i-11', role: 'worker', command: 'watch', lifecycleState: 'Terminated', timeoutMs: 30_000 });
    watcher.stop();
    await watcher.done;

    // Assess: worker asks → manager drains → manager sees nothing running and answers → worker leaves → hook completes.
    expectSucceeded([result]);
    expect(result.stderr).toContain('drained: tasks moved');
    const calls = lab.calls();
    const steps = [
      positionOf(calls, 'i-11', isAws('dynamodb', 'update-item', 'ADD draining')),
      positionOf(calls, 'i-1', (call) => isDocker('node', 'update', '--availability', 'drain', 'node-i-11')(call)),
      positionOf(calls, 'i-1', isAws('dynamodb', 'update-item', 'ADD drained')),
      positionOf(calls, 'i-11', isDocker('swarm', 'leave')),
      positionOf(calls, 'i-11', completes),
    ];
    expect(steps.every((step) => step >= 0)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(lab.node('i-11')).toMatchObject({ state: 'inactive', availability: 'drain' });
  });

  it('has a terminating manager drain itself, wait for its tasks to move, withdraw its address, demote itself, leave and let Auto Scaling go on', async () => {
    // Prepare
    expectSucceeded(await Promise.all(MANAGERS.map((instance) => lab.run({ instance, role: 'manager' }))));
    const leaving = 'i-2';
    lab.patchNode(leaving, { tasks: 1, drainMs: 300 });

    // Act: the watcher sees the lifecycle hook's target state.
    const result = await lab.run({ instance: leaving, role: 'manager', command: 'watch', lifecycleState: 'Terminated', timeoutMs: 20_000 });

    // Assess
    expectSucceeded([result]);
    expect(result.stderr).toContain('drained: tasks moved');
    const calls = lab.calls();
    const steps = [
      positionOf(calls, leaving, isDocker('node', 'update', '--availability', 'drain', `node-${leaving}`)),
      positionOf(calls, leaving, isDocker('node', 'ps')),
      positionOf(calls, leaving, isAws('dynamodb', 'update-item', 'DELETE addrs')),
      positionOf(calls, leaving, isDocker('node', 'demote')),
      positionOf(calls, leaving, isDocker('swarm', 'leave')),
      positionOf(calls, leaving, completes),
    ];
    expect(steps.every((step) => step >= 0)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    const complete = calls.find((call) => call.node === leaving && completes(call));
    expect(complete && [argument(complete, '--auto-scaling-group-name'), argument(complete, '--lifecycle-hook-name'), argument(complete, '--instance-id')]).toEqual([
      `${STACK_NAME}-managers`,
      'swarm-leave',
      leaving,
    ]);
    expect(lab.node(leaving)).toMatchObject({ state: 'inactive', role: 'worker', availability: 'drain' });
    const item = await lab.swarmItem();
    expect(item?.addrs?.SS).not.toContain(ipOf(leaving));
    expect(item?.gone?.SS).toEqual([`node-${leaving}`]);
  });

  it('lets a worker leave at the drain bound when no manager answers, and says so', async () => {
    // Prepare: no manager watcher runs, so nobody drains the worker.
    expectSucceeded([await lab.run({ instance: 'i-1', role: 'manager' })]);
    expectSucceeded([await lab.run({ instance: 'i-11', role: 'worker' })]);
    const started = Date.now();

    // Act
    const result = await lab.run({ instance: 'i-11', role: 'worker', command: 'leave', drainSeconds: 2, timeoutMs: 20_000 });

    // Assess
    expectSucceeded([result]);
    expect(result.stderr).toContain('tasks not moved after 2 s; leaving anyway');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(positionOf(lab.calls(), 'i-11', completes)).toBeGreaterThan(positionOf(lab.calls(), 'i-11', isDocker('swarm', 'leave')));
    expect(lab.node('i-11')).toMatchObject({ state: 'inactive' });
  });

  it('lets a manager whose tasks never stop leave at the drain bound, still demoted, and says so', async () => {
    expectSucceeded(await Promise.all(['i-1', 'i-2'].map((instance) => lab.run({ instance, role: 'manager' }))));
    lab.patchNode('i-2', { tasks: 3, stuck: true });

    const result = await lab.run({ instance: 'i-2', role: 'manager', command: 'leave', drainSeconds: 2, timeoutMs: 20_000 });

    expectSucceeded([result]);
    expect(result.stderr).toContain('tasks not moved after 2 s; leaving anyway');
    expect(dockerCalls(lab.calls(), 'node', 'demote')).toHaveLength(1);
    expect(lab.node('i-2')).toMatchObject({ state: 'inactive', role: 'worker' });
    expect(positionOf(lab.calls(), 'i-2', completes)).toBeGreaterThan(0);
  });

  it('lets the last manager leave by force when it cannot be demoted', async () => {
    expectSucceeded([await lab.run({ instance: 'i-1', role: 'manager' })]);

    const result = await lab.run({ instance: 'i-1', role: 'manager', command: 'leave', timeoutMs: 20_000 });

    expectSucceeded([result]);
    expect(dockerCalls(lab.calls(), 'swarm', 'leave', '--force')).toHaveLength(1);
    expect(lab.node('i-1')).toMatchObject({ state: 'inactive' });
  });
});

describe('a rolling update, node by node', () => {
  it('replaces the only manager without losing the swarm: the new one joins and signals first, then the old one drains, is demoted and leaves', async () => {
    // Prepare: a one-manager swarm with a worker; the UpdatePolicy launches the replacement before terminating the old.
    expectSucceeded([await lab.run({ instance: 'i-1', role: 'manager' })]);
    expectSucceeded([await lab.run({ instance: 'i-11', role: 'worker' })]);
    lab.patchNode('i-1', { tasks: 1, drainMs: 300 });

    // Act: the replacement boots (as cloud-init runs it: join, then signal), then Auto Scaling terminates the old one.
    const replacement = await lab.run({ instance: 'i-2', role: 'manager' });
    const old = await lab.run({ instance: 'i-1', role: 'manager', command: 'watch', lifecycleState: 'Terminated', timeoutMs: 20_000 });

    // Assess
    expectSucceeded([replacement, old]);
    const calls = lab.calls();
    const joined = positionOf(calls, 'i-2', isDocker('swarm', 'join'));
    const signalled = positionOf(calls, 'i-2', isAws('cloudformation', 'signal-resource', 'SUCCESS'));
    expect(joined).toBeGreaterThanOrEqual(0);
    expect(signalled).toBeGreaterThan(joined);
    expect(positionOf(calls, 'i-1', isDocker('node', 'update', '--availability', 'drain'))).toBeGreaterThan(signalled);
    expect(dockerCalls(calls, 'swarm', 'leave', '--force')).toHaveLength(0);
    expect(lab.node('i-2')).toMatchObject({ state: 'active', role: 'manager' });
    expect(lab.node('i-1')).toMatchObject({ state: 'inactive', role: 'worker' });
    expect(lab.node('i-11')).toMatchObject({ state: 'active' });
    expect((await lab.swarmItem())?.addrs?.SS).toEqual([ipOf('i-2')]);
  });
});

describe('worker permissions', () => {
  const UPDATE_KEYWORDS = new Set(['SET', 'ADD', 'DELETE', 'REMOVE']);

  it('keeps a worker within what WorkerRole allows: reads of pk, wrk, addrs and drained by name, writes of draining and gone only', async () => {
    // Prepare: a swarm with one manager (its watcher answers drain requests); a worker joins, then Auto Scaling terminates it.
    expectSucceeded([await lab.run({ instance: 'i-1', role: 'manager' })]);
    expectSucceeded([await lab.run({ instance: 'i-11', role: 'worker' })]);
    const watcher = lab.start({ instance: 'i-1', role: 'manager', command: 'watch', timeoutMs: 30_000 });

    // Act
    const result = await lab.run({ instance: 'i-11', role: 'worker', command: 'watch', lifecycleState: 'Terminated', timeoutMs: 30_000 });
    watcher.stop();
    await watcher.done;

    // Assess: the attributes each DynamoDB request names (the IAM condition key dynamodb:Attributes).
    expectSucceeded([result]);
    const requests = lab.calls().filter((call) => call.node === 'i-11' && call.tool === 'aws' && call.args[0] === 'dynamodb');
    const named = requests.map((call) => {
      const expression = argument(call, call.args[1] === 'get-item' ? '--projection-expression' : '--update-expression') ?? '';
      const names = expression.replace(/:\w+/g, ' ').split(/[^\w#]+/).filter((word) => word && !UPDATE_KEYWORDS.has(word));
      return [call.args[1], ...new Set(names)].join(' ');
    });
    expect(new Set(named)).toEqual(new Set(['get-item wrk', 'get-item addrs', 'get-item drained', 'update-item draining', 'update-item gone']));
    expect(requests.every((call) => argument(call, '--key') === '{"pk":{"S":"swarm"}}')).toBe(true);
  });
});

describe('tidy (managers)', () => {
  it('copies engine labels of unlabelled nodes into node labels and removes nodes that left, with their drain answers', async () => {
    // Prepare: a manager, a new worker with only engine labels, and a departed worker recorded as gone.
    expectSucceeded([await lab.run({ instance: 'i-1', role: 'manager' })]);
    lab.seedNode({ instance: 'i-31', state: 'active', role: 'worker', engineLabels: { az: 'us-east-1b', 'instance-type': 't3.small', role: 'worker' } });
    lab.seedNode({ instance: 'i-32', state: 'inactive', role: 'worker' });
    await lab.putSwarmItem({ ...((await lab.swarmItem()) ?? {}), gone: { SS: ['node-i-32'] }, drained: { SS: ['node-i-32'] }, draining: { SS: ['node-i-32'] } });

    // Act
    const result = await lab.run({ instance: 'i-1', role: 'manager', command: 'tidy', timeoutMs: 20_000 });

    // Assess
    expectSucceeded([result]);
    expect(lab.node('i-31')?.labels).toEqual({ az: 'us-east-1b', 'instance-type': 't3.small', role: 'worker' });
    expect(lab.node('i-32')).toBeUndefined();
    expect((await lab.swarmItem())?.gone).toBeUndefined();
    expect((await lab.swarmItem())?.drained).toBeUndefined();
    expect((await lab.swarmItem())?.draining).toBeUndefined();
    expect(dockerCalls(lab.calls(), 'node', 'update').filter((call) => call.args.at(-1) === 'node-i-1')).toHaveLength(1);
  });
});
