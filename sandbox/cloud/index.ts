/**
 * The simulated cloud: a local CloudFormation + EC2 endpoint the real AWS SDK clients talk to, through the standard
 * AWS_ENDPOINT_URL_CLOUDFORMATION / AWS_ENDPOINT_URL_EC2 variables. This file is the composition root: it reads
 * the environment once and wires the simulation (domain/) to its HTTP front (protocol/).
 */
import { parseCloudFormationTemplate } from '../cloudformation-yaml';
import type { AwsEventListener } from './domain/aws-events';
import { CloudSimulation } from './domain/cloud';
import type { ScriptedPace } from './domain/stack-lifecycle';
import { rememberingReader } from './domain/template';
import type { Fault } from './domain/faults';
import { persistCloud, restoreCloud } from './persistence';
import { startCloudServer } from './protocol/http-server';

export type { Fault } from './domain/faults';
export type { ScriptedPace } from './domain/stack-lifecycle';
export type { AwsEvent, AwsEventListener } from './domain/aws-events';

export interface SimulatedCloudOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  region?: string;
  /** 1 = default pace (a default cluster is created in about 5 s); 0.05 is twenty times faster. Env: SIM_TIME_SCALE. */
  timeScale?: number;
  /** One call per stack status change and per armed fault; `message` is a ready-to-print console line. */
  onEvent?: (message: string, details: Record<string, unknown>) => void;
  /**
   * The EventBridge events CloudFormation and EC2 send, as AWS documents them (test/fixtures/aws-events): one
   * `CloudFormation Stack Status Change` per stack status change, one `CloudFormation Resource Status Change` per
   * resource event DescribeStackEvents lists, one `EC2 Instance State-change Notification` per instance state change;
   * called synchronously, in the order they happen, once the read APIs show the change. The `events-*` faults drop,
   * delay or duplicate them (README). A throw from it is reported through `onEvent`, never into the simulation.
   */
  onAwsEvent?: AwsEventListener;
  /**
   * Every create takes `createMs` and every delete `deleteMs` simulated milliseconds (scaled by timeScale), whatever
   * the stack's size: the bench's scripted timeline. Unset, the pace follows the stack's size (PACE).
   */
  script?: ScriptedPace;
  /**
   * Folder the stacks and instances are kept in (see persistence.ts): read back at start, so a stack that was being
   * created or deleted carries on, and written as they change. In memory when absent.
   */
  dataDir?: string;
}

export interface SimulatedCloud {
  endpoint: string;
  /**
   * `stack` is a stack name, a stack id or `*`; `count` is how many times the fault fires (default once), except for
   * `events-delay`, where it is the delay in simulated milliseconds.
   */
  injectFault(stack: string, fault: Fault, count?: number): void;
  /**
   * The instance fails its health check: its auto-scaling group terminates it and launches a replacement in its zone
   * (also `POST /_simulator/instances/<id>/replace`). Returns the replacement's id; throws a RangeError when no
   * settled stack's group runs the instance.
   */
  replaceInstance(instanceId: string): string;
  /**
   * Someone else terminates the instance (out of band): it shuts down and is not replaced until `replaceInstance`
   * (its group's health check) says so (also `POST /_simulator/instances/<id>/terminate`). Throws a RangeError for
   * an unknown or already terminated instance.
   */
  terminateInstance(instanceId: string): void;
  /**
   * The instance hangs: still `running` for EC2 (and Healthy for its group's EC2 health check), but its SSM agent is
   * ConnectionLost and its swarm node Down, a manager Unreachable (also `POST /_simulator/instances/<id>/hang`).
   * Nothing replaces it until SetInstanceHealth Unhealthy (or `replaceInstance`). Throws a RangeError for an
   * instance that is not running.
   */
  hangInstance(instanceId: string): void;
  /**
   * A new value of an SSM parameter (default: a new AMI id), as when AWS publishes a new Amazon Linux image: the next
   * UpdateStack resolves it, and the stack's instances roll onto it (also `POST /_simulator/ssm-parameters`).
   */
  publishSsmParameter(name: string, value?: string): string;
  /**
   * What an instance did that EC2 does not show, oldest first: `joined the swarm as worker: signalled SUCCESS`,
   * `Terminating:Wait (lifecycle hook swarm-leave)`, `draining: tasks moved`, `demoted to worker`, `left the swarm`,
   * `lifecycle action swarm-leave: CONTINUE` (also `GET /_simulator/instances/<id>/activity`).
   */
  nodeActivity(instanceId: string): { activity: string; time: string; groupName: string }[];
  /** AWS calls received, of one action or of all. */
  callCount(action?: string): number;
  close(): Promise<void>;
}

const timeScaleFromEnvironment = (): number | undefined => {
  const raw = process.env['SIM_TIME_SCALE'];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`SIM_TIME_SCALE must be a positive number, got "${raw}"`);
  return value;
};

export async function startSimulatedCloud(options: SimulatedCloudOptions = {}): Promise<SimulatedCloud> {
  const timeScale = options.timeScale ?? timeScaleFromEnvironment() ?? 1;
  if (!Number.isFinite(timeScale) || timeScale <= 0) throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  const region = options.region ?? 'us-east-1';
  const report = options.onEvent ?? (() => undefined);

  const reportInternalError = (error: unknown): void =>
    report(`simulator       internal error  ${error instanceof Error ? error.message : String(error)}`, { service: 'simulator', error });
  const cloud = new CloudSimulation({
    region,
    timeScale,
    readYaml: rememberingReader(parseCloudFormationTemplate),
    onStackStatus: (stack) =>
      report(`cloudformation  ${stack.name}  ${stack.status}${stack.statusReason ? `  ${stack.statusReason}` : ''}`, {
        service: 'cloudformation',
        stackName: stack.name,
        stackId: stack.id,
        status: stack.status,
        ...(stack.statusReason !== undefined ? { reason: stack.statusReason } : {}),
      }),
    onFaultArmed: (target, fault, count) =>
      report(`simulator       ${target}  fault ${fault}${count === undefined ? '' : fault === 'events-delay' ? ` ${count} ms` : ` x${count}`} armed`, {
        service: 'simulator',
        target,
        fault,
        ...(count !== undefined ? { count } : {}),
      }),
    onInternalError: reportInternalError,
    onNodeActivity: (activity) =>
      report(`autoscaling     ${activity.groupName}  ${activity.instanceId} ${activity.activity}`, {
        service: 'autoscaling',
        stackName: activity.stackName,
        groupName: activity.groupName,
        instanceId: activity.instanceId,
        activity: activity.activity,
      }),
    ...(options.onAwsEvent ? { onAwsEvent: options.onAwsEvent } : {}),
    ...(options.script ? { script: options.script } : {}),
  });

  // Before the endpoint exists: nobody can see the world until it is the one that was left.
  let persistence: ReturnType<typeof persistCloud> | undefined;
  if (options.dataDir) {
    const restored = restoreCloud(cloud, options.dataDir);
    if (restored.stacks + restored.instances > 0) {
      report(`simulator       resumed ${restored.stacks} stacks and ${restored.instances} instances from ${options.dataDir}`, { service: 'simulator', ...restored });
    }
    persistence = persistCloud(cloud, options.dataDir, {
      onError: (error) => report(`simulator       could not save to ${options.dataDir}: ${error instanceof Error ? error.message : String(error)}`, { service: 'simulator', error }),
    });
  }

  const server = await startCloudServer(cloud, {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    onInternalError: reportInternalError,
  }).catch((error: unknown) => {
    persistence?.stop();
    cloud.close();
    throw error;
  });

  return {
    endpoint: server.endpoint,
    injectFault: (stack, fault, count) => cloud.injectFault(stack, fault, count),
    replaceInstance: (instanceId) => cloud.replaceInstance(instanceId),
    terminateInstance: (instanceId) => cloud.terminateInstance(instanceId),
    hangInstance: (instanceId) => cloud.hangInstance(instanceId),
    publishSsmParameter: (name, value) => cloud.publishSsmParameter(name, value),
    nodeActivity: (instanceId) =>
      cloud.nodeActivity(instanceId).map((entry) => ({ activity: entry.activity, time: entry.time.toISOString(), groupName: entry.groupName })),
    callCount: (action) => server.callCount(action),
    close: async () => {
      persistence?.stop();
      cloud.close();
      await server.close();
    },
  };
}
