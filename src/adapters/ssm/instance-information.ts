/**
 * SSM's view of the nodes' agents, for the health sweep: DescribeInstanceInformation by InstanceIds (a manager group
 * holds at most 7, one page of up to 50). PingStatus `ConnectionLost` on a running instance means it stopped
 * reporting: it hangs, or lost its network. An instance whose agent never registered is not listed.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html
 */
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { ObservedAgent } from '../../domain/health';
import type { NodeAgents } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';
import { clientsByRegion } from '../clients-by-region';

/** The most DescribeInstanceInformation returns a page; also the most values a filter takes (100) halves to it. */
const PAGE = 50;

export function buildNodeAgents(clientFor: (region: string) => SSMClient = clientsByRegion((region) => new SSMClient({ region }))): NodeAgents {
  return {
    async agentsOf(region, instanceIds) {
      const agents: ObservedAgent[] = [];
      try {
        for (let start = 0; start < instanceIds.length; start += PAGE) {
          const ids = instanceIds.slice(start, start + PAGE);
          let nextToken: string | undefined;
          do {
            const result = await clientFor(region).send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: ids }], MaxResults: PAGE, NextToken: nextToken }));
            for (const info of result.InstanceInformationList ?? []) {
              if (info.InstanceId) agents.push({ instanceId: info.InstanceId, pingStatus: info.PingStatus ?? 'unknown' });
            }
            nextToken = result.NextToken;
          } while (nextToken);
        }
      } catch (error) {
        classifyAwsError(error, 'DescribeInstanceInformation');
      }
      return agents;
    },
  };
}
