/**
 * The sandbox's EventBridge: the local bus (routing by pattern, asynchronous targets, failures logged) and the rules
 * read from serverless.yml as written. EventBridge invokes a Lambda target asynchronously and the sender only learns
 * that PutEvents accepted the event (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html), so
 * put() returns before any target runs and never throws a target's failure.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { eventRulesFromServerless, ServerlessRulesError, startLocalEventBridgeApi, startLocalEventBus, type AwsEvent } from '../../sandbox/eventbridge';
import { localResourceValue, LOCAL_STAGE, startLocalEvents } from '../../sandbox/events';
import { DIAGNOSTICS_EVENT_SOURCE, localStateMachineArn, SLACK_COMMAND_SOURCE } from '../../sandbox/environment';
import { DIAGNOSTICS_REQUESTED } from '../../src/domain/diagnostics';
import { CHAT_COMMAND_RECEIVED } from '../../src/domain/chatops';
import { WORKFLOWS } from '../../src/handlers/workflow/registry';

const stackEvent = (status: string) => ({
  source: 'aws.cloudformation',
  'detail-type': 'CloudFormation Stack Status Change',
  resources: ['arn:aws:cloudformation:us-east-1:000000000000:stack/swarm-c-1/abc'],
  detail: { 'stack-id': 'arn:aws:cloudformation:us-east-1:000000000000:stack/swarm-c-1/abc', 'status-details': { status, 'status-reason': '' } },
});

describe('local EventBridge bus', () => {
  it('delivers an event to every rule whose pattern matches, after put() has returned, with the envelope filled', async () => {
    const received: Record<string, AwsEvent[]> = { final: [], any: [], ec2: [] };
    const bus = startLocalEventBus({
      log: () => undefined,
      rules: [
        { name: 'final', pattern: { source: ['aws.cloudformation'], detail: { 'status-details': { status: [{ suffix: '_COMPLETE' }] } } }, target: (event) => received.final!.push(event) },
        { name: 'any', pattern: { source: ['aws.cloudformation'] }, target: (event) => received.any!.push(event) },
        { name: 'ec2', pattern: { source: ['aws.ec2'] }, target: (event) => received.ec2!.push(event) },
      ],
    });

    bus.put(stackEvent('CREATE_IN_PROGRESS'));
    bus.put(stackEvent('CREATE_COMPLETE'));
    expect(received.any).toHaveLength(0);
    await bus.idle();

    expect(received.any!.map((event) => event.detail['status-details'].status)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(received.final!.map((event) => event.detail['status-details'].status)).toEqual(['CREATE_COMPLETE']);
    expect(received.ec2).toHaveLength(0);
    expect(received.final![0]).toMatchObject({ version: '0', id: expect.any(String), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), region: 'us-east-1', account: '000000000000' });
    await bus.close();
  });

  it('logs a failing target and still delivers to the other rules', async () => {
    const lines: string[] = [];
    const delivered: string[] = [];
    const bus = startLocalEventBus({
      log: (line) => lines.push(line),
      rules: [
        {
          name: 'broken',
          pattern: { source: ['aws.cloudformation'] },
          target: async () => {
            throw new Error('table not found');
          },
        },
        { name: 'working', pattern: { source: ['aws.cloudformation'] }, target: (event) => delivered.push(event.id) },
      ],
    });

    expect(() => bus.put(stackEvent('CREATE_COMPLETE'))).not.toThrow();
    await bus.idle();

    expect(delivered).toHaveLength(1);
    expect(lines).toEqual([expect.stringContaining('rule broken failed on CloudFormation Stack Status Change')]);
    expect(lines[0]).toContain('table not found');
    await bus.close();
  });

  it('holds deliveries until it is ready, and drops what it holds if closed first', async () => {
    const delivered: string[] = [];
    let open: () => void = () => undefined;
    const bus = startLocalEventBus({
      log: () => undefined,
      ready: new Promise<void>((resolve) => {
        open = resolve;
      }),
      rules: [{ name: 'all', pattern: { source: ['aws.cloudformation'] }, target: (event) => delivered.push(event.detail['status-details'].status) }],
    });

    bus.put(stackEvent('CREATE_IN_PROGRESS'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivered).toEqual([]);
    open();
    await bus.idle();
    expect(delivered).toEqual(['CREATE_IN_PROGRESS']);

    const neverReady = startLocalEventBus({ log: () => undefined, ready: new Promise(() => undefined), rules: [{ name: 'all', pattern: { source: ['aws.cloudformation'] }, target: () => delivered.push('late') }] });
    neverReady.put(stackEvent('CREATE_COMPLETE'));
    await neverReady.close();
    expect(delivered).toEqual(['CREATE_IN_PROGRESS']);
    await bus.close();
  });

  it('refuses a rule whose pattern EventBridge would refuse', () => {
    expect(() => startLocalEventBus({ log: () => undefined, rules: [{ name: 'bad', pattern: { source: 'aws.ec2' } as never, target: () => undefined }] })).toThrow(/rule bad/);
  });
});

describe('rules from serverless.yml', () => {
  it("reads the execution-ended rule as written, with the state machines' !Ref resolved to their local ARNs", () => {
    const rules = eventRulesFromServerless({ stage: LOCAL_STAGE, region: 'us-east-1', resolveResource: localResourceValue });

    expect(rules.find((rule) => rule.functionName === 'executionEnded')).toEqual({
      functionName: 'executionEnded',
      ruleName: 'executionEnded-rule-1',
      pattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          // The ARNs the sandbox's state machines have: the pattern deploys and runs locally with the same names.
          stateMachineArn: [localStateMachineArn(WORKFLOWS.createCluster), localStateMachineArn(WORKFLOWS.deleteCluster), localStateMachineArn(WORKFLOWS.updateCluster)],
        },
      },
    });
  });

  it('resolves ${self:...}, ${sls:stage}, ${opt:...} with fallbacks and !GetAtt, and names what it cannot resolve', () => {
    const dir = mkdtempSync(join(tmpdir(), 'serverless-rules-'));
    const path = join(dir, 'serverless.yml');
    writeFileSync(
      path,
      [
        'service: demo',
        'provider: { stage: "${opt:stage, \'dev\'}" }',
        'custom: { prefix: "swarm-${sls:stage}-" }',
        'functions:',
        '  onStack:',
        '    events:',
        '      - eventBridge:',
        '          pattern:',
        '            source: [aws.cloudformation]',
        '            detail:',
        '              stack-name: [{ prefix: "${self:custom.prefix}" }]',
        '              stage: ["${self:provider.stage}"]',
        '              target: [!GetAtt OnStackLambdaFunction.Arn]',
        '      - eventBridge: { schedule: rate(1 minute) }',
        '  broken:',
        '    events:',
        '      - eventBridge: { pattern: { resources: [!Ref SomethingElse] } }',
      ].join('\n'),
    );

    expect(() => eventRulesFromServerless({ path, stage: 'local', region: 'us-east-1', resolveResource: localResourceValue })).toThrow(ServerlessRulesError);
    expect(() => eventRulesFromServerless({ path, stage: 'local', region: 'us-east-1', resolveResource: localResourceValue })).toThrow(/!Ref SomethingElse/);

    const rules = eventRulesFromServerless({ path, stage: 'local', region: 'us-east-1', resolveResource: (id, attribute) => (id === 'SomethingElse' ? 'arn:x' : localResourceValue(id, attribute, undefined)) });
    expect(rules).toEqual([
      {
        functionName: 'onStack',
        ruleName: 'onStack-rule-1',
        pattern: {
          source: ['aws.cloudformation'],
          detail: { 'stack-name': [{ prefix: 'swarm-local-' }], stage: ['local'], target: ['arn:aws:lambda:us-east-1:000000000000:function:swarm-provisioner-local-onStack'] },
        },
      },
      { functionName: 'broken', ruleName: 'broken-rule-1', pattern: { resources: ['arn:x'] } },
    ]);
  });
});

describe("the sandbox's event routing (sandbox/events.ts)", () => {
  const statusChange = (stateMachineArn: string, status: string) => ({
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: { executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:c-1`, stateMachineArn, name: 'c-1', status, input: '{"clusterId":"c-1"}' },
  });

  it('hands an ended create or delete execution to executionEnded, and nothing else', async () => {
    const handled: unknown[] = [];
    const bus = startLocalEvents({
      deps: () => ({}) as never,
      ready: Promise.resolve(),
      log: () => undefined,
      functions: {
        executionEnded: () => async (event) => void handled.push(event.detail),
        stackEvents: () => async () => undefined,
        instanceEvents: () => async () => undefined,
        autoScalingEvents: () => async () => undefined,
        slackWorker: () => async () => undefined,
        diagnosticsCollector: () => async () => undefined,
      },
    });

    bus.put(statusChange(localStateMachineArn(WORKFLOWS.createCluster), 'TIMED_OUT'));
    bus.put(statusChange(localStateMachineArn(WORKFLOWS.deleteCluster), 'ABORTED'));
    bus.put(statusChange(localStateMachineArn(WORKFLOWS.createCluster), 'SUCCEEDED'));
    bus.put(statusChange(localStateMachineArn(WORKFLOWS.deliverWebhook), 'FAILED'));
    await bus.close();

    expect(handled).toEqual([
      expect.objectContaining({ stateMachineArn: localStateMachineArn(WORKFLOWS.createCluster), status: 'TIMED_OUT' }),
      expect.objectContaining({ stateMachineArn: localStateMachineArn(WORKFLOWS.deleteCluster), status: 'ABORTED' }),
    ]);
  });

  it('refuses to start when serverless.yml routes events to a function without a row in EVENT_FUNCTIONS', () => {
    const noop = () => async () => undefined;
    expect(() => startLocalEvents({ deps: () => ({}) as never, ready: Promise.resolve(), log: () => undefined, functions: { stackEvents: noop, instanceEvents: noop, autoScalingEvents: noop, slackWorker: noop, diagnosticsCollector: noop } })).toThrow(
      /executionEnded, which has no row in EVENT_FUNCTIONS/,
    );
  });

  it('hands our stacks’ CloudFormation events to stackEvents, instance state changes to instanceEvents and our groups’ launches to autoScalingEvents, by the patterns that deploy', async () => {
    const handled: { fn: string; event: { 'detail-type': string; detail: Record<string, unknown> } }[] = [];
    const recorder = (fn: string) => () => async (event: any) => void handled.push({ fn, event });
    const bus = startLocalEvents({
      deps: () => ({}) as never,
      ready: Promise.resolve(),
      log: () => undefined,
      functions: { executionEnded: recorder('executionEnded'), stackEvents: recorder('stackEvents'), instanceEvents: recorder('instanceEvents'), autoScalingEvents: recorder('autoScalingEvents'), slackWorker: recorder('slackWorker'), diagnosticsCollector: recorder('diagnosticsCollector') },
    });
    const stack = (name: string, type: string) => ({
      source: 'aws.cloudformation',
      'detail-type': type,
      detail: { 'stack-id': `arn:aws:cloudformation:us-east-1:000000000000:stack/${name}/6a7e8feb-b491-4cf7-a9f1-bf3703467718`, 'status-details': { status: 'CREATE_COMPLETE', 'status-reason': '' } },
    });
    const instance = (state: string) => ({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: { 'instance-id': 'i-0123', state } });

    bus.put(stack('swarm-c-01jd1', 'CloudFormation Stack Status Change'));
    bus.put(stack('swarm-c-01jd1', 'CloudFormation Resource Status Change'));
    bus.put(stack('someone-elses', 'CloudFormation Stack Status Change'));
    bus.put(stack('swarm-c-01jd1', 'CloudFormation Drift Detection Status Change'));
    const group = (name: string, type: string) => ({ source: 'aws.autoscaling', 'detail-type': type, detail: { AutoScalingGroupName: name, EC2InstanceId: 'i-0456' } });

    bus.put(instance('shutting-down'));
    bus.put(instance('terminated'));
    bus.put(instance('rebooting'));
    bus.put(group('swarm-c-01jd1-workers', 'EC2 Instance Launch Successful'));
    bus.put(group('swarm-c-01jd1-workers', 'EC2 Instance Terminate Successful'));
    bus.put(group('swarm-c-01jd1-workers', 'EC2 Instance Launch Unsuccessful'));
    bus.put(group('someone-elses-asg', 'EC2 Instance Launch Successful'));
    await bus.close();

    expect(handled.map(({ fn, event }) => `${fn}: ${event['detail-type']} ${String(event.detail.state ?? event.detail.AutoScalingGroupName ?? '')}`.trim())).toEqual([
      'stackEvents: CloudFormation Stack Status Change',
      'stackEvents: CloudFormation Resource Status Change',
      'instanceEvents: EC2 Instance State-change Notification shutting-down',
      'instanceEvents: EC2 Instance State-change Notification terminated',
      'autoScalingEvents: EC2 Instance Launch Successful swarm-c-01jd1-workers',
      'autoScalingEvents: EC2 Instance Terminate Successful swarm-c-01jd1-workers',
    ]);
  });

  it('hands this deployment’s chat commands to slackWorker, and not another stage’s or another detail-type', async () => {
    const handled: unknown[] = [];
    const noop = () => async () => undefined;
    const bus = startLocalEvents({
      deps: () => ({}) as never,
      ready: Promise.resolve(),
      log: () => undefined,
      functions: { executionEnded: noop, stackEvents: noop, instanceEvents: noop, autoScalingEvents: noop, diagnosticsCollector: noop, slackWorker: () => async (event) => void handled.push(event.detail) },
    });

    bus.put({ source: SLACK_COMMAND_SOURCE, 'detail-type': CHAT_COMMAND_RECEIVED, detail: { triggerId: 'ours' } });
    bus.put({ source: 'swarm-provisioner.prod.chatops', 'detail-type': CHAT_COMMAND_RECEIVED, detail: { triggerId: 'prod' } });
    bus.put({ source: SLACK_COMMAND_SOURCE, 'detail-type': 'Chat Command Answered', detail: { triggerId: 'other type' } });
    await bus.close();

    expect(handled).toEqual([{ triggerId: 'ours' }]);
  });

  it('hands this deployment’s diagnostics requests to diagnosticsCollector, and not another stage’s or the chat worker’s', async () => {
    const collected: unknown[] = [];
    const chats: unknown[] = [];
    const noop = () => async () => undefined;
    const bus = startLocalEvents({
      deps: () => ({}) as never,
      ready: Promise.resolve(),
      log: () => undefined,
      functions: {
        executionEnded: noop,
        stackEvents: noop,
        instanceEvents: noop,
        autoScalingEvents: noop,
        slackWorker: () => async (event) => void chats.push(event.detail),
        diagnosticsCollector: () => async (event) => void collected.push(event.detail),
      },
    });

    bus.put({ source: DIAGNOSTICS_EVENT_SOURCE, 'detail-type': DIAGNOSTICS_REQUESTED, detail: { clusterId: 'c-1', requestId: 'ours' } });
    bus.put({ source: 'swarm-provisioner.prod.diagnostics', 'detail-type': DIAGNOSTICS_REQUESTED, detail: { clusterId: 'c-1', requestId: 'prod' } });
    bus.put({ source: SLACK_COMMAND_SOURCE, 'detail-type': DIAGNOSTICS_REQUESTED, detail: { clusterId: 'c-1', requestId: 'chat source' } });
    await bus.close();

    expect(collected).toEqual([{ clusterId: 'c-1', requestId: 'ours' }]);
    expect(chats).toEqual([]);
  });
});

describe('the local PutEvents endpoint (sandbox/eventbridge/api.ts), through the SDK’s EventBridge client', () => {
  let received: AwsEvent[];
  let bus: ReturnType<typeof startLocalEventBus>;
  let api: Awaited<ReturnType<typeof startLocalEventBridgeApi>>;
  let client: EventBridgeClient;
  const entry = (overrides: Record<string, unknown> = {}) => ({ Source: 'com.example.test', DetailType: 'Thing Happened', Detail: '{"n":1}', ...overrides });

  beforeEach(async () => {
    received = [];
    bus = startLocalEventBus({ log: () => undefined, region: 'us-east-1', account: '000000000000', rules: [{ name: 'all', pattern: { source: [{ prefix: '' }] }, target: (event) => received.push(event) }] });
    api = await startLocalEventBridgeApi({ bus, region: 'us-east-1', account: '000000000000', log: () => undefined });
    client = new EventBridgeClient({ region: 'us-east-1', endpoint: api.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await api.close();
    await bus.close();
  });

  it('puts each entry on the bus as EventBridge delivers it: the envelope stamped by the bus, the detail parsed, the ids answered', async () => {
    const result = await client.send(new PutEventsCommand({ Entries: [entry(), entry({ Detail: '{"n":2}', Resources: ['arn:aws:s3:::bucket'], Time: new Date('2026-11-27T18:00:00.000Z') })] }));
    await bus.idle();

    expect(result.FailedEntryCount).toBe(0);
    expect(received.map((event) => event.id)).toEqual(result.Entries!.map((e) => e.EventId));
    const [first, second] = received;
    // The metadata every event on a bus carries ("Event structure reference", EventBridge User Guide:
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html), in the envelope of the AWS
    // example kept in test/fixtures/aws-events/ec2-instance-state-change.json.
    expect(Object.keys(first!).sort()).toEqual(['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version']);
    expect(first).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      'detail-type': 'Thing Happened',
      source: 'com.example.test',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [],
      detail: { n: 1 },
    });
    expect(second).toMatchObject({ time: '2026-11-27T18:00:00Z', resources: ['arn:aws:s3:::bucket'], detail: { n: 2 } });
  });

  it('answers 200 with a failed entry for each one EventBridge refuses, and still puts the others', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ Source: undefined }),
          entry({ DetailType: undefined }),
          entry({ Detail: undefined }),
          entry({ Detail: 'not json' }),
          entry({ Detail: '[1,2]' }),
          entry({ Source: 'aws.ec2' }),
          entry({ EventBusName: 'someone-elses' }),
          entry({ Detail: '{"kept":true}', EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/default' }),
        ],
      }),
    );
    await bus.idle();

    // PutEventsResultEntry's codes (EventBridge API Reference,
    // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html).
    expect(result.FailedEntryCount).toBe(7);
    expect(result.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual(['InvalidArgument', 'InvalidArgument', 'InvalidArgument', 'MalformedDetail', 'MalformedDetail', 'NotAuthorizedForSourceException', 'InvalidArgument', 'ok']);
    expect(result.Entries![0]!.ErrorMessage).toContain('Source');
    expect(received.map((event) => event.detail)).toEqual([{ kept: true }]);
  });

  it('refuses the whole request when no entry has Source, DetailType and Detail, or it has more than 10 entries', async () => {
    // "If you submit a request in which none of the entries have each of these properties, EventBridge fails the
    // entire request" (PutEventsRequestEntry, https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html);
    // 1 to 10 entries a request (PutEvents, https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
    await expect(client.send(new PutEventsCommand({ Entries: [entry({ Detail: undefined })] }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) }))).rejects.toMatchObject({ name: 'ValidationException' });
    await bus.idle();
    expect(received).toEqual([]);
  });

  it('answers UnknownOperationException for the actions it does not serve (rules come from serverless.yml)', async () => {
    await expect(client.send(new ListRulesCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });
});
