/**
 * The HTTP API's routes and which function serves each. serverless.yml declares the same routes (a test compares
 * them); the local HTTP front serves exactly these.
 */
import type { Dependencies } from '../../composition';
import { createClusterHandler } from './create-cluster';
import { getClusterHandler } from './get-cluster';
import { listClusterDeliveriesHandler } from './list-cluster-deliveries';
import { listClusterEventsHandler } from './list-cluster-events';
import { listClusterNodesHandler } from './list-cluster-nodes';
import { listClustersHandler } from './list-clusters';
import { handler as openApiHandler } from './openapi';
import { redeliverWebhookHandler } from './redeliver-webhook';
import type { HttpEvent, HttpResult } from './middleware';
import type { Context } from 'aws-lambda';

export type RouteHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export interface HttpRoute {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  path: string;
  /** The function's name in serverless.yml. */
  functionName: string;
  build: (deps: Dependencies) => RouteHandler;
}

export const httpRoutes: HttpRoute[] = [
  { method: 'POST', path: '/clusters', functionName: 'createCluster', build: createClusterHandler },
  { method: 'GET', path: '/clusters', functionName: 'listClusters', build: listClustersHandler },
  { method: 'GET', path: '/clusters/{id}', functionName: 'getCluster', build: getClusterHandler },
  { method: 'GET', path: '/clusters/{id}/nodes', functionName: 'listClusterNodes', build: listClusterNodesHandler },
  { method: 'GET', path: '/clusters/{id}/events', functionName: 'listClusterEvents', build: listClusterEventsHandler },
  { method: 'GET', path: '/openapi.json', functionName: 'openApi', build: () => openApiHandler },
  { method: 'GET', path: '/clusters/{id}/deliveries', functionName: 'listClusterDeliveries', build: listClusterDeliveriesHandler },
  { method: 'POST', path: '/clusters/{id}/deliveries/{deliveryId}/redeliver', functionName: 'redeliverWebhook', build: redeliverWebhookHandler },
];
