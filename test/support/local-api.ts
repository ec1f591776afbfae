/**
 * A JSON call to the local service over HTTP, as the e2e tests make it: the body sent as JSON (with its content type),
 * the answer's status, headers and parsed JSON body (undefined when the answer is empty).
 */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  contentType: string | null;
  body: Record<string, any> | undefined;
}

export async function callJson(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, contentType: response.headers.get('content-type'), body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}
