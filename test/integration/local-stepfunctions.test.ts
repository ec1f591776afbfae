import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  InvalidName,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  type LocalStateMachineDefinition,
  type LocalStepFunctions,
  startLocalStepFunctions,
  type TaskHandler,
} from '../../sandbox/stepfunctions';

const lambdaArn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

class TransientAwsError extends Error {
  override readonly name = 'TransientAwsError';
}
class StackFailedError extends Error {
  override readonly name = 'StackFailedError';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise the test opens by hand, to hold a task handler mid-flight. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(20);
    last = await probe();
  }
  return last;
}

let sfn: LocalStepFunctions | undefined;
let client: SFNClient | undefined;
let consoleLines: string[] = [];

async function start(...stateMachines: LocalStateMachineDefinition[]): Promise<{ sfn: LocalStepFunctions; client: SFNClient }> {
  sfn = await startLocalStepFunctions({
    stateMachines,
    onEvent: (message, details) => consoleLines.push(`${message} ${JSON.stringify(details)}`),
  });
  client = new SFNClient({
    endpoint: sfn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return { sfn, client };
}

function machine(name: string, definition: object, taskHandlers: Record<string, TaskHandler>, extra: Partial<LocalStateMachineDefinition> = {}): LocalStateMachineDefinition {
  const substitutions = Object.fromEntries(Object.keys(taskHandlers).map((fn) => [`${fn}FunctionArn`, lambdaArn(fn)]));
  const handlers = Object.fromEntries(Object.entries(taskHandlers).map(([fn, handler]) => [lambdaArn(fn), handler]));
  return { name, definition: JSON.stringify(definition, null, 2), substitutions, taskHandlers: handlers, ...extra };
}

async function runToEnd(target: SFNClient, stateMachineArn: string, input: unknown, timeoutMs = 5000): Promise<DescribeExecutionCommandOutput> {
  const { executionArn } = await target.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  return eventually(
    () => target.send(new DescribeExecutionCommand({ executionArn })),
    (execution) => execution.status !== 'RUNNING',
    `${executionArn} to end`,
    timeoutMs,
  );
}

async function history(target: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const { events = [] } = await target.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events;
}

beforeEach(() => {
  consoleLines = [];
});

afterEach(async () => {
  client?.destroy();
  await sfn?.idle();
  await sfn?.close();
  sfn = undefined;
  client = undefined;
});

const greetDefinition = {
  StartAt: 'Greet',
  States: {
    Greet: { Type: 'Task', Resource: '${GreetFunctionArn}', ResultPath: '$.greeting', Next: 'Describe' },
    Describe: {
      Type: 'Pass',
      Parameters: { 'greeting.$': '$.greeting', 'execution.$': '$$.Execution.Name', 'stateMachine.$': '$$.StateMachine.Name' },
      End: true,
    },
  },
};

describe('local Step Functions endpoint', () => {
  it('runs a workflow to success and returns its output', async () => {
    // Prepare
    const { sfn, client } = await start(
      machine('greeter', greetDefinition, { Greet: async (input) => `hello ${(input as { who: string }).who}` }),
    );
    const stateMachineArn = sfn.stateMachineArn('greeter');

    // Act
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'first', input: '{"who":"swarm"}' }));
    const execution = await eventually(
      () => client.send(new DescribeExecutionCommand({ executionArn })),
      (described) => described.status !== 'RUNNING',
      'greeter to end',
    );

    // Assess
    expect(execution).toMatchObject({ status: 'SUCCEEDED', name: 'first', stateMachineArn, input: '{"who":"swarm"}' });
    expect(JSON.parse(execution.output ?? 'null')).toEqual({ greeting: 'hello swarm', execution: 'first', stateMachine: 'greeter' });
    expect(execution.startDate).toBeInstanceOf(Date);
    expect(execution.stopDate!.getTime()).toBeGreaterThanOrEqual(execution.startDate!.getTime());
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:greeter:first');
    expect(sfn.transitionCount(executionArn)).toBe(2);
    expect(consoleLines).toEqual(
      expect.arrayContaining([expect.stringMatching(/^state entered .*"state":"Greet"/), expect.stringMatching(/^execution succeeded /)]),
    );
  });

  it('retries a task on the error name it throws, then succeeds', async () => {
    // Prepare
    let calls = 0;
    const definition = {
      StartAt: 'CreateStack',
      States: {
        CreateStack: {
          Type: 'Task',
          Resource: '${CreateStackFunctionArn}',
          Retry: [{ ErrorEquals: ['TransientAwsError'], IntervalSeconds: 30, MaxAttempts: 3 }],
          End: true,
        },
      },
    };
    const { sfn, client } = await start(
      machine(
        'retrying',
        definition,
        {
          CreateStack: async () => {
            calls += 1;
            if (calls < 3) throw new TransientAwsError('CloudFormation throttled');
            return { stackId: 'stack-1' };
          },
        },
        { retryIntervalOverrides: { CreateStack: 0 } },
      ),
    );

    // Act
    const execution = await runToEnd(client, sfn.stateMachineArn('retrying'), {});

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? 'null')).toEqual({ stackId: 'stack-1' });
    expect(calls).toBe(3);
    expect(sfn.transitionCount(execution.executionArn)).toBe(3);
    const types = (await history(client, execution.executionArn!)).map((event) => event.type);
    expect(types.filter((type) => type === 'LambdaFunctionFailed')).toHaveLength(2);
    expect(types.filter((type) => type === 'LambdaFunctionScheduled')).toHaveLength(3);
  });

  it('fails without retrying when the thrown error name is not in ErrorEquals, reporting it like a Lambda error', async () => {
    // Prepare
    let calls = 0;
    const definition = {
      StartAt: 'CreateStack',
      States: {
        CreateStack: { Type: 'Task', Resource: '${CreateStackFunctionArn}', Retry: [{ ErrorEquals: ['TransientAwsError'], MaxAttempts: 3 }], End: true },
      },
    };
    const { sfn, client } = await start(
      machine('not-retrying', definition, {
        CreateStack: async () => {
          calls += 1;
          throw new TypeError('bad template');
        },
      }),
    );

    // Act
    const execution = await runToEnd(client, sfn.stateMachineArn('not-retrying'), {});

    // Assess
    expect(calls).toBe(1);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'TypeError' });
    expect(JSON.parse(execution.cause ?? 'null')).toEqual({ errorType: 'TypeError', errorMessage: 'bad template' });
    const failed = (await history(client, execution.executionArn!)).find((event) => event.type === 'LambdaFunctionFailed');
    expect(failed?.lambdaFunctionFailedEventDetails).toMatchObject({ error: 'TypeError' });
  });

  it('catches a named task error and continues in the fallback state', async () => {
    // Prepare
    const definition = {
      StartAt: 'CreateStack',
      States: {
        CreateStack: {
          Type: 'Task',
          Resource: '${CreateStackFunctionArn}',
          Catch: [{ ErrorEquals: ['StackFailedError'], ResultPath: '$.failure', Next: 'MarkFailed' }],
          End: true,
        },
        MarkFailed: { Type: 'Task', Resource: '${MarkFailedFunctionArn}', End: true },
      },
    };
    const { sfn, client } = await start(
      machine('catching', definition, {
        CreateStack: async () => {
          throw new StackFailedError('ROLLBACK_COMPLETE');
        },
        MarkFailed: async (input) => ({ marked: input }),
      }),
    );

    // Act
    const execution = await runToEnd(client, sfn.stateMachineArn('catching'), { clusterId: 'c-1' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const { marked } = JSON.parse(execution.output ?? 'null') as { marked: { clusterId: string; failure: { Error: string; Cause: string } } };
    expect(marked.clusterId).toBe('c-1');
    expect(marked.failure.Error).toBe('StackFailedError');
    expect(JSON.parse(marked.failure.Cause)).toEqual({ errorType: 'StackFailedError', errorMessage: 'ROLLBACK_COMPLETE' });
  });

  it('times a slow task out with States.Timeout, which States.TaskFailed does not catch', async () => {
    // Prepare
    const definition = {
      StartAt: 'WaitForNodes',
      States: {
        WaitForNodes: {
          Type: 'Task',
          Resource: '${WaitForNodesFunctionArn}',
          TimeoutSeconds: 1,
          Catch: [
            { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'WrongFallback' },
            { ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'TimedOut' },
          ],
          End: true,
        },
        WrongFallback: { Type: 'Fail', Error: 'WrongFallback' },
        TimedOut: { Type: 'Pass', End: true },
      },
    };
    const { sfn, client } = await start(
      machine('slow-task', definition, {
        WaitForNodes: async () => {
          await sleep(1500);
          return 'too late';
        },
      }),
    );

    // Act
    const execution = await runToEnd(client, sfn.stateMachineArn('slow-task'), {});

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? 'null')).toMatchObject({ failure: { Error: 'States.Timeout' } });
    await sfn.idle();
    const types = (await history(client, execution.executionArn!)).map((event) => event.type);
    expect(types).toContain('LambdaFunctionTimedOut');
    // The late result of the abandoned call must not show up as a success.
    expect(types).not.toContain('LambdaFunctionSucceeded');
  });

  it('ends as TIMED_OUT with States.Timeout when the machine TimeoutSeconds elapses', async () => {
    // Prepare
    const definition = { TimeoutSeconds: 1, StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 600, End: true } } };
    const { sfn, client } = await start(machine('slow-machine', definition, {}));

    // Act
    const execution = await runToEnd(client, sfn.stateMachineArn('slow-machine'), {});

    // Assess
    expect(execution).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const types = (await history(client, execution.executionArn!)).map((event) => event.type);
    expect(types.at(-1)).toBe('ExecutionTimedOut');
  });

  it('aborts a running execution on StopExecution and runs no further state', async () => {
    // Prepare
    const held = gate();
    let entered = false;
    let nextCalled = false;
    const definition = {
      StartAt: 'Hold',
      States: {
        Hold: { Type: 'Task', Resource: '${HoldFunctionArn}', Next: 'After' },
        After: { Type: 'Task', Resource: '${AfterFunctionArn}', End: true },
      },
    };
    const { sfn, client } = await start(
      machine('stoppable', definition, {
        Hold: async () => {
          entered = true;
          await held.opened;
          return {};
        },
        After: async () => {
          nextCalled = true;
          return {};
        },
      }),
    );
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn('stoppable') }));
    await eventually(async () => entered, (value) => value, 'the Hold task to start');

    // Act
    const { stopDate } = await client.send(new StopExecutionCommand({ executionArn, error: 'ClusterDeleted', cause: 'deleted by user' }));
    held.open();
    await sfn.idle();

    // Assess
    expect(stopDate).toBeInstanceOf(Date);
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'ClusterDeleted', cause: 'deleted by user' });
    expect(nextCalled).toBe(false);
    const events = await history(client, executionArn!);
    expect(events.at(-1)?.type).toBe('ExecutionAborted');
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual({ error: 'ClusterDeleted', cause: 'deleted by user' });
  });

  it('treats a repeated start with the same name and input as the same execution while it runs', async () => {
    // Prepare
    const held = gate();
    const definition = { StartAt: 'Hold', States: { Hold: { Type: 'Task', Resource: '${HoldFunctionArn}', End: true } } };
    const { sfn, client } = await start(machine('idempotent', definition, { Hold: async () => held.opened.then(() => ({})) }));
    const stateMachineArn = sfn.stateMachineArn('idempotent');
    const request = { stateMachineArn, name: 'cluster-1', input: '{"clusterId":"cluster-1"}' };

    // Act
    const first = await client.send(new StartExecutionCommand(request));
    const second = await client.send(new StartExecutionCommand(request));

    // Assess
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate).toEqual(first.startDate);
    const { executions = [] } = await client.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(executions).toHaveLength(1);
    held.open();
  });

  it('rejects a start with a used name and a different input, and any start with the name of a closed execution', async () => {
    // Prepare
    const held = gate();
    const definition = { StartAt: 'Hold', States: { Hold: { Type: 'Task', Resource: '${HoldFunctionArn}', End: true } } };
    const { sfn, client } = await start(machine('conflicting', definition, { Hold: async () => held.opened.then(() => ({})) }));
    const stateMachineArn = sfn.stateMachineArn('conflicting');
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'cluster-1', input: '{"size":3}' }));

    // Act
    const differentInput = client.send(new StartExecutionCommand({ stateMachineArn, name: 'cluster-1', input: '{"size":5}' }));

    // Assess
    await expect(differentInput).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    held.open();
    await eventually(
      () => client.send(new DescribeExecutionCommand({ executionArn })),
      (execution) => execution.status === 'SUCCEEDED',
      'the first execution to succeed',
    );
    // AWS only deduplicates against an open execution; a closed one keeps its name for 90 days.
    await expect(client.send(new StartExecutionCommand({ stateMachineArn, name: 'cluster-1', input: '{"size":3}' }))).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );
  });

  it('answers unknown executions, unknown state machines, malformed ARNs and bad names with the named AWS errors', async () => {
    // Prepare
    const { sfn, client } = await start(machine('greeter', greetDefinition, { Greet: async () => 'hi' }));
    const missingExecution = 'arn:aws:states:us-east-1:000000000000:execution:greeter:nope';
    const missingMachine = 'arn:aws:states:us-east-1:000000000000:stateMachine:nope';

    // Act + Assess
    await expect(client.send(new DescribeExecutionCommand({ executionArn: missingExecution }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(client.send(new GetExecutionHistoryCommand({ executionArn: missingExecution }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(client.send(new StopExecutionCommand({ executionArn: missingExecution }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: missingMachine }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(client.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' }))).rejects.toBeInstanceOf(InvalidArn);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn('greeter'), name: 'has space' })),
    ).rejects.toBeInstanceOf(InvalidName);
  });

  it('shortens a Wait state with waitTimeOverrides', async () => {
    // Prepare
    const definition = { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 3600, End: true } } };
    const { sfn, client } = await start(machine('waiting', definition, {}, { waitTimeOverrides: { Pause: 10 } }));

    // Act
    const execution = await runToEnd(client, sfn.stateMachineArn('waiting'), { a: 1 }, 3000);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? 'null')).toEqual({ a: 1 });
  });

  it('does not time out at once when TimeoutSeconds is too long for a Node timer', async () => {
    // Prepare
    const definition = { TimeoutSeconds: 99999999, StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 1, End: true } } };
    const { sfn, client } = await start(machine('patient', definition, {}, { waitTimeOverrides: { Pause: 50 } }));

    // Act
    const execution = await runToEnd(client, sfn.stateMachineArn('patient'), {});

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('returns an AWS-shaped execution history, in pages and in reverse', async () => {
    // Prepare
    const { sfn, client } = await start(machine('greeter', greetDefinition, { Greet: async () => 'hi' }));
    const execution = await runToEnd(client, sfn.stateMachineArn('greeter'), { who: 'x' });
    const executionArn = execution.executionArn!;

    // Act
    const events = await history(client, executionArn);
    const firstPage = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2, reverseOrder: true }));
    const secondPage = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 2, reverseOrder: true, nextToken: firstPage.nextToken }),
    );

    // Assess
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(events[0]?.executionStartedEventDetails?.input).toBe('{"who":"x"}');
    expect(events[2]?.lambdaFunctionScheduledEventDetails).toMatchObject({ resource: lambdaArn('Greet'), input: '{"who":"x"}' });
    expect(events[4]?.lambdaFunctionSucceededEventDetails?.output).toBe('"hi"');
    expect(firstPage.events?.map((event) => event.id)).toEqual([9, 8]);
    expect(secondPage.events?.map((event) => event.id)).toEqual([7, 6]);
  });

  it('runs tasks nested in Parallel branches and Map iterators with their local handlers', async () => {
    // Prepare
    const definition = {
      StartAt: 'FanOut',
      States: {
        FanOut: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Left', States: { Left: { Type: 'Task', Resource: '${LeftFunctionArn}', End: true } } },
            {
              StartAt: 'EachNode',
              States: {
                EachNode: {
                  Type: 'Map',
                  ItemsPath: '$.nodes',
                  Iterator: { StartAt: 'Probe', States: { Probe: { Type: 'Task', Resource: '${ProbeFunctionArn}', End: true } } },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    };
    const { sfn, client } = await start(
      machine('nested', definition, {
        Left: async () => 'left',
        Probe: async (node) => `probed ${String(node)}`,
      }),
    );

    // Act
    const execution = await runToEnd(client, sfn.stateMachineArn('nested'), { nodes: ['a', 'b'] });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? 'null')).toEqual(['left', ['probed a', 'probed b']]);
    // FanOut, Left, EachNode and Probe twice.
    expect(sfn.transitionCount(execution.executionArn)).toBe(5);
    expect(sfn.transitionCount()).toBe(5);
  });

  it('describes and lists state machines with the definition as substituted', async () => {
    // Prepare
    const { sfn, client } = await start(machine('greeter', greetDefinition, { Greet: async () => 'hi' }));
    const stateMachineArn = sfn.stateMachineArn('greeter');
    const done = await runToEnd(client, stateMachineArn, { who: 'x' });

    // Act
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const { stateMachines = [] } = await client.send(new ListStateMachinesCommand({}));
    const succeeded = await client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }));
    const failed = await client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED' }));

    // Assess
    expect(described).toMatchObject({ name: 'greeter', status: 'ACTIVE', type: 'STANDARD' });
    expect(described.definition).toContain(lambdaArn('Greet'));
    expect(described.definition).not.toContain('${');
    expect(stateMachines.map((listed) => listed.name)).toEqual(['greeter']);
    expect(succeeded.executions?.map((listed) => listed.executionArn)).toEqual([done.executionArn]);
    expect(failed.executions).toEqual([]);
  });

  it('refuses to start when a placeholder has no substitution, naming the token', async () => {
    // Prepare
    const definition = machine('broken', greetDefinition, {});

    // Act
    const starting = startLocalStepFunctions({ stateMachines: [definition] });

    // Assess
    await expect(starting).rejects.toThrow('${GreetFunctionArn}');
  });

  it('refuses to start when a Task state has no local handler, naming the state', async () => {
    // Prepare
    const definition = { ...machine('unhandled', greetDefinition, { Greet: async () => 'hi' }), taskHandlers: {} };

    // Act
    const starting = startLocalStepFunctions({ stateMachines: [definition] });

    // Assess
    await expect(starting).rejects.toThrow(/Task state Greet calls arn:aws:lambda:.*:function:Greet, which has no local task handler/);
  });
});
