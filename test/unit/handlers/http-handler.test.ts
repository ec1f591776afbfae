/**
 * The HTTP middleware runner (src/handlers/http/http-handler.ts): the order middy gave us, which the middleware relies
 * on (the request log sees the problem details' status; authentication runs before the body is read), and the answer
 * just before the invocation's deadline.
 */
import { unauthenticatedHttpHandler } from '../../../src/handlers/http/http-handler';
import type { HttpEvent, HttpMiddleware } from '../../../src/handlers/http/middleware';
import { lambdaContext } from '../../../sandbox/http-api';

const event = (): HttpEvent => ({ rawPath: '/x', headers: {}, requestContext: { http: { method: 'GET' }, requestId: 'r-1' } }) as unknown as HttpEvent;
const ok = async () => ({ statusCode: 200, headers: {}, body: 'ok' });

function recorder(name: string, calls: string[]): HttpMiddleware {
  return {
    before: async () => void calls.push(`${name}.before`),
    after: async () => void calls.push(`${name}.after`),
    onError: async () => void calls.push(`${name}.onError`),
  };
}

describe('the HTTP middleware runner', () => {
  it('runs befores in the order added, then the route, then afters in reverse order', async () => {
    const calls: string[] = [];
    const handler = unauthenticatedHttpHandler(async () => {
      calls.push('route');
      return ok();
    })
      .use(recorder('a', calls))
      .use(recorder('b', calls));

    const result = await handler(event(), lambdaContext('t'));

    expect(result.statusCode).toBe(200);
    expect(calls).toEqual(['a.before', 'b.before', 'route', 'b.after', 'a.after']);
  });

  it('sends an error to the onErrors in reverse order, the problem details answering it', async () => {
    const calls: string[] = [];
    const handler = unauthenticatedHttpHandler(async () => {
      throw new Error('broken');
    })
      .use(recorder('a', calls))
      .use(recorder('b', calls));

    const result = await handler(event(), lambdaContext('t'));

    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body as string)).toMatchObject({ type: 'urn:swarm-provisioner:problem:internal-error', status: 500 });
    expect(calls).toEqual(['a.before', 'b.before', 'b.onError', 'a.onError']);
  });

  it('skips the route when a before fails', async () => {
    const route = jest.fn(ok);
    const handler = unauthenticatedHttpHandler(route).use({
      before: async () => {
        throw new Error('refused');
      },
    });

    const result = await handler(event(), lambdaContext('t'));

    expect(result.statusCode).toBe(500);
    expect(route).not.toHaveBeenCalled();
  });

  it('answers a 500 just before the deadline when the route is still running', async () => {
    const handler = unauthenticatedHttpHandler(() => new Promise(() => undefined));
    const startedAt = Date.now();

    const result = await handler(event(), lambdaContext('t', 200));

    expect(result.statusCode).toBe(500);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(150);
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });
});
