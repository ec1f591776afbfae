/**
 * Every domain and application error, in one place: use cases throw and catch these, and adapters translate SDK
 * exceptions into them at the boundary, so no use case needs to know an adapter's errors.
 *
 * Two kinds:
 * - ProblemError subclasses answer an HTTP request: the status belongs to the class; `expose` says whether the
 *   message may reach a caller. Anything that is not one of these becomes a generic 500 at the edge.
 * - The plain Error subclasses below them are facts a use case or a workflow acts on. Each sets `name` by hand
 *   (not from the class, which a bundler may rename): workflow Retry/Catch rules and the timeline match on it.
 */
export interface FieldError {
  field: string;
  message: string;
}

export abstract class ProblemError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  readonly expose: boolean = true;
  readonly errors: FieldError[];
  readonly headers: Record<string, string>;
  /** RFC 9457 extension members: machine-readable facts a client can act on (e.g. which quota, how much is used). */
  readonly extensions: Record<string, unknown>;

  constructor(
    message: string,
    options: { errors?: FieldError[]; cause?: unknown; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.errors = options.errors ?? [];
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

export class BadRequestError extends ProblemError {
  readonly status = 400;
  readonly title = 'Bad request';
}

export class UnauthorizedError extends ProblemError {
  readonly status = 401;
  readonly title = 'Unauthorized';
}

/** Authenticated, but this caller may not do this (never used to hide a cluster: that is a 404). */
export class ForbiddenError extends ProblemError {
  readonly status = 403;
  readonly title = 'Forbidden';
}

export class NotFoundError extends ProblemError {
  readonly status = 404;
  readonly title = 'Not found';
}

export class ConflictError extends ProblemError {
  readonly status = 409;
  readonly title = 'Conflict';
}

export class ValidationError extends ProblemError {
  readonly status = 422;
  readonly title = 'Validation failed';
}

export class UnsupportedMediaTypeError extends ProblemError {
  readonly status = 415;
  readonly title = 'Unsupported media type';
}

/** An owner's quota would be exceeded; the extensions name the limit, its maximum and the current use. */
export class QuotaExceededError extends ProblemError {
  readonly status = 429;
  readonly title = 'Quota exceeded';
}

/** A dependency we cannot do without (e.g. the key store) did not answer; retrying later may help. */
export class ServiceUnavailableError extends ProblemError {
  readonly status = 503;
  readonly title = 'Service unavailable';
}

/** A write lost a race: the record changed (or moved to another status) since it was read. */
export class StaleClusterError extends Error {
  constructor(
    readonly clusterId: string,
    readonly expectedVersion: number,
  ) {
    super(`cluster ${clusterId} is no longer at version ${expectedVersion}`);
    this.name = 'StaleClusterError';
  }
}

/** A transition the cluster state machine does not allow (e.g. READY → CREATING). */
export class IllegalTransitionError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`a cluster cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/**
 * An AWS call failed in a way worth retrying (throttling, 5xx, network). Workflow Retry policies match this name,
 * so keep it stable.
 */
export class TransientAwsError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'TransientAwsError';
  }
}

/**
 * The stack cannot take an update yet: an earlier update's rollback is still running (or was just continued). The
 * update workflow's Retry policy matches this name and tries UpdateStack again later, so keep it stable.
 */
export class StackNotYetUpdatableError extends Error {
  constructor(readonly stackStatus: string) {
    super(`the stack is ${stackStatus} from an earlier update; it can be updated once that rollback completes`);
    this.name = 'StackNotYetUpdatableError';
  }
}

/**
 * EventBridge refused an event: PutEvents answers 200 and reports a failed entry with its ErrorCode (a malformed
 * detail, a source the caller may not use, ...). Not worth retrying as it is; transient codes become
 * TransientAwsError instead.
 */
export class EventRejectedError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'EventRejectedError';
  }
}

/** A workflow step was handed a cluster id that has no record: a bug or a manual start, never retried. */
export class ClusterMissingError extends Error {
  constructor(readonly clusterId: string) {
    super(`cluster ${clusterId} has no record`);
    this.name = 'ClusterMissingError';
  }
}

/** CreateStack found a stack of that name already there (ours from a retried step, or someone else's). */
export class StackAlreadyExistsError extends Error {
  constructor(
    readonly stackName: string,
    options: { cause?: unknown } = {},
  ) {
    super(`stack ${stackName} already exists`, options);
    this.name = 'StackAlreadyExistsError';
  }
}

/** The stack name is taken by a stack whose cluster-id tag is not this cluster's; the create fails, never adopts it. */
export class StackNameTakenError extends Error {
  constructor(readonly stackName: string) {
    super(`a stack named ${stackName} exists and does not belong to this cluster`);
    this.name = 'StackNameTakenError';
  }
}

/** A write lost a race: the delivery changed since it was read (an attempt was recorded, a redelivery started). */
export class StaleDeliveryError extends Error {
  constructor(
    readonly deliveryId: string,
    readonly expectedVersion: number,
  ) {
    super(`delivery ${deliveryId} is no longer at version ${expectedVersion}`);
    this.name = 'StaleDeliveryError';
  }
}

/** A delivery task was handed an id with no record: a bug or a manual start, never retried. */
export class DeliveryMissingError extends Error {
  constructor(readonly deliveryId: string) {
    super(`delivery ${deliveryId} has no record`);
    this.name = 'DeliveryMissingError';
  }
}

/**
 * A waiting step found no open wait under its key: the operation it waits for was replaced by a later one (a new
 * delete request, say) or the cluster is gone. Never retried; the workflow's Catch ends it.
 */
export class StackWaitClosedError extends Error {
  constructor(
    readonly clusterId: string,
    readonly key: string,
  ) {
    super(`cluster ${clusterId} has no open wait ${key}`);
    this.name = 'StackWaitClosedError';
  }
}

/**
 * The name the instance wait fails its task with when instances are still not terminated after every round of the
 * safety net (SendTaskFailure; the delete workflow's Catch takes the reason from the cause).
 */
export const INSTANCES_NOT_TERMINATED = 'InstancesNotTerminated';
