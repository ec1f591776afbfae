/**
 * The HTTP API's routes and which function serves each. serverless.yml declares the same routes (a test compares
 * them); the local HTTP front serves exactly these.
 */
import type { Dependencies } from '../../composition';
import { createClusterHandler } from './create-cluster';
import { deleteClusterHandler } from './delete-cluster';
import { getClusterHandler } from './get-cluster';
import { listClusterEventsHandler } from './list-cluster-events';
import { listClusterNodesHandler } from './list-cluster-nodes';
import { listClustersHandler } from './list-clusters';
import { handler as openApiHandler } from './openapi';
import { recordClusterActivityHandler } from './record-cluster-activity';
import { updateClusterHandler } from './update-cluster';
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
  { method: 'DELETE', path: '/clusters/{id}', functionName: 'deleteCluster', build: deleteClusterHandler },
  { method: 'PATCH', path: '/clusters/{id}', functionName: 'updateCluster', build: updateClusterHandler },
  { method: 'POST', path: '/clusters/{id}/activity', functionName: 'recordClusterActivity', build: recordClusterActivityHandler },
  { method: 'GET', path: '/clusters/{id}/nodes', functionName: 'listClusterNodes', build: listClusterNodesHandler },
  { method: 'GET', path: '/clusters/{id}/events', functionName: 'listClusterEvents', build: listClusterEventsHandler },
  { method: 'GET', path: '/openapi.json', functionName: 'openApi', build: () => openApiHandler },
];
