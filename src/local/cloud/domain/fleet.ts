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

/** The EC2 instances of every stack, with the lifecycle an auto-scaling group drives them through. */
export class Fleet {
  private readonly instances = new Map<string, Instance>();
  private sequence = 0;

  constructor(
    private readonly region: string,
    private readonly scheduler: Scheduler,
    private readonly timing: FleetTiming,
  ) {}

  /** Launches `pending` instances that are `running` after `boot` simulated milliseconds. */
  launch(request: LaunchRequest, boot: number): Instance[] {
    const taken = new Set([...this.instances.values()].map((instance) => instance.privateIpAddress));
    const launchTime = new Date();
    launchTime.setMilliseconds(0);
    const launched: Instance[] = [];
    for (let index = 0; index < request.count; index += 1) {
      const slot = request.slots[index % request.slots.length];
      if (!slot) break;
      const privateIpAddress = allocateAddress(slot.cidrBlock, taken);
      taken.add(privateIpAddress);
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
    this.scheduler.after(boot, () => this.move(ids, 'pending', 'running'));
    return launched;
  }

  /** shutting-down now, terminated after a while, and eventually no longer listed. */
  terminate(ids: readonly string[], reason: string): void {
    const stamp = new Date().toISOString().replace(/\.\d+Z$/, ' GMT').replace('T', ' ');
    const terminating = ids.filter((id) => {
      const instance = this.instances.get(id);
      if (!instance || instance.state === 'shutting-down' || instance.state === 'terminated') return false;
      instance.state = 'shutting-down';
      instance.stateTransitionReason = `${reason} (${stamp})`;
      return true;
    });
    this.scheduler.after(this.timing.shutdown, () => {
      this.move(terminating, 'shutting-down', 'terminated');
      for (const id of terminating) {
        const instance = this.instances.get(id);
        if (instance) delete instance.publicIpAddress;
        if (instance) delete instance.publicDnsName;
      }
      this.scheduler.after(this.timing.retention, () => {
        for (const id of terminating) this.instances.delete(id);
      });
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
    for (const instance of snapshot.instances) this.instances.set(instance.instanceId, instance);
    const inState = (state: InstanceStateName) => snapshot.instances.filter((instance) => instance.state === state).map((instance) => instance.instanceId);
    const pending = inState('pending');
    if (pending.length > 0) this.scheduler.after(boot, () => this.move(pending, 'pending', 'running'));
    const forget = (ids: string[]) => this.scheduler.after(this.timing.retention, () => ids.forEach((id) => this.instances.delete(id)));
    const terminating = inState('shutting-down');
    if (terminating.length > 0) {
      this.scheduler.after(this.timing.shutdown, () => {
        this.move(terminating, 'shutting-down', 'terminated');
        for (const id of terminating) {
          const instance = this.instances.get(id);
          if (instance) delete instance.publicIpAddress;
          if (instance) delete instance.publicDnsName;
        }
        forget(terminating);
      });
    }
    const terminated = inState('terminated');
    if (terminated.length > 0) forget(terminated);
  }

  private move(ids: readonly string[], from: InstanceStateName, to: InstanceStateName): void {
    for (const id of ids) {
      const instance = this.instances.get(id);
      if (instance?.state === from) instance.state = to;
    }
  }
}
