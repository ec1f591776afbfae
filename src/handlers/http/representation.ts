import { publicView, type Cluster, type TimelineEvent } from '../../domain/cluster';

/** A cluster as the API shows it: never the webhook secret, always the links to its sub-resources. */
export function clusterResource(cluster: Cluster) {
  const self = `/clusters/${cluster.id}`;
  return { ...publicView(cluster), links: { self, nodes: `${self}/nodes`, events: `${self}/events` } };
}

export function eventResource(event: TimelineEvent) {
  const { clusterId: _clusterId, ...rest } = event;
  return rest;
}
