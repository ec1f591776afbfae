import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { problemDetails, requestLog, type HttpEvent, type HttpResult } from './middleware';
import { authenticate, type AccessPolicy } from './principal';

/**
 * Every authenticated route: one log line per request, problem details for every error, and the caller established
 * before anything else runs (401 problem+json without one). Authentication is not optional here on purpose: a route
 * built with this cannot forget it. The Slack route, which proves its caller by signature, is built differently.
 */
export function httpHandler(route: (event: HttpEvent, context: Context) => Promise<HttpResult>, options: { access?: AccessPolicy } = {}) {
  return middy<HttpEvent, HttpResult, Error, Context>(route).use(requestLog()).use(problemDetails()).use(authenticate(options.access));
}

/** A route that authenticates its caller itself (Slack's signed requests): logging and problem details only. */
export function unauthenticatedHttpHandler(route: (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return middy<HttpEvent, HttpResult, Error, Context>(route).use(requestLog()).use(problemDetails());
}
