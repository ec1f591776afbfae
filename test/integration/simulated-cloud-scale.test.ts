/**
 * The simulated cloud under load: every VPC (every subnet) has its own private address space, terminated instances
 * give their addresses back, and a fault inside a simulated step fails that stack, never the process.
 * AWS rules: a subnet's first four and last address are reserved
 * (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html); a launch into a full subnet fails with
 * InsufficientFreeAddressesInSubnet (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html);
 * a terminated instance's private address is released
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html).
 */
import { parseCloudFormationTemplate } from '../../sandbox/cloudformation-yaml';
import { CloudSimulation } from '../../sandbox/cloud/domain/cloud';
import { Fleet, type LaunchRequest } from '../../sandbox/cloud/domain/fleet';
import { Scheduler } from '../../sandbox/cloud/domain/scheduler';
import type { Stack } from '../../sandbox/cloud/domain/stack-model';
import { rememberingReader } from '../../sandbox/cloud/domain/template';

/** One VPC 10.0.0.0/16 with one /28 subnet (16 addresses, 11 usable) and one group of `Capacity` instances in it. */
const SMALL_SUBNET_TEMPLATE = JSON.stringify({
  AWSTemplateFormatVersion: '2010-09-09',
  Parameters: { Capacity: { Type: 'Number', Default: 2 } },
  Resources: {
    Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
    Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.0.0.0/28', AvailabilityZone: 'us-east-1a' } },
    Group: {
      Type: 'AWS::AutoScaling::AutoScalingGroup',
      Properties: { MinSize: '0', MaxSize: '20', DesiredCapacity: { Ref: 'Capacity' }, VPCZoneIdentifier: [{ Ref: 'Subnet' }] },
    },
  },
});

const USABLE_IN_SLASH_28 = 16 - 5;

let simulation: CloudSimulation;
let internalErrors: unknown[];

beforeEach(() => {
  internalErrors = [];
  simulation = new CloudSimulation({
    region: 'us-east-1',
    timeScale: 0.02,
    readYaml: parseCloudFormationTemplate,
    onStackStatus: () => undefined,
    onFaultArmed: () => undefined,
    onInternalError: (error) => internalErrors.push(error),
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  simulation.close();
});

let counter = 0;
const createStack = (capacity: number): Stack => {
  counter += 1;
  const id = simulation.stacks.create({
    stackName: `scale-${counter}`,
    templateBody: SMALL_SUBNET_TEMPLATE,
    parameters: [{ key: 'Capacity', value: String(capacity) }],
    tags: [],
    capabilities: [],
    notificationArns: [],
  });
  return simulation.stacks.require(id);
};

const SETTLED = new Set(['CREATE_COMPLETE', 'CREATE_FAILED', 'ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'DELETE_COMPLETE', 'DELETE_FAILED']);

/** Polls until the stack leaves every *_IN_PROGRESS status, with a deadline. */
const settled = async (stack: Stack, timeoutMs = 10_000): Promise<Stack> => {
  const deadline = Date.now() + timeoutMs;
  while (!SETTLED.has(stack.status)) {
    if (Date.now() > deadline) throw new Error(`stack ${stack.name} still ${stack.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return stack;
};

const addressesOf = (stack: Stack): string[] =>
  stack.resources.flatMap((resource) => resource.instanceIds).map((id) => simulation.fleet.get(id)?.privateIpAddress ?? 'missing');

const failureEvent = (stack: Stack) => stack.events.find((event) => event.resourceStatus.endsWith('_FAILED') && event.logicalResourceId !== stack.name);

describe('simulated cloud: private addresses per VPC', () => {
  it('fills the same 10.0.0.0/28 subnet range in two stacks independently, as two VPCs on AWS do', async () => {
    const first = createStack(USABLE_IN_SLASH_28);
    const second = createStack(USABLE_IN_SLASH_28);

    await Promise.all([settled(first), settled(second)]);

    expect([first.status, second.status]).toEqual(['CREATE_COMPLETE', 'CREATE_COMPLETE']);
    for (const stack of [first, second]) {
      const addresses = addressesOf(stack);
      expect(new Set(addresses).size).toBe(USABLE_IN_SLASH_28);
      for (const address of addresses) expect(address).toMatch(/^10\.0\.0\.(\d+)$/);
      const lastOctets = addresses.map((address) => Number(address.split('.')[3]));
      expect(Math.min(...lastOctets)).toBeGreaterThanOrEqual(4);
      expect(Math.max(...lastOctets)).toBeLessThanOrEqual(14);
    }
  });

  it('fails only the stack whose subnet has too few free addresses, with EC2 reason, and rolls it back', async () => {
    const crowded = createStack(USABLE_IN_SLASH_28 + 1);
    const neighbour = createStack(2);

    await Promise.all([settled(crowded), settled(neighbour)]);

    expect(crowded.status).toBe('ROLLBACK_COMPLETE');
    expect(failureEvent(crowded)).toMatchObject({
      logicalResourceId: 'Group',
      resourceStatus: 'CREATE_FAILED',
      resourceStatusReason: expect.stringMatching(
        /^There are not enough free addresses in subnet 'subnet-[0-9a-f]{17}' to satisfy the requested number of instances\. Launching EC2 instance failed\.$/,
      ),
    });
    expect(crowded.events.find((event) => event.resourceStatus === 'ROLLBACK_IN_PROGRESS')?.resourceStatusReason).toBe(
      'The following resource(s) failed to create: [Group]. Rollback requested by user.',
    );
    expect(neighbour.status).toBe('CREATE_COMPLETE');
    expect(internalErrors).toEqual([]);
  });
});

describe('simulated cloud: a fault inside a simulated step', () => {
  it('becomes the failed resource and a ROLLBACK of that stack, with the reason, while the cloud keeps running', async () => {
    jest.spyOn(simulation.fleet, 'launch').mockImplementationOnce(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'cidrBlock')");
    });
    const faulty = createStack(2);

    await settled(faulty);
    const next = await settled(createStack(2));

    expect(faulty.status).toBe('ROLLBACK_COMPLETE');
    expect(failureEvent(faulty)?.resourceStatusReason).toMatch(
      /^Resource handler returned message: "Cannot read properties of undefined \(reading 'cidrBlock'\)" \(RequestToken: [0-9a-f-]{36}, HandlerErrorCode: InternalFailure\)$/,
    );
    expect(next.status).toBe('CREATE_COMPLETE');
    expect(internalErrors).toEqual([]);
  });

  it('in a delete step ends the stack DELETE_FAILED on that resource, and a second delete succeeds', async () => {
    const stack = await settled(createStack(2));
    jest.spyOn(simulation.fleet, 'terminate').mockImplementationOnce(() => {
      throw new Error('simulated bug while terminating');
    });

    simulation.stacks.delete(stack.id);
    await settled(stack);
    const firstOutcome = stack.status;
    simulation.stacks.delete(stack.id);
    await settled(stack);

    expect(firstOutcome).toBe('DELETE_FAILED');
    expect(failureEvent(stack)).toMatchObject({
      resourceStatus: 'DELETE_FAILED',
      resourceStatusReason: expect.stringContaining('simulated bug while terminating'),
    });
    expect(stack.status).toBe('DELETE_COMPLETE');
  });
});

describe('simulated cloud: timers', () => {
  it('hands a throw from a timer to its fault handler and keeps running later timers', async () => {
    const faults: unknown[] = [];
    const scheduler = new Scheduler(1, (error) => faults.push(error));
    const ran: string[] = [];

    scheduler.after(1, () => {
      throw new Error('boom');
    });
    await new Promise<void>((resolve) =>
      scheduler.after(5, () => {
        ran.push('later');
        resolve();
      }),
    );
    scheduler.close();

    expect(faults).toEqual([new Error('boom')]);
    expect(ran).toEqual(['later']);
  });
});

describe('simulated cloud: fleet addresses', () => {
  const request = (count: number): LaunchRequest => ({
    count,
    slots: [{ availabilityZone: 'us-east-1a', cidrBlock: '10.0.0.0/29', subnetId: 'subnet-0123456789abcdef0', vpcId: 'vpc-1', publicIp: false }],
    instanceType: 't3.small',
    imageId: 'ami-1',
    securityGroupIds: [],
    tags: [],
  });

  it('gives a terminated instance address back to its subnet, and launches nothing when the subnet is full', async () => {
    // A /29 has 8 addresses, 3 usable once AWS's five are reserved.
    const scheduler = new Scheduler(1);
    const fleet = new Fleet('us-east-1', scheduler, { shutdown: 5, retention: 1_000 });
    const first = fleet.launch(request(3), 0);

    expect(() => fleet.launch(request(1), 0)).toThrow(
      "There are not enough free addresses in subnet 'subnet-0123456789abcdef0' to satisfy the requested number of instances.",
    );
    fleet.terminate(
      first.map((instance) => instance.instanceId),
      'User initiated',
    );
    const deadline = Date.now() + 2_000;
    while (first.some((instance) => fleet.get(instance.instanceId)?.state !== 'terminated')) {
      if (Date.now() > deadline) throw new Error('instances never terminated');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const again = fleet.launch(request(3), 0);
    scheduler.close();

    expect(new Set(again.map((instance) => instance.privateIpAddress))).toEqual(new Set(['10.0.0.4', '10.0.0.5', '10.0.0.6']));
    expect(fleet.list().filter((instance) => instance.state !== 'terminated')).toHaveLength(3);
  });

  it('keeps a restored instance address taken, and gives it back when the restored instance terminates', async () => {
    // Prepare: a full /29 subnet (3 usable addresses), snapshotted mid-life as a restart would read it back.
    const before = new Scheduler(1);
    const snapshot = new Fleet('us-east-1', before, { shutdown: 5, retention: 1_000 });
    const launched = snapshot.launch(request(3), 0);
    const saved = snapshot.snapshot();
    before.close();

    // Act: a new process restores the snapshot and launches into the same subnet.
    const scheduler = new Scheduler(1);
    const fleet = new Fleet('us-east-1', scheduler, { shutdown: 5, retention: 1_000 });
    fleet.restore(structuredClone(saved), 0);
    const launchIntoFullSubnet = () => fleet.launch(request(1), 0);
    expect(launchIntoFullSubnet).toThrow(/not enough free addresses/);
    fleet.terminate([launched[0]!.instanceId], 'User initiated');
    const deadline = Date.now() + 2_000;
    while (fleet.get(launched[0]!.instanceId)?.state !== 'terminated') {
      if (Date.now() > deadline) throw new Error('the restored instance never terminated');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const replacement = fleet.launch(request(1), 0);
    scheduler.close();

    // Assess
    expect(replacement[0]!.privateIpAddress).toBe(launched[0]!.privateIpAddress);
  });
});

describe('simulated cloud: memory over a long run', () => {
  it('answers a deleted stack by id for a while, then forgets it', async () => {
    // At this scale the 10 simulated minutes a deleted stack is kept last 300 ms.
    const fast = new CloudSimulation({
      region: 'us-east-1',
      timeScale: 0.0005,
      readYaml: parseCloudFormationTemplate,
      onStackStatus: () => undefined,
      onFaultArmed: () => undefined,
    });
    try {
      const id = fast.stacks.create({ stackName: 'short-lived', templateBody: SMALL_SUBNET_TEMPLATE, parameters: [], tags: [], capabilities: [], notificationArns: [] });
      const stack = await settled(fast.stacks.require(id));
      fast.stacks.delete(id);
      await settled(stack);
      const rightAfter = fast.stacks.find(id)?.status;
      const deadline = Date.now() + 5_000;
      while (fast.stacks.find(id) !== undefined) {
        if (Date.now() > deadline) throw new Error('deleted stack never forgotten');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      expect(rightAfter).toBe('DELETE_COMPLETE');
      expect(fast.stacks.all()).toEqual([]);
    } finally {
      fast.close();
    }
  });
});

describe('simulated cloud: template reading', () => {
  it('reads a template body once and hands every caller its own copy', () => {
    const reader = jest.fn((text: string) => ({ Resources: { Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: text } } } }));
    const read = rememberingReader(reader);

    const first = read('10.0.0.0/16') as { Resources: { Vpc: { Properties: { CidrBlock: string } } } };
    first.Resources.Vpc.Properties.CidrBlock = 'changed by the first stack';
    const second = read('10.0.0.0/16');

    expect(reader).toHaveBeenCalledTimes(1);
    expect(second).toEqual({ Resources: { Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } } } });
  });
});
