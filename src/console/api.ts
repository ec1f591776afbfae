/**
 * The console's calls to the API: same origin (the page is a route of the API it drives), the API key as a bearer
 * token, problem+json turned into an ApiError that keeps the problem (its `errors` name the fields at fault).
 */

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem?.detail ?? problem?.title ?? `the API answered ${status}`);
  }
}

/** The API's base: the page's own path without `/console` (so a stage or a custom domain's base path is kept). */
export function apiBase(pathname: string): string {
  return pathname.replace(/\/console\/?$/, '');
}

export interface Api {
  request<T>(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: T }>;
}

export function api(base: string, key: string | undefined): Api {
  return {
    async request<T>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
      if (key) headers.authorization = `Bearer ${key}`;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${base}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (!response.ok) throw new ApiError(response.status, body as Problem | undefined);
      return { status: response.status, body: body as T };
    },
  };
}
