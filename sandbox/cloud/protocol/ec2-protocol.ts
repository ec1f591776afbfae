import type { CloudSimulation } from '../domain/cloud';
import { CloudError } from '../domain/errors';
import { INSTANCE_STATE_CODES, type Instance } from '../domain/fleet';
import { ACCOUNT_ID } from '../domain/ids';
import { describeInstances, type InstanceQuery } from '../domain/instance-query';
import { availabilityZones } from '../domain/intrinsics';
import { consoleOutputOf } from '../domain/console-output';
import type { QueryForm } from './query-form';
import { items, xmlDocument, type XmlObject } from './xml';

export const EC2_VERSION = '2016-11-15';
const NAMESPACE = `http://ec2.amazonaws.com/doc/${EC2_VERSION}/`;

type Action = (form: QueryForm, cloud: CloudSimulation) => XmlObject;

export const instanceQuery = (form: QueryForm): InstanceQuery => {
  const maxResults = form.number('MaxResults');
  const nextToken = form.get('NextToken');
  return {
    instanceIds: form.list('InstanceId'),
    filters: form.filters(),
    ...(maxResults !== undefined ? { maxResults } : {}),
    ...(nextToken !== undefined ? { nextToken } : {}),
  };
};

/** Zone ids in the AWS format: `use1-az1` for the first zone of us-east-1. */
const zoneId = (region: string, index: number): string => {
  const [area = '', direction = '', number = ''] = region.split('-');
  return `${area}${direction.charAt(0)}${number}-az${index + 1}`;
};

const instanceXml = (instance: Instance): XmlObject => ({
  instanceId: instance.instanceId,
  imageId: instance.imageId,
  instanceState: { code: INSTANCE_STATE_CODES[instance.state], name: instance.state },
  privateDnsName: instance.privateDnsName,
  dnsName: instance.publicDnsName ?? '',
  reason: instance.stateTransitionReason,
  keyName: instance.keyName,
  amiLaunchIndex: instance.amiLaunchIndex,
  instanceType: instance.instanceType,
  launchTime: instance.launchTime,
  placement: { availabilityZone: instance.availabilityZone, groupName: '', tenancy: 'default' },
  monitoring: { state: 'disabled' },
  subnetId: instance.subnetId,
  vpcId: instance.vpcId,
  privateIpAddress: instance.privateIpAddress,
  ipAddress: instance.publicIpAddress,
  groupSet: items(instance.securityGroupIds.map((groupId) => ({ groupId }))),
  architecture: 'x86_64',
  rootDeviceType: 'ebs',
  rootDeviceName: '/dev/xvda',
  virtualizationType: 'hvm',
  hypervisor: 'xen',
  tagSet: items(instance.tags.map((tag) => ({ key: tag.key, value: tag.value }))),
});

/** One reservation per launch, in the order the page lists the instances. */
const reservationsXml = (instances: readonly Instance[]): XmlObject[] => {
  const reservations = new Map<string, Instance[]>();
  for (const instance of instances) {
    const group = reservations.get(instance.reservationId) ?? [];
    group.push(instance);
    reservations.set(instance.reservationId, group);
  }
  return [...reservations].map(([reservationId, members]) => ({
    reservationId,
    ownerId: ACCOUNT_ID,
    groupSet: items([]),
    instancesSet: items(members.map(instanceXml)),
  }));
};

const actions: Record<string, Action> = {
  /** The console output, base64-encoded, as EC2 returns it; a terminated instance's stays readable while EC2 lists it. */
  GetConsoleOutput: (form, cloud) => {
    const instanceId = form.get('InstanceId') ?? '';
    const instance = cloud.fleet.get(instanceId);
    if (!instance) throw new CloudError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    return { instanceId, timestamp: new Date().toISOString(), output: Buffer.from(consoleOutputOf(instance)).toString('base64') };
  },

  DescribeInstances: (form, cloud) => {
    const { instances, nextToken } = describeInstances(cloud.fleet, instanceQuery(form));
    return { reservationSet: items(reservationsXml(instances)), nextToken };
  },

  DescribeAvailabilityZones: (form, cloud) => {
    const names = form.list('ZoneName');
    const filters = form.filters();
    const zones = availabilityZones(cloud.region).map((zoneName, index) => ({
      zoneName,
      zoneId: zoneId(cloud.region, index),
      zoneState: 'available',
      regionName: cloud.region,
      groupName: cloud.region,
      networkBorderGroup: cloud.region,
      optInStatus: 'opt-in-not-required',
      zoneType: 'availability-zone',
    }));
    const unknown = names.find((name) => !zones.some((zone) => zone.zoneName === name));
    if (unknown !== undefined) {
      throw new CloudError('InvalidParameterValue', `Invalid availability zone: [${unknown}]`);
    }
    const fields: Record<string, (zone: (typeof zones)[number]) => string> = {
      'zone-name': (zone) => zone.zoneName,
      'zone-id': (zone) => zone.zoneId,
      state: (zone) => zone.zoneState,
      'region-name': (zone) => zone.regionName,
      'zone-type': (zone) => zone.zoneType,
      'group-name': (zone) => zone.groupName,
      'opt-in-status': (zone) => zone.optInStatus,
    };
    const selected = zones.filter(
      (zone) =>
        (names.length === 0 || names.includes(zone.zoneName)) &&
        filters.every((filter) => {
          const field = fields[filter.name];
          if (!field) throw new CloudError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
          return filter.values.includes(field(zone));
        }),
    );
    return { availabilityZoneInfo: items(selected) };
  },
};

export const ec2Response = (action: string, form: QueryForm, cloud: CloudSimulation, requestId: string): string => {
  const handler = actions[action];
  if (!handler) throw new CloudError('InvalidAction', `The action ${action} is not valid for this web service.`);
  return xmlDocument(`${action}Response`, NAMESPACE, { requestId, ...handler(form, cloud) });
};

export const ec2Error = (error: CloudError, requestId: string): string =>
  xmlDocument('Response', undefined, {
    Errors: { Error: { Code: error.code, Message: error.message } },
    RequestID: requestId,
  });

/** EC2's name for throttling; the SDK retries it like CloudFormation's `Throttling`. */
export const ec2Throttled = (): CloudError => new CloudError('RequestLimitExceeded', 'Request limit exceeded.');
