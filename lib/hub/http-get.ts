import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * One GET/HEAD with manual redirect handling: the hub answers `resolve` URLs of large files with a
 * redirect to a CDN and puts the file's size and sha256 in `X-Linked-Size` / `X-Linked-ETag` on that
 * redirect, so headers are collected along the chain. The token is sent only to the hub's origin, and
 * only the hub's own ETag is taken as a git blob id (a CDN's ETag means something else).
 */

export interface HubHttpResponse {
  status: number;
  url: string;
  /** Headers of the final response. */
  headers: IncomingMessage['headers'];
  /** `x-linked-size`, `x-linked-etag`, `etag` seen on any response of the chain (first one wins). */
  linked: { size?: number; etag?: string; gitEtag?: string };
  body: IncomingMessage;
}

export class HubNetworkError extends Error {
  override name = 'HubNetworkError';
}

function once(url: URL, method: string, headers: Record<string, string>, timeoutMs: number): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : null;
  if (!request) return Promise.reject(new Error(`unsupported URL scheme in ${url.href}`));
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new HubNetworkError(`no response from ${url.origin} within ${timeoutMs / 1000} s`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof HubNetworkError) reject(error);
      else reject(new HubNetworkError(`cannot reach ${url.origin} (${error.code ?? error.message})`));
    });
    req.end();
  });
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

export async function hubHttpGet(
  url: string,
  options: { method?: 'GET' | 'HEAD'; headers?: Record<string, string>; token?: string; hubOrigin?: string; timeoutMs?: number; maxRedirects?: number } = {},
): Promise<HubHttpResponse> {
  let current = new URL(url);
  const linked: HubHttpResponse['linked'] = {};
  for (let hop = 0; hop <= (options.maxRedirects ?? 10); hop++) {
    const headers: Record<string, string> = { 'user-agent': 'prismer-ts', ...(options.headers ?? {}) };
    const fromHub = current.origin === (options.hubOrigin ?? new URL(url).origin);
    if (options.token && fromHub) headers.authorization = `Bearer ${options.token}`;
    const response = await once(current, options.method ?? 'GET', headers, options.timeoutMs ?? 60_000);
    const size = header(response.headers['x-linked-size']);
    if (linked.size === undefined && size !== undefined && /^\d+$/.test(size)) linked.size = Number(size);
    const linkedEtag = header(response.headers['x-linked-etag']);
    if (linked.etag === undefined && linkedEtag) linked.etag = unquote(linkedEtag);
    const etag = header(response.headers.etag);
    if (fromHub && linked.gitEtag === undefined && etag && /^[0-9a-f]{40}$/.test(unquote(etag)) && !etag.startsWith('W/')) linked.gitEtag = unquote(etag);
    const status = response.statusCode ?? 0;
    const location = header(response.headers.location);
    if (status >= 300 && status < 400 && location) {
      response.resume();
      current = new URL(location, current);
      continue;
    }
    return { status, url: current.href, headers: response.headers, linked, body: response };
  }
  throw new HubNetworkError(`too many redirects from ${url}`);
}
