import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudSimulation } from '../domain/cloud';
import { CloudError } from '../domain/errors';
import { FAULTS, isFault } from '../domain/faults';
import { requestId as newRequestId } from '../domain/ids';
import {
  CLOUDFORMATION_VERSION,
  cloudFormationError,
  cloudFormationResponse,
  cloudFormationThrottled,
  stackNamedIn,
} from './cloudformation-protocol';
import { ssmRunCommand } from './ssm-protocol';
import { AUTOSCALING_VERSION, autoScalingError, autoScalingResponse } from './autoscaling-protocol';
import { EC2_VERSION, ec2Error, ec2Response, ec2Throttled, instanceQuery } from './ec2-protocol';
import { QueryForm } from './query-form';

/** A query request is a form; a TemplateBody is at most 51,200 bytes, so 1 MiB leaves plenty of room. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface CloudServer {
  endpoint: string;
  callCount(action?: string): number;
  close(): Promise<void>;
}

export interface CloudServerOptions {
  host: string;
  port: number;
  /** Reports what the caller never sees: an unexpected error behind a generic InternalFailure. */
  onInternalError: (error: unknown) => void;
}

class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

const send = (response: ServerResponse, status: number, contentType: string, body: string, requestId?: string): void => {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    ...(requestId ? { 'x-amzn-requestid': requestId } : {}),
  });
  response.end(body);
};

const problem = (response: ServerResponse, status: number, title: string, detail: string): void =>
  send(response, status, 'application/problem+json', JSON.stringify({ type: 'about:blank', title, status, detail }));

type Service = 'cloudformation' | 'ec2' | 'autoscaling';

/**
 * One HTTP endpoint for both services, told apart by the `Version` field every query request carries. The
 * `/_simulator/` paths are the simulator's own control API (fault injection, health).
 */
const REPLACE_PATH = /^\/_simulator\/instances\/(i-[0-9a-f]+)\/replace$/;
const TERMINATE_PATH = /^\/_simulator\/instances\/(i-[0-9a-f]+)\/terminate$/;
const HANG_PATH = /^\/_simulator\/instances\/(i-[0-9a-f]+)\/hang$/;
const ACTIVITY_PATH = /^\/_simulator\/instances\/(i-[0-9a-f]+)\/activity$/;

export const startCloudServer = async (cloud: CloudSimulation, options: CloudServerOptions): Promise<CloudServer> => {
  const calls = new Map<string, number>();

  const answerQuery = (service: Service, action: string, form: QueryForm, requestId: string): string => {
    if (service === 'cloudformation') {
      if (cloud.throttlesStackCall(stackNamedIn(form))) throw cloudFormationThrottled();
      return cloudFormationResponse(action, form, cloud, requestId);
    }
    if (service === 'autoscaling') {
      if (cloud.throttlesOtherCall()) throw cloudFormationThrottled();
      return autoScalingResponse(action, form, cloud, requestId);
    }
    const throttled = action === 'DescribeInstances' ? cloud.throttlesInstanceQuery(instanceQuery(form)) : cloud.throttlesOtherCall();
    if (throttled) throw ec2Throttled();
    return ec2Response(action, form, cloud, requestId);
  };

  const handleQuery = (body: string, response: ServerResponse): void => {
    const requestId = newRequestId();
    const form = new QueryForm(body);
    const version = form.get('Version');
    const service: Service = version === EC2_VERSION ? 'ec2' : version === AUTOSCALING_VERSION ? 'autoscaling' : 'cloudformation';
    const renderError = service === 'ec2' ? ec2Error : service === 'autoscaling' ? autoScalingError : cloudFormationError;
    try {
      const action = form.get('Action');
      if (action === undefined) throw new CloudError('MissingAction', 'The request must contain the parameter Action');
      if (version !== EC2_VERSION && version !== CLOUDFORMATION_VERSION && version !== AUTOSCALING_VERSION) {
        throw new CloudError('InvalidParameterValue', `Unsupported Version ${version ?? '(none)'}: expected ${CLOUDFORMATION_VERSION}, ${EC2_VERSION} or ${AUTOSCALING_VERSION}`);
      }
      calls.set(action, (calls.get(action) ?? 0) + 1);
      send(response, 200, 'text/xml', answerQuery(service, action, form, requestId), requestId);
    } catch (error) {
      if (error instanceof CloudError) {
        send(response, error.httpStatus, 'text/xml', renderError(error, requestId), requestId);
        return;
      }
      options.onInternalError(error);
      const internal =
        service === 'ec2'
          ? new CloudError('InternalError', 'An internal error has occurred', 500)
          : new CloudError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);
      send(response, 500, 'text/xml', renderError(internal, requestId), requestId);
    }
  };

  const handleFaultRequest = (body: string, response: ServerResponse): void => {
    let request: { stack?: unknown; fault?: unknown; count?: unknown; ms?: unknown };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      problem(response, 400, 'Bad Request', 'the body must be JSON: {"stack": "<name, id or *>", "fault": "<fault>", "count": <n>} (events-delay: "ms": <n>)');
      return;
    }
    const { stack, fault, ms } = request ?? {};
    // events-delay takes its milliseconds as `ms` (or `count`, the tag's `:n`); the other faults a count.
    const count = fault === 'events-delay' && ms !== undefined ? ms : request?.count;
    if (typeof stack !== 'string' || stack === '' || !isFault(fault) || (count !== undefined && (!Number.isInteger(count) || (count as number) < 1))) {
      problem(response, 400, 'Bad Request', `stack must be a name, id or *; fault one of ${FAULTS.join(', ')}; count (events-delay: ms) a positive integer`);
      return;
    }
    cloud.injectFault(stack, fault, count as number | undefined);
    const parameter = count === undefined ? {} : fault === 'events-delay' ? { ms: count } : { count };
    send(response, 202, 'application/json', JSON.stringify({ stack, fault, ...parameter }));
  };

  /** POST /_simulator/instances/<id>/replace: the instance fails its health check and its group replaces it. */
  const handleReplaceRequest = (instanceId: string, response: ServerResponse): void => {
    try {
      const replacement = cloud.replaceInstance(instanceId);
      send(response, 202, 'application/json', JSON.stringify({ instanceId, replacement }));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      problem(response, 409, 'Conflict', error.message);
    }
  };

  /** POST /_simulator/ssm-parameters {"name", "value"?}: AWS publishes a new value (a new AMI) under the parameter. */
  const handleSsmRequest = (body: string, response: ServerResponse): void => {
    let request: { name?: unknown; value?: unknown };
    try {
      request = JSON.parse(body) as typeof request;
    } catch {
      request = {};
    }
    const { name, value } = request ?? {};
    if (typeof name !== 'string' || name === '' || (value !== undefined && typeof value !== 'string')) {
      problem(response, 400, 'Bad Request', 'the body must be JSON: {"name": "<ssm parameter name>", "value": "<optional, default a new AMI id>"}');
      return;
    }
    send(response, 200, 'application/json', JSON.stringify({ name, value: cloud.publishSsmParameter(name, value) }));
  };

  /** POST /_simulator/instances/<id>/terminate: someone else terminates the instance; nothing replaces it yet. */
  const handleTerminateRequest = (instanceId: string, response: ServerResponse): void => {
    try {
      cloud.terminateInstance(instanceId);
      send(response, 202, 'application/json', JSON.stringify({ instanceId, state: 'shutting-down' }));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      problem(response, 409, 'Conflict', error.message);
    }
  };

  /** POST /_simulator/instances/<id>/hang: the instance hangs (still running for EC2; SSM ConnectionLost; node Down). */
  const handleHangRequest = (instanceId: string, response: ServerResponse): void => {
    try {
      cloud.hangInstance(instanceId);
      send(response, 202, 'application/json', JSON.stringify({ instanceId, state: 'running', pingStatus: 'ConnectionLost', swarmNode: 'Down' }));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      problem(response, 409, 'Conflict', error.message);
    }
  };

  /** GET /_simulator/instances/<id>/activity: what the node did between its EC2 states (join, drain, leave). */
  const handleActivityRequest = (instanceId: string, response: ServerResponse): void => {
    const activity = cloud.nodeActivity(instanceId).map((entry) => ({ time: entry.time.toISOString(), groupName: entry.groupName, activity: entry.activity }));
    send(response, 200, 'application/json', JSON.stringify({ instanceId, activity }));
  };

  const ssm = ssmRunCommand(cloud);

  const server: Server = createServer((request, response) => {
    readBody(request).then(
      (body) => {
        const path = (request.url ?? '/').split('?')[0];
        if (path === '/_simulator/faults' && request.method === 'POST') handleFaultRequest(body, response);
        else if (path === '/_simulator/health' && request.method === 'GET') send(response, 200, 'application/json', '{"status":"ok"}');
        else if (REPLACE_PATH.test(path ?? '') && request.method === 'POST') handleReplaceRequest(REPLACE_PATH.exec(path!)![1]!, response);
        else if (TERMINATE_PATH.test(path ?? '') && request.method === 'POST') handleTerminateRequest(TERMINATE_PATH.exec(path!)![1]!, response);
        else if (HANG_PATH.test(path ?? '') && request.method === 'POST') handleHangRequest(HANG_PATH.exec(path!)![1]!, response);
        else if (ACTIVITY_PATH.test(path ?? '') && request.method === 'GET') handleActivityRequest(ACTIVITY_PATH.exec(path!)![1]!, response);
        else if (path === '/_simulator/ssm-parameters' && request.method === 'POST') handleSsmRequest(body, response);
        else if (typeof request.headers['x-amz-target'] === 'string' && request.headers['x-amz-target'].startsWith('AmazonSSM.')) {
          const answer = ssm(request.headers['x-amz-target'], body);
          send(response, answer.status, 'application/x-amz-json-1.1', answer.body);
        } else if (path?.startsWith('/_simulator/')) problem(response, 404, 'Not Found', `no simulator route ${request.method} ${path}`);
        else if (request.method === 'POST') handleQuery(body, response);
        else problem(response, 405, 'Method Not Allowed', 'query protocol requests are POSTed forms');
      },
      (error: unknown) => {
        if (error instanceof BodyTooLargeError) problem(response, 413, 'Payload Too Large', error.message);
        else options.onInternalError(error);
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    callCount: (action) =>
      action === undefined ? [...calls.values()].reduce((sum, count) => sum + count, 0) : (calls.get(action) ?? 0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
};
