/**
 * How templates/swarm.yaml replaces nodes on a stack update (issue 12): the UpdatePolicy of both groups, modelled step
 * by step for 1, 3 and 5 managers and for workers, the lifecycle hook's time against the drain bound, and the pins an
 * upgrade moves (the AMI through the SSM parameter type, Docker through DockerVersion).
 *
 * AWS rules used here, from the CloudFormation User Guide, "UpdatePolicy attribute"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html):
 *  - MinInstancesInService "must be less than the MaxSize of the Auto Scaling group";
 *  - with WaitOnResourceSignals, PauseTime is how long CloudFormation waits for the signals of the new instances of a
 *    batch; "the maximum PauseTime is one hour (PT1H)";
 *  - MaxBatchSize is the most instances replaced at once (default 1).
 * The processes to suspend come from the AWS Knowledge Center article the same page links, "What are some recommended
 * best practices for performing Auto Scaling group rolling updates?"
 * (https://repost.aws/knowledge-center/auto-scaling-group-rolling-updates): HealthCheck, ReplaceUnhealthy, AZRebalance,
 * AlarmNotification and ScheduledActions; never Launch, Terminate or AddToLoadBalancer, which the update needs.
 * Raft (Docker's "Administer and maintain a swarm of Docker Engines", https://docs.docker.com/engine/swarm/admin_guide/):
 * a swarm of N managers needs a majority, floor(N/2) + 1, to make progress and tolerates the loss of (N - 1) / 2.
 */
import { bootstrapScript, isRecord, loadTemplate, userDataOf, type Json } from './support/template';

const template = loadTemplate();
const { Resources: resources, Parameters: parameters } = template;
const mappings = template.Mappings as Record<string, Record<string, Record<string, Json>>>;
const rollingUpdateOf = (group: string) => (resources[group]?.UpdatePolicy as Record<string, Record<string, Json>>).AutoScalingRollingUpdate ?? {};
const propertiesOf = (group: string) => resources[group]?.Properties ?? {};

/** Resolves the few intrinsics the group sizes use, for given parameter values. */
function resolve(value: Json | undefined, values: Record<string, string>): number {
  if (typeof value === 'number' || typeof value === 'string') return Number(value);
  if (isRecord(value) && typeof value.Ref === 'string') return Number(values[value.Ref] ?? parameters[value.Ref]?.Default);
  if (isRecord(value) && Array.isArray(value['Fn::FindInMap'])) {
    const [map, key, attribute] = value['Fn::FindInMap'];
    const first = isRecord(key) && typeof key.Ref === 'string' ? values[key.Ref] : String(key);
    return Number(mappings[String(map)]?.[String(first)]?.[String(attribute)]);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

const minutes = (duration: Json | undefined) => {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(String(duration));
  return match ? Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0) : Number.NaN;
};

interface Policy {
  size: number;
  maxSize: number;
  maxBatchSize: number;
  minInService: number;
}
interface Step {
  /** Nodes of the group in the swarm (for managers: Raft members), and how many of them are up. */
  members: number;
  up: number;
}

/**
 * A rolling update as the UpdatePolicy page describes it, one batch at a time: CloudFormation may take a batch of old
 * instances out only while MinInstancesInService stay in service; otherwise it first launches the batch's replacements
 * (which needs room under MaxSize), waits for their signals (a node signals once it joined), then terminates the old
 * ones. A terminated node drains and leaves (a manager is demoted first, so it stops being a Raft member); one that
 * is terminated first leaves the group short until its replacement joins.
 */
function rollingUpdate({ size, maxSize, maxBatchSize, minInService }: Policy): { steps: Step[]; batches: number } {
  if (minInService >= maxSize) throw new Error(`MinInstancesInService ${minInService} is not less than MaxSize ${maxSize}`);
  const steps: Step[] = [{ members: size, up: size }];
  let old = size;
  let fresh = 0;
  let batches = 0;
  while (old > 0) {
    const batch = Math.min(maxBatchSize, old);
    batches += 1;
    if (old + fresh - batch >= minInService) {
      // Terminate first: the old ones drain and leave, then replacements join.
      old -= batch;
      steps.push({ members: old + fresh, up: old + fresh });
      fresh += batch;
      steps.push({ members: old + fresh, up: old + fresh });
    } else {
      if (old + fresh + batch > maxSize) throw new Error(`a batch of ${batch} would go over MaxSize ${maxSize}`);
      // Launch first: the new ones join (and signal), then the old ones drain, are demoted, leave.
      fresh += batch;
      steps.push({ members: old + fresh, up: old + fresh });
      old -= batch;
      steps.push({ members: old + fresh, up: old + fresh });
    }
  }
  return { steps, batches };
}

const majority = (members: number) => Math.floor(members / 2) + 1;

describe('managers: one at a time, Raft quorum and fault tolerance kept at every step', () => {
  const policy = rollingUpdateOf('ManagerAsg');

  it('replaces one manager per batch and keeps ManagerSize in service', () => {
    expect(policy.MaxBatchSize).toBe(1);
    expect(policy.MinInstancesInService).toEqual({ Ref: 'ManagerSize' });
  });

  it.each([1, 3, 5])('with %i manager(s): MinInstancesInService < MaxSize, and a majority of at least ManagerSize managers is up throughout', (size) => {
    const values = { ManagerSize: String(size) };
    const managers: Policy = {
      size,
      maxSize: resolve(propertiesOf('ManagerAsg').MaxSize, values),
      maxBatchSize: resolve(policy.MaxBatchSize, values),
      minInService: resolve(policy.MinInstancesInService, values),
    };

    const { steps, batches } = rollingUpdate(managers);

    expect(managers.maxSize).toBe(size + 1);
    expect(resolve(propertiesOf('ManagerAsg').MinSize, values)).toBe(size);
    expect(batches).toBe(size);
    for (const step of steps) {
      expect(step.up).toBeGreaterThanOrEqual(majority(step.members));
      // Never fewer managers than asked for: the swarm tolerates (size - 1) / 2 losses during the update too.
      expect(step.members).toBeGreaterThanOrEqual(size);
    }
  });

  it('would lose the only manager with MaxSize = ManagerSize (the model catches what this policy prevents)', () => {
    // MinInstancesInService must stay below MaxSize, so with MaxSize = 1 it could only be 0: terminate first.
    const { steps } = rollingUpdate({ size: 1, maxSize: 1, maxBatchSize: 1, minInService: 0 });

    expect(steps.some((step) => step.members === 0)).toBe(true);
  });
});

describe('workers: every one in service while batches of new ones join', () => {
  const policy = rollingUpdateOf('NodeAsg');

  it.each([0, 1, 5, 37, 1000])('with %i worker(s): no worker out of service before its replacement joined, ceil(n / batch) batches', (size) => {
    const values = { ClusterSize: String(size) };
    const workers: Policy = {
      size,
      maxSize: resolve(propertiesOf('NodeAsg').MaxSize, values),
      maxBatchSize: resolve(policy.MaxBatchSize, values),
      minInService: resolve(policy.MinInstancesInService, values),
    };

    const { steps, batches } = rollingUpdate(workers);

    expect(batches).toBe(Math.ceil(size / workers.maxBatchSize));
    for (const step of steps) expect(step.up).toBeGreaterThanOrEqual(size);
    // The domain allows 1000 workers (docs/contracts.md); the group has room for one batch more.
    expect(workers.maxSize).toBeGreaterThanOrEqual(Number(parameters.ClusterSize?.MaxValue) + workers.maxBatchSize);
  });
});

describe.each([
  ['ManagerAsg', 'ManagerLaunchTemplate'],
  ['NodeAsg', 'WorkerLaunchTemplate'],
])('%s update timing and processes', (group, launchTemplate) => {
  const policy = rollingUpdateOf(group);
  const { variables } = userDataOf(template, launchTemplate);

  it('waits for a signal from every new node, for as long as a create would and at most the one hour AWS allows', () => {
    const creation = resources[group]?.CreationPolicy as Record<string, Record<string, Json>>;

    expect(policy.WaitOnResourceSignals).toBe(true);
    expect(policy.PauseTime).toBe(creation.ResourceSignal?.Timeout);
    expect(minutes(policy.PauseTime)).toBeLessThanOrEqual(60);
    // The node gives up before CloudFormation does, so a failed batch names its node (FAILURE signal).
    expect(Number(variables.JoinWaitSeconds) + 180).toBeLessThanOrEqual(minutes(policy.PauseTime) * 60);
  });

  it('suspends the processes AWS recommends for rolling updates and none that the update needs', () => {
    expect(policy.SuspendProcesses).toEqual(['HealthCheck', 'ReplaceUnhealthy', 'AZRebalance', 'AlarmNotification', 'ScheduledActions']);
  });

  it('gives the swarm-leave hook more time than the whole bounded drain and leave', () => {
    const [hook] = propertiesOf(group).LifecycleHookSpecificationList as Array<Record<string, Json>>;
    // Drain (DrainSeconds) + demote and leave (up to 21 s of retries) + the watcher's poll and a few CLI calls.
    const leaveSeconds = Number(variables.DrainSeconds) + 21 + 60;

    expect(Number(hook?.HeartbeatTimeout)).toBeGreaterThanOrEqual(leaveSeconds);
    // DefaultResult CONTINUE: a node that cannot finish still gets terminated when the heartbeat runs out.
    expect(hook?.DefaultResult).toBe('CONTINUE');
  });
});

describe('what an upgrade (UpdateStack with the current template and the same parameters) moves', () => {
  it('takes the newest AMI: ImageId is an SSM parameter type, which CloudFormation resolves again at every update', () => {
    // "Systems Manager parameter types" (CloudFormation User Guide,
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/systems-manager-parameter-types.html): "CloudFormation
    // always fetches the latest values from Parameter Store when it updates stacks". A new AMI id changes the launch
    // templates, so their LatestVersionNumber, so the groups' LaunchTemplate.Version: a rolling update.
    expect(parameters.ImageId?.Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
    for (const [group, launchTemplate] of [
      ['ManagerAsg', 'ManagerLaunchTemplate'],
      ['NodeAsg', 'WorkerLaunchTemplate'],
    ] as const) {
      expect(propertiesOf(group).LaunchTemplate).toEqual({ LaunchTemplateId: { Ref: launchTemplate }, Version: { 'Fn::GetAtt': [launchTemplate, 'LatestVersionNumber'] } });
    }
  });

  it('installs exactly the pinned Docker version on every node, in the form dnf takes (docker-VERSION)', () => {
    const docker = parameters.DockerVersion ?? {};
    const pattern = new RegExp(String(docker.AllowedPattern));

    // Amazon Linux 2023 release notes, "AL2023.12 upgrades from AL2023.12" (2023.12.20260611): docker 25.0.16-1.amzn2023.0.2.
    expect(docker.Default).toBe('25.0.16');
    expect(pattern.test('25.0.16')).toBe(true);
    expect(pattern.test('25.0.16-1.amzn2023.0.2')).toBe(true);
    expect(pattern.test('latest')).toBe(false);
    expect(pattern.test('25.0.16; rm -rf /')).toBe(false);
    for (const launchTemplate of ['ManagerLaunchTemplate', 'WorkerLaunchTemplate']) {
      const script = bootstrapScript(template, launchTemplate, { DockerVersion: '25.0.16' });
      expect(script).toContain('DOCKER=25.0.16');
      expect(script).toContain('dnf install -y "docker-$DOCKER"');
      expect(script).not.toMatch(/dnf install -y docker\b(?!-)/);
    }
  });
});
