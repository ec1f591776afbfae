import type { Caller } from '../domain/access';
import { connectInstructions, type ConnectInstructions } from '../domain/connect';
import { getCluster } from './read-clusters';
import type { ClusterReader } from './ports';

/**
 * The commands that reach one of the cluster's running managers, from the record alone: the node inventory that
 * EC2's and Auto Scaling's events keep current (list-cluster-nodes.ts), so no AWS call at request time. The same
 * access as reading the cluster (its owner, or an operator).
 */
export async function connectCluster(deps: { store: ClusterReader }, query: { caller: Caller | string; id: string }): Promise<ConnectInstructions> {
  return connectInstructions(await getCluster(deps.store, query.caller, query.id, 'read'));
}
