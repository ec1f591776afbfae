/**
 * The HTTP API's routes and which function serves each. serverless.yml declares the same routes (a test compares
 * them); the local HTTP front serves exactly these.
 */
import type { Dependencies } from '../../composition';
import { connectClusterHandler } from './connect-cluster';
import { createClusterHandler } from './create-cluster';
import { deleteClusterHandler } from './delete-cluster';
import { getClusterHandler } from './get-cluster';
import { listClusterDeliveriesHandler } from './list-cluster-deliveries';
import { listClusterEventsHandler } from './list-cluster-events';
import { listClusterNodesHandler } from './list-cluster-nodes';
import { getClusterDiagnosticsHandler } from './get-cluster-diagnostics';
import { collectClusterDiagnosticsHandler } from './collect-cluster-diagnostics';
import { listClustersHandler } from './list-clusters';
import { handler as openApiHandler } from './openapi';
import { recordClusterActivityHandler } from './record-cluster-activity';
import { redeliverWebhookHandler } from './redeliver-webhook';
import { slackCommandHandler } from './slack-command';
import { updateClusterHandler } from './update-cluster';
import { packagedConsolePage, webConsoleHandler } from './web-console';
import { hibernateClusterHandler, upgradeClusterHandler, wakeClusterHandler } from './cluster-operation';
import type { HttpEvent, HttpResult } from './middleware';
import type { Context } from 'aws-lambda';

export type RouteHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export interface HttpRoute {
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  path: string;
  /** The function's name in serverless.yml. */
  functionName: string;
  build: (deps: Dependencies) => RouteHandler;
  /**
   * `caller`: an authorizer establishes the caller (IAM on the IAM API, our API-key authorizer on the key API and in
   * the local sandbox) and the route's handler refuses a request without one. `slack-signature`: no authorizer; the
   * route checks Slack's signature itself. `public`: no authorizer and no caller, on both APIs: the web console's page,
   * which holds nothing secret (its API calls carry the key the person signs in with). Every other route is `caller`.
   */
  auth: 'caller' | 'slack-signature' | 'public';
}

export const httpRoutes: HttpRoute[] = [
  { method: 'POST', path: '/clusters', functionName: 'createCluster', build: createClusterHandler, auth: 'caller' },
  { method: 'GET', path: '/clusters', functionName: 'listClusters', build: listClustersHandler, auth: 'caller' },
  { method: 'GET', path: '/clusters/{id}', functionName: 'getCluster', build: getClusterHandler, auth: 'caller' },
  { method: 'DELETE', path: '/clusters/{id}', functionName: 'deleteCluster', build: deleteClusterHandler, auth: 'caller' },
  { method: 'PATCH', path: '/clusters/{id}', functionName: 'updateCluster', build: updateClusterHandler, auth: 'caller' },
  { method: 'POST', path: '/clusters/{id}/upgrade', functionName: 'upgradeCluster', build: upgradeClusterHandler, auth: 'caller' },
  { method: 'POST', path: '/clusters/{id}/hibernate', functionName: 'hibernateCluster', build: hibernateClusterHandler, auth: 'caller' },
  { method: 'POST', path: '/clusters/{id}/wake', functionName: 'wakeCluster', build: wakeClusterHandler, auth: 'caller' },
  { method: 'POST', path: '/clusters/{id}/activity', functionName: 'recordClusterActivity', build: recordClusterActivityHandler, auth: 'caller' },
  { method: 'GET', path: '/clusters/{id}/nodes', functionName: 'listClusterNodes', build: listClusterNodesHandler, auth: 'caller' },
  { method: 'GET', path: '/clusters/{id}/connect', functionName: 'connectCluster', build: connectClusterHandler, auth: 'caller' },
  { method: 'GET', path: '/clusters/{id}/diagnostics', functionName: 'getClusterDiagnostics', build: getClusterDiagnosticsHandler, auth: 'caller' },
  { method: 'POST', path: '/clusters/{id}/diagnostics', functionName: 'collectClusterDiagnostics', build: collectClusterDiagnosticsHandler, auth: 'caller' },
  { method: 'GET', path: '/clusters/{id}/events', functionName: 'listClusterEvents', build: listClusterEventsHandler, auth: 'caller' },
  { method: 'GET', path: '/openapi.json', functionName: 'openApi', build: () => openApiHandler, auth: 'caller' },
  { method: 'GET', path: '/clusters/{id}/deliveries', functionName: 'listClusterDeliveries', build: listClusterDeliveriesHandler, auth: 'caller' },
  { method: 'POST', path: '/clusters/{id}/deliveries/{deliveryId}/redeliver', functionName: 'redeliverWebhook', build: redeliverWebhookHandler, auth: 'caller' },
  // The sandbox serves the page it builds from source instead (sandbox/local-cloud.ts): there is no packaged one there.
  { method: 'GET', path: '/console', functionName: 'webConsole', build: () => webConsoleHandler(packagedConsolePage), auth: 'public' },
  {
    method: 'POST',
    path: '/chatops/slack',
    functionName: 'slackCommand',
    build: (deps) => slackCommandHandler({ slack: deps.config.slack, clock: deps.clock, seenBefore: deps.seenBefore, dispatch: deps.chatDispatch }),
    auth: 'slack-signature',
  },
];
