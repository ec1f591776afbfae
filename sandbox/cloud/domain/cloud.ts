import { AwsEventStream, type AwsEventListener } from './aws-events';
import { FaultBook, isFault, type Fault } from './faults';
import { Fleet, type FleetSnapshot } from './fleet';
import { allGroups, describeGroups, type GroupDescription, type GroupQuery } from './group-query';
import { queryConcernsStack, type InstanceQuery } from './instance-query';
import { Scheduler } from './scheduler';
import { CloudError } from './errors';
import { ec2Id } from './ids';
import { PACE, type NodeActivity, type ScriptedPace } from './stack-lifecycle';
import { isDeleted, type Stack } from './stack-model';
import { Stacks } from './stacks';
import type { YamlReader } from './template';

export interface CloudSnapshot {
  stacks: Stack[];
  fleet: FleetSnapshot;
}

/** Past this many instances with node activity, that of instances EC2 no longer lists is forgotten. */
const ACTIVITY_PRUNE_ABOVE = 2_000;

/** How long an instance that was `pending` when the process stopped takes to boot after the restart. */
const RESTORED_BOOT = 1_000;

export interface CloudSimulationOptions {
  region: string;
  timeScale: number;
  readYaml: YamlReader;
  onStackStatus: (stack: Stack) => void;
  onFaultArmed: (target: string, fault: Fault, count: number | undefined) => void;
  /** A throw inside a timer that no stack claimed (stack steps turn theirs into the stack's failure). */
  onInternalError?: (error: unknown) => void;
  /** The EventBridge events CloudFormation and EC2 would send (aws-events.ts); none are built without it. */
  onAwsEvent?: AwsEventListener;
  /** Node activity (joins, drains, lifecycle hooks) as it happens, for the console. */
  onNodeActivity?: (activity: NodeActivity) => void;
  /** Fixed create and delete durations (the bench's scripted timeline); the pace follows the stack's size otherwise. */
  script?: ScriptedPace;
}

/** CloudFormation and EC2 of one simulated account and region, plus the faults waiting to be injected into them. */
export class CloudSimulation {
  readonly region: string;
  readonly stacks: Stacks;
  readonly fleet: Fleet;
  private readonly faults = new FaultBook();
  private readonly scheduler: Scheduler;
  /** The current value of each SSM parameter asked for (an AMI id per public image parameter). */
  private readonly ssm = new Map<string, string>();
  /** What each instance did that EC2 does not show (joined, drained, left), oldest first. */
  private readonly activities = new Map<string, NodeActivity[]>();
  /** Instances set Unhealthy (SetInstanceHealth) that their group could not replace yet (its stack was busy). */
  private readonly unhealthy = new Set<string>();

  constructor(private readonly options: CloudSimulationOptions) {
    this.region = options.region;
    this.scheduler = new Scheduler(options.timeScale, options.onInternalError);
    const events = options.onAwsEvent
      ? new AwsEventStream({
          region: options.region,
          scheduler: this.scheduler,
          faults: this.faults,
          listener: options.onAwsEvent,
          onListenerError: options.onInternalError ?? (() => undefined),
        })
      : undefined;
    this.fleet = new Fleet(
      options.region,
      this.scheduler,
      { shutdown: PACE.shutdown, retention: PACE.terminatedRetention },
      events ? (instance) => events.instanceStateChanged(instance) : undefined,
    );
    this.stacks = new Stacks({
      region: options.region,
      scheduler: this.scheduler,
      fleet: this.fleet,
      faults: this.faults,
      readYaml: options.readYaml,
      listener: options.onStackStatus,
      ...(options.script ? { script: options.script } : {}),
      ...(events ? { onStackEvent: (stack, event) => events.stackEventLogged(stack, event) } : {}),
      onNodeActivity: (activity) => {
        const instance = this.fleet.get(activity.instanceId);
        if (events && instance && activity.terminationHook) events.terminationHookStarted(instance, activity.groupName, activity.terminationHook);
        const log = this.activities.get(activity.instanceId) ?? [];
        log.push(activity);
        this.activities.set(activity.instanceId, log);
        // Kept as long as EC2 lists the instance, so a long-running sandbox does not keep every node it ever had.
        if (this.activities.size > ACTIVITY_PRUNE_ABOVE) {
          for (const id of this.activities.keys()) if (!this.fleet.get(id)) this.activities.delete(id);
        }
        options.onNodeActivity?.(activity);
      },
      resolveSsm: (type, name) => this.ssmValue(type, name),
    });
  }

  /** An SSM parameter's value: the same until a new one is published (an AMI parameter resolves to an AMI id). */
  private ssmValue(type: string, name: string): string {
    let value = this.ssm.get(name);
    if (value === undefined) {
      value = type.includes('AWS::EC2::Image::Id') ? ec2Id('ami') : 'simulated-ssm-value';
      this.ssm.set(name, value);
    }
    return value;
  }

  /**
   * A new value of an SSM parameter, as when AWS publishes a new Amazon Linux AMI under its public parameter: the
   * next create or update that resolves it gets this value (an update then rolls every node). Returns the value.
   */
  publishSsmParameter(name: string, value = ec2Id('ami')): string {
    this.ssm.set(name, value);
    return value;
  }

  /** What the instance did between its EC2 states (joined the swarm, drained, left), oldest first; [] if nothing. */
  nodeActivity(instanceId: string): NodeActivity[] {
    return [...(this.activities.get(instanceId) ?? [])];
  }

  /**
   * Arms a fault for a stack name, a stack id or `*`. `gone` aimed at a stack that exists takes it away at once;
   * otherwise the fault waits for the moment it applies to (a create, a delete, the next calls, the next events).
   * `count` is how many times it fires; for `events-delay` it is the delay in simulated milliseconds instead.
   */
  injectFault(target: string, fault: Fault, count?: number): void {
    if (!isFault(fault)) throw new RangeError(`Unknown fault ${String(fault)}`);
    if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
      throw new RangeError(fault === 'events-delay' ? 'the delay must be a positive integer of milliseconds' : 'count must be a positive integer');
    }
    this.options.onFaultArmed(target, fault, count);
    const stack = target === '*' ? undefined : this.stacks.find(target);
    if (fault === 'gone' && stack && !isDeleted(stack)) {
      this.stacks.vanish(stack);
      return;
    }
    this.faults.add(target, fault, count);
  }

  /**
   * The instance fails its health check: its auto-scaling group terminates it and launches a replacement in the same
   * zone (EC2's state events and Auto Scaling's launch/terminate events follow). Returns the replacement's id.
   */
  replaceInstance(instanceId: string): string {
    return this.stacks.replaceInstance(instanceId);
  }

  /**
   * Someone else terminates the instance (TerminateInstances outside its group, or a spot reclaim): it shuts down and
   * nothing replaces it until its group's health check does (`replaceInstance`). Throws a RangeError for an unknown
   * or already terminated instance.
   */
  terminateInstance(instanceId: string): void {
    const instance = this.fleet.get(instanceId);
    if (!instance) throw new RangeError(`no instance ${instanceId}`);
    if (instance.state === 'shutting-down' || instance.state === 'terminated') throw new RangeError(`instance ${instanceId} is already ${instance.state}`);
    this.fleet.terminate([instanceId], 'User initiated');
  }

  /**
   * Someone's instance hangs (a kernel lockup, a full disk): EC2 still says `running`, but its SSM agent stops
   * reporting (DescribeInstanceInformation: ConnectionLost) and `docker node ls` shows its node Down (a manager
   * Unreachable). Nothing replaces it until its group is told it is unhealthy (SetInstanceHealth) or `replaceInstance`.
   * Throws a RangeError for an instance that is not running.
   */
  hangInstance(instanceId: string): void {
    const instance = this.fleet.get(instanceId);
    if (!instance) throw new RangeError(`no instance ${instanceId}`);
    if (instance.state !== 'running') throw new RangeError(`instance ${instanceId} is ${instance.state}, not running`);
    instance.hung = true;
  }

  /** DescribeAutoScalingGroups: one page of the groups that exist now (group-query.ts). */
  describeAutoScalingGroups(query: GroupQuery): { groups: GroupDescription[]; nextToken?: string } {
    return describeGroups(allGroups(this.stacks.all(), this.fleet, this.unhealthy), query);
  }

  /**
   * SetInstanceHealth. `Unhealthy`: the group terminates the instance and launches a replacement in its zone (as
   * `replaceInstance`); while its stack is being created, updated or deleted (the template suspends ReplaceUnhealthy
   * during a rolling update) it is only marked Unhealthy. Within the group's HealthCheckGracePeriod (counted from the
   * launch, in simulated seconds) and with `respectGracePeriod`, the call changes nothing, as AWS ignores health
   * reports during the grace period. `Healthy` clears the mark. Throws a CloudError for an instance no group runs.
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html
   * Returns the replacement's id when there is one.
   */
  setInstanceHealth(instanceId: string, healthStatus: string, respectGracePeriod: boolean): string | undefined {
    if (healthStatus !== 'Healthy' && healthStatus !== 'Unhealthy') {
      throw new CloudError('ValidationError', `Valid values for HealthStatus are Healthy and Unhealthy, not ${healthStatus}`);
    }
    const group = allGroups(this.stacks.all(), this.fleet, this.unhealthy).find((candidate) => candidate.instances.some((instance) => instance.instanceId === instanceId));
    if (!group) throw new CloudError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${instanceId}`);
    if (healthStatus === 'Healthy') {
      this.unhealthy.delete(instanceId);
      return undefined;
    }
    const instance = this.fleet.get(instanceId);
    const sinceLaunch = instance ? (Date.now() - instance.launchTime.getTime()) / Math.max(this.options.timeScale, 1e-6) : Number.POSITIVE_INFINITY;
    if (respectGracePeriod && sinceLaunch < group.healthCheckGracePeriod * 1000) return undefined;
    try {
      const replacement = this.stacks.replaceInstance(instanceId);
      this.unhealthy.delete(instanceId);
      return replacement;
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.unhealthy.add(instanceId);
      return undefined;
    }
  }

  /** Whether a throttle fault claims this CloudFormation call, which names `nameOrId` (or no stack at all). */
  throttlesStackCall(nameOrId: string | undefined): boolean {
    if (nameOrId === undefined) return this.throttlesOtherCall();
    const stack = this.stacks.find(nameOrId);
    return this.faults.take('throttle', stack ? [stack] : [], [nameOrId]);
  }

  /** Whether a throttle fault claims this DescribeInstances call, through the stacks whose instances it asks for. */
  throttlesInstanceQuery(query: InstanceQuery): boolean {
    if (!this.faults.armed('throttle')) return false;
    const concerned = this.stacks
      .all()
      .filter((stack) =>
        queryConcernsStack(this.fleet, query, stack.id, [
          ...stack.tags,
          { key: 'aws:cloudformation:stack-name', value: stack.name },
          { key: 'aws:cloudformation:stack-id', value: stack.id },
        ]),
      );
    return this.faults.take('throttle', concerned);
  }

  /** Calls about no stack (DescribeAvailabilityZones, ValidateTemplate) are throttled only by a `*` fault. */
  throttlesOtherCall(): boolean {
    return this.faults.take('throttle', []);
  }

  /** The world a restart resumes: every stack (deleted ones included) and every instance EC2 still lists. */
  snapshot(): CloudSnapshot {
    return { stacks: this.stacks.all(), fleet: this.fleet.snapshot() };
  }

  /** Takes back a snapshot (instances first: a resumed delete terminates them) and carries on from it. */
  restore(snapshot: CloudSnapshot): void {
    this.fleet.restore(snapshot.fleet, RESTORED_BOOT);
    this.stacks.restore(snapshot.stacks);
  }

  close(): void {
    this.scheduler.close();
  }
}
