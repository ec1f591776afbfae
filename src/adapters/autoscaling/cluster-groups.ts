/**
 * EC2 Auto Scaling, for the health sweep and autoRepair: a cluster's groups by its cluster-id tag (one
 * DescribeAutoScalingGroups with a `tag:` filter, instances included; a cluster has two groups, so one page), and
 * SetInstanceHealth to have a group replace a node.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetInstanceHealthCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { CLUSTER_TAGS } from '../../domain/cluster';
import type { ClusterGroup, ClusterGroups } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';
import { clientsByRegion } from '../clients-by-region';

/** Two groups a cluster; more pages than that only if someone tagged other groups with its id. */
const MAX_PAGES = 5;

function toGroup(group: AutoScalingGroup): ClusterGroup {
  const role = group.Tags?.find((tag) => tag.Key === CLUSTER_TAGS.role)?.Value === 'manager' ? 'manager' : 'worker';
  return {
    name: group.AutoScalingGroupName ?? '',
    role,
    desiredCapacity: group.DesiredCapacity ?? 0,
    instances: (group.Instances ?? []).map((instance) => ({
      instanceId: instance.InstanceId ?? '',
      lifecycleState: instance.LifecycleState ?? 'unknown',
      healthStatus: instance.HealthStatus ?? 'unknown',
    })),
  };
}

export function buildClusterGroups(clientFor: (region: string) => AutoScalingClient = clientsByRegion((region) => new AutoScalingClient({ region }))): ClusterGroups {
  return {
    async groupsOfCluster(region, clusterId) {
      const groups: ClusterGroup[] = [];
      let nextToken: string | undefined;
      try {
        for (let page = 0; page < MAX_PAGES; page++) {
          const result = await clientFor(region).send(
            new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: `tag:${CLUSTER_TAGS.clusterId}`, Values: [clusterId] }], MaxRecords: 100, NextToken: nextToken }),
          );
          groups.push(...(result.AutoScalingGroups ?? []).map(toGroup));
          nextToken = result.NextToken;
          if (!nextToken) break;
        }
      } catch (error) {
        classifyAwsError(error, 'DescribeAutoScalingGroups');
      }
      return groups;
    },

    async markUnhealthy(region, instanceId) {
      try {
        await clientFor(region).send(new SetInstanceHealthCommand({ InstanceId: instanceId, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: true }));
      } catch (error) {
        classifyAwsError(error, 'SetInstanceHealth');
      }
    },
  };
}
