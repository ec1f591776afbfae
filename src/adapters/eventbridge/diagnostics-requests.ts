/**
 * Hands an on-request diagnostics collection to the collector function as one event on the default bus: a rule of
 * serverless.yml (source = this deployment's DIAGNOSTICS_EVENT_SOURCE, detail-type `Cluster Diagnostics Requested`)
 * invokes it asynchronously, so POST /clusters/{id}/diagnostics answers 202 at once and carries neither the EC2 nor
 * the SSM client. The detail is two ids.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DIAGNOSTICS_REQUESTED } from '../../domain/diagnostics';
import type { DiagnosticsRequests } from '../../use-cases/ports';
import { putOneEvent } from './put-event';

export function buildDiagnosticsRequests(client: EventBridgeClient, source: string): DiagnosticsRequests {
  return (job) => putOneEvent(client, { source, detailType: DIAGNOSTICS_REQUESTED, detail: job, what: 'diagnostics request' });
}
