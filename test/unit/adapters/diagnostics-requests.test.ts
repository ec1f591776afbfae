/**
 * The diagnostics route's hand-over to the collector: one event on the default bus, through the PutEvents helper
 * the Slack route shares. PutEvents answers 200 even when it refuses an entry; the entry's ErrorCode says so and
 * which codes are retryable (PutEventsResultEntry, EventBridge API Reference:
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildDiagnosticsRequests } from '../../../src/adapters/eventbridge/diagnostics-requests';
import { EventRejectedError, TransientAwsError } from '../../../src/domain/errors';

const SOURCE = 'swarm-provisioner.test.diagnostics';
const eventBridge = mockClient(EventBridgeClient);
const handOver = () => buildDiagnosticsRequests(new EventBridgeClient({ region: 'us-east-1' }), SOURCE);
const job = { clusterId: 'c-01jdemo', requestId: 'dr-01jrequest' };

beforeEach(() => eventBridge.reset());

describe('the diagnostics hand-over', () => {
  it('puts one event on the default bus with our source, the Cluster Diagnostics Requested detail-type and the job as detail', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '11710aed-b79e-4468-a20b-bb3c0c3b4860' }] });

    await handOver()(job);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries).toEqual([{ Source: SOURCE, DetailType: 'Cluster Diagnostics Requested', Detail: JSON.stringify(job) }]);
  });

  it('fails with TransientAwsError on a refused entry EventBridge says may be retried (ThrottlingException)', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });

    await expect(handOver()(job)).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('fails with EventRejectedError on an entry refused for itself (AccessDeniedException: a source the role may not put)', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not authorized' }] });

    await expect(handOver()(job)).rejects.toMatchObject({ name: new EventRejectedError('x', 'y').name, message: expect.stringContaining('diagnostics request event: AccessDeniedException') });
  });
});
