import {
  BadRequestError,
  ClusterMissingError,
  ConflictError,
  DeliveryMissingError,
  EventRejectedError,
  ForbiddenError,
  IllegalTransitionError,
  INSTANCES_NOT_TERMINATED,
  NotFoundError,
  ProblemError,
  QuotaExceededError,
  ServiceUnavailableError,
  StackAlreadyExistsError,
  StackNameTakenError,
  StackNotYetUpdatableError,
  StackWaitClosedError,
  StaleClusterError,
  StaleDeliveryError,
  TransientAwsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../../src/domain/errors';

// The HTTP edge (src/handlers/http/middleware.ts) turns a ProblemError into an RFC 9457 problem+json answer: the
// class's status and title, the message as `detail` when `expose` is set, `errors`, `headers` and the extensions.
describe('the problem each refusal answers with', () => {
  it.each([
    [BadRequestError, 400, 'Bad request', 'BadRequestError'],
    [UnauthorizedError, 401, 'Unauthorized', 'UnauthorizedError'],
    [ForbiddenError, 403, 'Forbidden', 'ForbiddenError'],
    [NotFoundError, 404, 'Not found', 'NotFoundError'],
    [ConflictError, 409, 'Conflict', 'ConflictError'],
    [UnsupportedMediaTypeError, 415, 'Unsupported media type', 'UnsupportedMediaTypeError'],
    [ValidationError, 422, 'Validation failed', 'ValidationError'],
    [QuotaExceededError, 429, 'Quota exceeded', 'QuotaExceededError'],
    [ServiceUnavailableError, 503, 'Service unavailable', 'ServiceUnavailableError'],
  ] as const)('%p answers %i "%s", named for its class, its message shown to the caller', (ErrorClass, status, title, name) => {
    // Act
    const error = new ErrorClass('what went wrong');

    // Assess
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toBeInstanceOf(Error);
    expect({ status: error.status, title: error.title, name: error.name, message: error.message, expose: error.expose }).toEqual({
      status,
      title,
      name,
      message: 'what went wrong',
      expose: true,
    });
  });

  it('carries no field errors, headers or extensions unless given, and no cause', () => {
    // Act
    const error = new NotFoundError('cluster c-1 not found');

    // Assess
    expect(error.errors).toEqual([]);
    expect(error.headers).toEqual({});
    expect(error.extensions).toEqual({});
    expect(error.cause).toBeUndefined();
  });

  it('keeps the field errors, headers, extensions and cause it is given', () => {
    // Prepare
    const cause = new Error('dynamodb throttled');

    // Act
    const error = new QuotaExceededError('you have 3 of 3 active clusters', {
      errors: [{ field: 'workers', message: 'must be at most 1000' }],
      headers: { 'Retry-After': '60' },
      extensions: { limit: 'maxActiveClusters', max: 3, inUse: 3 },
      cause,
    });

    // Assess
    expect(error.errors).toEqual([{ field: 'workers', message: 'must be at most 1000' }]);
    expect(error.headers).toEqual({ 'Retry-After': '60' });
    expect(error.extensions).toEqual({ limit: 'maxActiveClusters', max: 3, inUse: 3 });
    expect(error.cause).toBe(cause);
  });
});

// Workflow Retry/Catch rules and the timeline match these names, set by hand so a bundler's renaming cannot change them.
describe('the facts a use case or a workflow acts on', () => {
  it('a lost race on a cluster names the cluster and the version it expected', () => {
    const error = new StaleClusterError('c-1', 7);
    expect({ name: error.name, message: error.message, clusterId: error.clusterId, expectedVersion: error.expectedVersion }).toEqual({
      name: 'StaleClusterError',
      message: 'cluster c-1 is no longer at version 7',
      clusterId: 'c-1',
      expectedVersion: 7,
    });
  });

  it('an illegal transition names both statuses', () => {
    const error = new IllegalTransitionError('READY', 'CREATING');
    expect({ name: error.name, message: error.message, from: error.from, to: error.to }).toEqual({
      name: 'IllegalTransitionError',
      message: 'a cluster cannot go from READY to CREATING',
      from: 'READY',
      to: 'CREATING',
    });
  });

  it('a transient AWS failure keeps its message and cause', () => {
    const cause = new Error('ThrottlingException');
    const error = new TransientAwsError('DescribeStacks was throttled', { cause });
    expect({ name: error.name, message: error.message, cause: error.cause }).toEqual({ name: 'TransientAwsError', message: 'DescribeStacks was throttled', cause });
    expect(new TransientAwsError('network').cause).toBeUndefined();
  });

  it('a stack not yet updatable says which rollback it waits for', () => {
    const error = new StackNotYetUpdatableError('UPDATE_ROLLBACK_IN_PROGRESS');
    expect({ name: error.name, message: error.message, stackStatus: error.stackStatus }).toEqual({
      name: 'StackNotYetUpdatableError',
      message: 'the stack is UPDATE_ROLLBACK_IN_PROGRESS from an earlier update; it can be updated once that rollback completes',
      stackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS',
    });
  });

  it('a rejected event keeps EventBridge’s error code and message', () => {
    const error = new EventRejectedError('MalformedDetail', 'Detail is malformed.');
    expect({ name: error.name, message: error.message, errorCode: error.errorCode }).toEqual({
      name: 'EventRejectedError',
      message: 'Detail is malformed.',
      errorCode: 'MalformedDetail',
    });
  });

  it('a missing cluster names its id', () => {
    const error = new ClusterMissingError('c-9');
    expect({ name: error.name, message: error.message, clusterId: error.clusterId }).toEqual({ name: 'ClusterMissingError', message: 'cluster c-9 has no record', clusterId: 'c-9' });
  });

  it('a stack that already exists names the stack and keeps the cause', () => {
    const cause = new Error('AlreadyExistsException');
    const error = new StackAlreadyExistsError('swarm-c-1', { cause });
    expect({ name: error.name, message: error.message, stackName: error.stackName, cause: error.cause }).toEqual({
      name: 'StackAlreadyExistsError',
      message: 'stack swarm-c-1 already exists',
      stackName: 'swarm-c-1',
      cause,
    });
    expect(new StackAlreadyExistsError('swarm-c-2').cause).toBeUndefined();
  });

  it('a stack name taken by another cluster names the stack', () => {
    const error = new StackNameTakenError('swarm-c-1');
    expect({ name: error.name, message: error.message, stackName: error.stackName }).toEqual({
      name: 'StackNameTakenError',
      message: 'a stack named swarm-c-1 exists and does not belong to this cluster',
      stackName: 'swarm-c-1',
    });
  });

  it('a lost race on a delivery names the delivery and the version it expected', () => {
    const error = new StaleDeliveryError('dlv_1', 4);
    expect({ name: error.name, message: error.message, deliveryId: error.deliveryId, expectedVersion: error.expectedVersion }).toEqual({
      name: 'StaleDeliveryError',
      message: 'delivery dlv_1 is no longer at version 4',
      deliveryId: 'dlv_1',
      expectedVersion: 4,
    });
  });

  it('a missing delivery names its id', () => {
    const error = new DeliveryMissingError('dlv_2');
    expect({ name: error.name, message: error.message, deliveryId: error.deliveryId }).toEqual({ name: 'DeliveryMissingError', message: 'delivery dlv_2 has no record', deliveryId: 'dlv_2' });
  });

  it('a closed stack wait names the cluster and the wait key', () => {
    const error = new StackWaitClosedError('c-3', 'delete#2');
    expect({ name: error.name, message: error.message, clusterId: error.clusterId, key: error.key }).toEqual({
      name: 'StackWaitClosedError',
      message: 'cluster c-3 has no open wait delete#2',
      clusterId: 'c-3',
      key: 'delete#2',
    });
  });

  it('the instance wait fails with the name the delete workflow’s Catch matches', () => {
    expect(INSTANCES_NOT_TERMINATED).toBe('InstancesNotTerminated');
  });
});
