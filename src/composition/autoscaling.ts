/** The Auto Scaling client's one user: the health sweep (a cluster's groups, and autoRepair's SetInstanceHealth). */
import { buildClusterGroups } from '../adapters/autoscaling/cluster-groups';
import type { ClusterGroups } from '../use-cases/ports';

export function clusterGroups(): ClusterGroups {
  return buildClusterGroups();
}
