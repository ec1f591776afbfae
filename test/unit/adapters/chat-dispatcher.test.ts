/**
 * The Slack route's hand-over to the worker: one event on the default bus. PutEvents answers 200 even when it refuses
 * an entry: "If an individual entry within a request fails, EventBridge continues processing the rest … You must
 * detect unsuccessful entries" by FailedEntryCount and each entry's ErrorCode (PutEvents, EventBridge API Reference:
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html; the codes and which are retryable:
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html). So a refused entry
 * must fail the hand-over, or the person is told "On it" for a command nobody runs.
 */
import { EventBridgeClient, EventBridgeServiceException, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildChatDispatcher } from '../../../src/adapters/eventbridge/chat-dispatcher';
import { EventRejectedError, TransientAwsError } from '../../../src/domain/errors';
import type { ChatCommandJob } from '../../../src/use-cases/run-chat-command';

const SOURCE = 'swarm-provisioner.test.chatops';
const eventBridge = mockClient(EventBridgeClient);
const dispatch = () => buildChatDispatcher(new EventBridgeClient({ region: 'us-east-1' }), SOURCE);
const job: ChatCommandJob = {
  owner: 'slack:T0001:U0042',
  userId: 'U0042',
  triggerId: '13345224609.738474920.8088930838d88f008e0',
  command: { verb: 'create', name: 'demo', options: { workers: '2' } },
  responseUrl: 'https://hooks.slack.com/commands/T0001/1234/abcd',
};

beforeEach(() => eventBridge.reset());

describe('the chat command dispatcher', () => {
  it('puts one event on the default bus with our source, the Chat Command Received detail-type and the job as detail', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '11710aed-b79e-4468-a20b-bb3c0c3b4860' }] });

    await dispatch()(job);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const [entry, ...others] = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(others).toEqual([]);
    // No EventBusName: the default bus, the only one the role may put to.
    expect(entry).toEqual({ Source: SOURCE, DetailType: 'Chat Command Received', Detail: JSON.stringify(job) });
    expect(JSON.parse(entry!.Detail!)).toEqual(job);
  });

  it('fails the hand-over when PutEvents answers 200 with a refused entry (FailedEntryCount 1)', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' }] });

    const handOver = dispatch()(job);

    await expect(handOver).rejects.toBeInstanceOf(EventRejectedError);
    await expect(handOver).rejects.toMatchObject({ errorCode: 'NotAuthorizedForSourceException', message: expect.stringContaining('Not authorized for the source.') });
  });

  it('reads a refused entry’s retryable codes (InternalFailure, ThrottlingException) as transient', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });
    await expect(dispatch()(job)).rejects.toBeInstanceOf(TransientAwsError);
  });

  it('fails the hand-over when the answer has no event id, whatever the count says', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await expect(dispatch()(job)).rejects.toMatchObject({ name: 'EventRejectedError', errorCode: 'Unknown' });
  });

  it('turns a throttled call into TransientAwsError and passes any other failure on', async () => {
    eventBridge.on(PutEventsCommand).rejects(new EventBridgeServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    await expect(dispatch()(job)).rejects.toBeInstanceOf(TransientAwsError);

    eventBridge.reset();
    eventBridge.on(PutEventsCommand).rejects(new EventBridgeServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized', $metadata: { httpStatusCode: 400 } }));
    await expect(dispatch()(job)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
