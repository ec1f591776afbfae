import type { Caller } from '../domain/access';
import type { ClusterNode } from '../domain/cluster';
import { getCluster } from './read-clusters';
import type { ClusterReader } from './ports';

export interface NodeList {
  items: ClusterNode[];
}

/**
 * The AWS side of `docker node ls`, from the record alone: the inventory READY recorded, kept current since by EC2's
 * state-change events (each node's state) and Auto Scaling's launch/terminate events (the instances a group
 * replaces). See await-instances.ts `onInstanceState` and auto-scaling-events.ts. Each node says when its state
 * was known (`stateAt`).
 */
export async function listClusterNodes(deps: { store: ClusterReader }, query: { caller: Caller | string; id: string }): Promise<NodeList> {
  const cluster = await getCluster(deps.store, query.caller, query.id, 'read');
  return { items: cluster.nodes };
}
