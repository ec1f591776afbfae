import type { Context } from 'aws-lambda';
import { problemDetails, requestLog, type HttpEvent, type HttpMiddleware, type HttpRequest, type HttpResult } from './middleware';
import { authenticate, type AccessPolicy } from './principal';

type Route = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** A route with its middleware: callable as a Lambda handler, and `.use(middleware)` adds one (after the others). */
export type HttpHandler = Route & { use(middleware: HttpMiddleware): HttpHandler };

/** How long before the invocation's deadline a route still running is answered with an error (a logged 500). */
const ANSWER_BEFORE_DEADLINE_MS = 5;

/**
 * The middleware runner: middy's order and semantics for what our middleware uses, without middy, whose core loads
 * Node's `stream/web` and `stream/promises` at import (about 6 ms of every cold start) for response streaming we do
 * not use (docs/performance.md). `before`s run in the order added, then the route, then the `after`s in reverse
 * order; an error anywhere goes to the `onError`s in reverse order, and rethrows unless one of them set a response.
 * A route still running just before the invocation's deadline fails with a TimeoutError, so the caller gets a
 * problem+json 500 rather than nothing (middy's timeoutEarly).
 */
function withMiddleware(route: Route): HttpHandler {
  const befores: NonNullable<HttpMiddleware['before']>[] = [];
  const afters: NonNullable<HttpMiddleware['after']>[] = [];
  const onErrors: NonNullable<HttpMiddleware['onError']>[] = [];
  const handler = (async (event: HttpEvent, context: Context) => {
    const request: HttpRequest = { event, context, response: undefined, error: undefined, internal: {} };
    let deadline: NodeJS.Timeout | undefined;
    try {
      for (const before of befores) await before(request);
      const answers = [route(event, context)];
      if (typeof context?.getRemainingTimeInMillis === 'function') {
        answers.push(
          new Promise<never>((_resolve, reject) => {
            deadline = setTimeout(() => {
              const error = new Error('[AbortError]: The operation was aborted.');
              error.name = 'TimeoutError';
              reject(error);
            }, context.getRemainingTimeInMillis() - ANSWER_BEFORE_DEADLINE_MS);
          }),
        );
      }
      request.response = await Promise.race(answers);
      clearTimeout(deadline);
      for (const after of afters) await after(request);
    } catch (error) {
      clearTimeout(deadline);
      request.response = undefined;
      request.error = error as Error;
      for (const onError of onErrors) await onError(request);
      if (request.response === undefined) throw request.error;
    }
    return request.response;
  }) as HttpHandler;
  handler.use = (middleware) => {
    if (middleware.before) befores.push(middleware.before);
    if (middleware.after) afters.unshift(middleware.after);
    if (middleware.onError) onErrors.unshift(middleware.onError);
    return handler;
  };
  return handler;
}

/**
 * Every authenticated route: one log line per request, problem details for every error, and the caller established
 * before anything else runs (401 problem+json without one). Authentication is not optional here on purpose: a route
 * built with this cannot forget it. The Slack route, which proves its caller by signature, is built differently.
 */
export function httpHandler(route: Route, options: { access?: AccessPolicy } = {}): HttpHandler {
  return withMiddleware(route).use(requestLog()).use(problemDetails()).use(authenticate(options.access));
}

/** A route that authenticates its caller itself (Slack's signed requests): logging and problem details only. */
export function unauthenticatedHttpHandler(route: Route): HttpHandler {
  return withMiddleware(route).use(requestLog()).use(problemDetails());
}
