/**
 * The sandbox's EventBridge: the default bus, with one rule per `eventBridge` event in serverless.yml (the patterns
 * as they deploy), each delivering to the same handler the function runs on AWS. What reaches it: the local Step
 * Functions' execution status changes, the simulated cloud's CloudFormation, EC2 and Auto Scaling events, and
 * whatever is put through the local PutEvents endpoint (eventbridge/api.ts): the Slack route's commands for its worker,
 * the diagnostics route's collections for the collector.
 *
 * Adding an event-driven function: its `eventBridge: { pattern }` in serverless.yml, and one row in EVENT_FUNCTIONS.
 */
import type { Context } from 'aws-lambda';
import type { Dependencies } from '../src/composition';
import { chatResponder } from '../src/composition/chat';
import { chatCommandDeps, slackWorkerHandler } from '../src/handlers/chatops/slack-worker';
import { autoScalingEventsHandler } from '../src/handlers/events/auto-scaling-events';
import { diagnosticsCollectorHandler } from '../src/handlers/events/diagnostics-requested';
import { executionEndedHandler } from '../src/handlers/events/execution-ended';
import { instanceEventsHandler } from '../src/handlers/events/instance-events';
import { stackEventsHandler } from '../src/handlers/events/stack-events';
import { ACCOUNT, localFunctionArn, localFunctionName, REGION } from './environment';
import { eventRulesFromServerless, startLocalEventBus, type AwsEvent, type LocalEventBus, type ResourceResolver } from './eventbridge';
import { lambdaContext } from './http-api';

export const LOCAL_STAGE = 'local';

type EventFunction = (deps: Dependencies) => (event: AwsEvent, context: Context) => Promise<unknown>;

/** serverless.yml function name → the handler it runs, built from the sandbox's dependencies. One row per function. */
export const EVENT_FUNCTIONS: Record<string, EventFunction> = {
  executionEnded: (deps) => executionEndedHandler(deps) as (event: AwsEvent) => Promise<unknown>,
  stackEvents: (deps) => stackEventsHandler({ waits: deps.waits, tokens: deps.tokens, store: deps.store, clock: deps.clock, heartbeatEverySeconds: deps.config.stackWait.heartbeatEverySeconds }) as (event: AwsEvent) => Promise<unknown>,
  instanceEvents: (deps) => instanceEventsHandler({ waits: deps.instanceWaits, nodes: deps.nodes, tokens: deps.tokens }) as (event: AwsEvent) => Promise<unknown>,
  slackWorker: (deps) => slackWorkerHandler(chatCommandDeps(deps, chatResponder(deps.config))) as (event: AwsEvent) => Promise<unknown>,
  diagnosticsCollector: (deps) => diagnosticsCollectorHandler(deps) as (event: AwsEvent) => Promise<unknown>,
  autoScalingEvents: (deps) =>
    autoScalingEventsHandler({ store: deps.store, nodes: deps.nodes, instances: deps.instances, timeline: deps.timeline, clock: deps.clock }) as (event: AwsEvent) => Promise<unknown>,
};

/**
 * Local values of the references a pattern may make: a state machine's `!Ref` is its ARN (named as serverless.yml
 * names it, which for the local stage is the local name); `!GetAtt <Fn>LambdaFunction.Arn` the local function ARN.
 */
export const localResourceValue: ResourceResolver = (logicalId, attribute, resource) => {
  const name = resource?.Properties?.StateMachineName;
  // A state machine's Ref and its Arn attribute are both its ARN.
  if (resource?.Type === 'AWS::StepFunctions::StateMachine' && (attribute === undefined || attribute === 'Arn') && typeof name === 'string') {
    return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
  }
  // serverless names a function's resource <FunctionKey>LambdaFunction: Ref is its name, Arn its ARN.
  const lambda = /^(.+)LambdaFunction$/.exec(logicalId);
  const functionKey = lambda?.[1] && lambda[1].charAt(0).toLowerCase() + lambda[1].slice(1);
  if (functionKey && attribute === 'Arn') return localFunctionArn(functionKey);
  if (functionKey && attribute === undefined) return localFunctionName(functionKey);
  return undefined;
};

export interface LocalEventsOptions {
  /** The handlers' dependencies; deliveries wait for `ready`, so events put before the service is wired are kept. */
  deps: () => Dependencies;
  ready: Promise<unknown>;
  log: (line: string) => void;
  /** Default: EVENT_FUNCTIONS. */
  functions?: Record<string, EventFunction>;
}

export function startLocalEvents(options: LocalEventsOptions): LocalEventBus {
  const functions = options.functions ?? EVENT_FUNCTIONS;
  const rules = eventRulesFromServerless({ stage: LOCAL_STAGE, region: REGION, resolveResource: localResourceValue }).map(({ functionName, ruleName, pattern }) => {
    const build = Object.hasOwn(functions, functionName) ? functions[functionName] : undefined;
    if (!build) throw new Error(`serverless.yml routes events to ${functionName}, which has no row in EVENT_FUNCTIONS (sandbox/events.ts)`);
    let handler: ReturnType<EventFunction> | undefined;
    return {
      name: ruleName,
      pattern,
      target: async (event: AwsEvent) => {
        options.log(`eventbridge     ${event['detail-type']} → ${functionName}`);
        await (handler ??= build(options.deps()))(event, lambdaContext(localFunctionName(functionName), 60_000));
      },
    };
  });
  return startLocalEventBus({ rules, log: options.log, ready: options.ready, region: REGION, account: ACCOUNT });
}
