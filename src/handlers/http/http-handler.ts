import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { problemDetails, requestLog, type HttpEvent, type HttpResult } from './middleware';

/** Every route: one log line per request, problem details for every error. */
export function httpHandler(route: (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return middy<HttpEvent, HttpResult, Error, Context>(route).use(requestLog()).use(problemDetails());
}
