import { insufficientAddressesError } from './errors';
import { ec2Id } from './ids';
import { allocateAddress, randomPublicAddress } from './ipv4';
import type { Scheduler } from './scheduler';

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export const INSTANCE_STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface Tag {
  key: string;
  value: string;
}

export interface LaunchSlot {
  availabilityZone: string;
  cidrBlock: string;
  subnetId?: string;
  vpcId?: string;
  publicIp: boolean;
}

export interface LaunchRequest {
  count: number;
  /** Instance k goes to slot k mod n: an auto-scaling group balancing over its subnets. */
  slots: LaunchSlot[];
  instanceType: string;
  imageId: string;
  keyName?: string;
  securityGroupIds: string[];
  tags: Tag[];
}

export interface Instance {
  /** Launch order; also the paging cursor, which stays valid when old terminated instances are forgotten. */
  sequence: number;
  instanceId: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  keyName?: string;
  state: InstanceStateName;
  stateTransitionReason: string;
  launchTime: Date;
  availabilityZone: string;
  subnetId?: string;
  vpcId?: string;
  privateIpAddress: string;
  publicIpAddress?: string;
  privateDnsName: string;
  publicDnsName?: string;
  amiLaunchIndex: number;
  securityGroupIds: string[];
  tags: Tag[];
  /** Its bootstrap failed (an injected `rollback` or `update-fail` fault): its console output ends in the failure (console-output.ts). */
  bootFailure?: boolean;
  /**
   * It hangs (an injected `hang`): EC2 still says `running` and its EC2 status checks pass, but its SSM agent no
   * longer reports (PingStatus ConnectionLost) and its swarm node is Down (a manager Unreachable).
   */
  hung?: boolean;
}

export interface FleetSnapshot {
  sequence: number;
  instances: Instance[];
}

export interface FleetTiming {
  /** How long a terminating instance lingers in `shutting-down`. */
  shutdown: number;
  /** How long EC2 keeps listing a terminated instance. */
  retention: number;
}

/** `ip-10-0-1-5.ec2.internal` in us-east-1, `ip-10-0-1-5.eu-west-1.compute.internal` elsewhere. */
const privateDnsName = (address: string, region: string): string =>
  `ip-${address.replaceAll('.', '-')}.${region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`}`;

const publicDnsName = (address: string, region: string): string =>
  `ec2-${address.replaceAll('.', '-')}.${region === 'us-east-1' ? 'compute-1' : `${region}.compute`}.amazonaws.com`;

/**
 * The address space an instance's private address comes from: its subnet. Subnet ids are unique, and the subnets of
 * one VPC do not overlap, so two stacks (two VPCs) both hand out 10.0.x addresses independently, as on AWS. A launch
 * without a subnet id shares the default VPC's space.
 */
const addressSpaceOf = (placement: { subnetId?: string }): string => placement.subnetId ?? 'default-vpc';

/** Hears of an instance that has just entered a state, once everything about that state is true of it. */
export type InstanceStateListener = (instance: Instance) => void;

/** The EC2 instances of every stack, with the lifecycle an auto-scaling group drives them through. */
export class Fleet {
  private readonly instances = new Map<string, Instance>();
  /** Private addresses held by instances that are not terminated, per address space. */
  private readonly addressesInUse = new Map<string, Set<string>>();
  private sequence = 0;

  constructor(
    private readonly region: string,
    private readonly scheduler: Scheduler,
    private readonly timing: FleetTiming,
    private readonly onStateChange: InstanceStateListener = () => undefined,
  ) {}

  /**
   * Launches `pending` instances that are `running` after `boot` simulated milliseconds. All or nothing: when a
   * subnet has too few free addresses, nothing is launched and the call throws EC2's
   * InsufficientFreeAddressesInSubnet.
   */
  launch(request: LaunchRequest, boot: number): Instance[] {
    const addresses = this.reserveAddresses(request);
    const launchTime = new Date();
    launchTime.setMilliseconds(0);
    const launched: Instance[] = [];
    for (let index = 0; index < request.count; index += 1) {
      const slot = request.slots[index % request.slots.length];
      const privateIpAddress = addresses[index];
      if (!slot || privateIpAddress === undefined) break;
      const publicIpAddress = slot.publicIp ? randomPublicAddress() : undefined;
      const instance: Instance = {
        sequence: (this.sequence += 1),
        instanceId: ec2Id('i'),
        reservationId: ec2Id('r'),
        imageId: request.imageId,
        instanceType: request.instanceType,
        ...(request.keyName ? { keyName: request.keyName } : {}),
        state: 'pending',
        stateTransitionReason: '',
        launchTime,
        availabilityZone: slot.availabilityZone,
        ...(slot.subnetId ? { subnetId: slot.subnetId } : {}),
        ...(slot.vpcId ? { vpcId: slot.vpcId } : {}),
        privateIpAddress,
        privateDnsName: privateDnsName(privateIpAddress, this.region),
        ...(publicIpAddress ? { publicIpAddress, publicDnsName: publicDnsName(publicIpAddress, this.region) } : {}),
        amiLaunchIndex: 0,
        securityGroupIds: request.securityGroupIds,
        tags: request.tags,
      };
      this.instances.set(instance.instanceId, instance);
      launched.push(instance);
    }
    const ids = launched.map((instance) => instance.instanceId);
    for (const instance of launched) this.onStateChange(instance);
    this.scheduler.after(boot, () => this.announce(this.move(ids, 'pending', 'running')));
    return launched;
  }

  private reserveAddresses(request: LaunchRequest): string[] {
    const reserved: { space: Set<string>; address: string }[] = [];
    for (let index = 0; index < request.count; index += 1) {
      const slot = request.slots[index % request.slots.length];
      if (!slot) break;
      const space = this.addressSpace(addressSpaceOf(slot));
      const address = allocateAddress(slot.cidrBlock, space);
      if (address === undefined) {
        for (const taken of reserved) taken.space.delete(taken.address);
        throw insufficientAddressesError(slot.subnetId ?? slot.cidrBlock);
      }
      space.add(address);
      reserved.push({ space, address });
    }
    return reserved.map((taken) => taken.address);
  }

  private addressSpace(key: string): Set<string> {
    let space = this.addressesInUse.get(key);
    if (!space) {
      space = new Set();
      this.addressesInUse.set(key, space);
    }
    return space;
  }

  /**
   * A terminated instance's network interface is deleted, which gives its private address back to the subnet.
   * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html
   */
  private releaseAddress(instance: Instance): void {
    const key = addressSpaceOf(instance);
    const space = this.addressesInUse.get(key);
    space?.delete(instance.privateIpAddress);
    if (space?.size === 0) this.addressesInUse.delete(key);
  }

  /** shutting-down now, terminated after a while, and eventually no longer listed. */
  terminate(ids: readonly string[], reason: string): void {
    const stamp = new Date().toISOString().replace(/\.\d+Z$/, ' GMT').replace('T', ' ');
    const terminating = ids.filter((id) => {
      const instance = this.instances.get(id);
      if (!instance || instance.state === 'shutting-down' || instance.state === 'terminated') return false;
      instance.state = 'shutting-down';
      instance.stateTransitionReason = `${reason} (${stamp})`;
      this.onStateChange(instance);
      return true;
    });
    this.finishTerminating(terminating);
  }

  /** After the shutdown time: terminated, public address and private address given back, forgotten after the retention. */
  private finishTerminating(ids: readonly string[]): void {
    this.scheduler.after(this.timing.shutdown, () => {
      const terminated = this.move(ids, 'shutting-down', 'terminated');
      for (const id of ids) {
        const instance = this.instances.get(id);
        if (!instance) continue;
        delete instance.publicIpAddress;
        delete instance.publicDnsName;
        this.releaseAddress(instance);
      }
      // Told once DescribeInstances shows all of `terminated` (no public address, the private one given back).
      this.announce(terminated);
      this.forgetLater(ids);
    });
  }

  private forgetLater(ids: readonly string[]): void {
    this.scheduler.after(this.timing.retention, () => {
      for (const id of ids) this.instances.delete(id);
    });
  }

  get(id: string): Instance | undefined {
    return this.instances.get(id);
  }

  /** In launch order. */
  list(): Instance[] {
    return [...this.instances.values()];
  }

  /** What a restart needs to carry on: every instance still listed, and the launch sequence. */
  snapshot(): FleetSnapshot {
    return { sequence: this.sequence, instances: this.list() };
  }

  /**
   * Takes back the instances of a snapshot (the process restarted) and carries on with their lifecycles: `pending`
   * boots, `shutting-down` terminates, `terminated` is forgotten after the retention, each from now.
   */
  restore(snapshot: FleetSnapshot, boot: number): void {
    this.sequence = Math.max(this.sequence, snapshot.sequence);
    for (const instance of snapshot.instances) {
      this.instances.set(instance.instanceId, instance);
      // A restored instance that is not terminated still holds its private address.
      if (instance.state !== 'terminated') this.addressSpace(addressSpaceOf(instance)).add(instance.privateIpAddress);
    }
    const inState = (state: InstanceStateName) => snapshot.instances.filter((instance) => instance.state === state).map((instance) => instance.instanceId);
    const pending = inState('pending');
    if (pending.length > 0) this.scheduler.after(boot, () => this.announce(this.move(pending, 'pending', 'running')));
    const terminating = inState('shutting-down');
    if (terminating.length > 0) this.finishTerminating(terminating);
    const terminated = inState('terminated');
    if (terminated.length > 0) this.forgetLater(terminated);
  }

  /** Moves the instances still in `from` to `to`, and returns those it moved. */
  private move(ids: readonly string[], from: InstanceStateName, to: InstanceStateName): Instance[] {
    const moved: Instance[] = [];
    for (const id of ids) {
      const instance = this.instances.get(id);
      if (instance?.state !== from) continue;
      instance.state = to;
      moved.push(instance);
    }
    return moved;
  }

  private announce(instances: readonly Instance[]): void {
    for (const instance of instances) this.onStateChange(instance);
  }
}
