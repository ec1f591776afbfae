/** EC2, for the node inventory: every instance that carries the cluster-id tag the template propagates at launch. */
import { DescribeInstancesCommand, EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { CLUSTER_TAGS, type ClusterNode } from '../../domain/cluster';
import { byRoleZoneId } from '../../domain/nodes';
import type { InstanceInventory } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';
import { clientsByRegion } from '../clients-by-region';

/** A cluster has at most 5 + 1000 instances; 11 pages of 100 cover it with room for replaced ones. */
const MAX_PAGES = 20;
/** EC2 takes at most 200 values in one filter. */
const IDS_PER_FILTER = 200;

function toNode(instance: Instance): ClusterNode {
  const tag = (key: string) => instance.Tags?.find((t) => t.Key === key)?.Value;
  return {
    instanceId: instance.InstanceId ?? '',
    role: tag(CLUSTER_TAGS.role) === 'manager' ? 'manager' : 'worker',
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    state: instance.State?.Name ?? 'unknown',
    instanceType: instance.InstanceType,
    privateIp: instance.PrivateIpAddress,
    publicIp: instance.PublicIpAddress,
    launchedAt: instance.LaunchTime?.toISOString(),
  };
}

export function buildInstanceInventory(clientFor: (region: string) => EC2Client = clientsByRegion((region) => new EC2Client({ region }))): InstanceInventory {
  async function describe(region: string, filters: Filter[]): Promise<ClusterNode[]> {
    const nodes: ClusterNode[] = [];
    let nextToken: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await clientFor(region).send(new DescribeInstancesCommand({ Filters: filters, MaxResults: 100, NextToken: nextToken }));
        for (const reservation of result.Reservations ?? []) nodes.push(...(reservation.Instances ?? []).map(toNode));
        nextToken = result.NextToken;
        if (!nextToken) break;
      }
    } catch (error) {
      classifyAwsError(error, 'DescribeInstances');
    }
    return nodes;
  }

  return {
    async instancesOfCluster(region, clusterId) {
      const nodes = await describe(region, [{ Name: `tag:${CLUSTER_TAGS.clusterId}`, Values: [clusterId] }]);
      return nodes.sort(byRoleZoneId);
    },

    async instancesById(region, instanceIds) {
      // A filter, not InstanceIds: EC2 fails the whole call with InvalidInstanceID.NotFound when one id is unknown,
      // and an id EC2 has forgotten is exactly what a delete wants to hear about (it is long terminated).
      const nodes: ClusterNode[] = [];
      for (let start = 0; start < instanceIds.length; start += IDS_PER_FILTER) {
        nodes.push(...(await describe(region, [{ Name: 'instance-id', Values: instanceIds.slice(start, start + IDS_PER_FILTER) }])));
      }
      return nodes.sort(byRoleZoneId);
    },
  };
}

