import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { hubHttpGet, HubNetworkError } from './http-get.js';
import { silentProgress, type DownloadProgress } from './progress.js';
import type { HubFile } from './catalog.js';

/**
 * Downloads one hub file into place: streams into `<dest>.part`, resumes an existing `.part` with an
 * HTTP Range request, checks the size (X-Linked-Size / Content-Length / Content-Range) and the content
 * hash (sha256 from X-Linked-ETag for LFS files, git blob sha1 from ETag for small files) when the hub
 * provides them, then renames the `.part` onto the destination (atomic on one file system).
 */

export interface HubOptions {
  /** Hub endpoint (HF_ENDPOINT), default https://huggingface.co. */
  endpoint?: string;
  /** Access token (HF_TOKEN), sent only to the endpoint. */
  token?: string;
  /** Re-download even if the destination exists. */
  force?: boolean;
  progress?: DownloadProgress;
  /** Socket inactivity limit (default 60 s). */
  timeoutMs?: number;
}

export interface DownloadedFile {
  path: string;
  bytes: number;
  /** 'downloaded', 'resumed' (continued a .part) or 'present' (already there, nothing fetched). */
  status: 'downloaded' | 'resumed' | 'present';
  /** The verified digest ('sha256:…' or 'git-sha1:…'), if the hub provided one. */
  verified?: string;
}

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT && env.HF_ENDPOINT.length > 0 ? env.HF_ENDPOINT : 'https://huggingface.co').replace(/\/+$/, '');
}

export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
}

export function resolveUrl(endpoint: string, file: Pick<HubFile, 'repo' | 'path' | 'revision'>): string {
  const path = file.path.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${file.repo}/resolve/${encodeURIComponent(file.revision)}/${path}`;
}

async function hashExisting(path: string, hashes: Hash[]): Promise<void> {
  for await (const chunk of createReadStream(path)) for (const h of hashes) h.update(chunk as Buffer);
}

function describeStatus(status: number, url: string, file: HubFile): string {
  if (status === 404) return `${file.repo}/${file.path} not found on the hub (HTTP 404 from ${url})`;
  if (status === 401 || status === 403) return `access to ${file.repo}/${file.path} denied (HTTP ${status}); set HF_TOKEN to a token that can read ${file.repo}`;
  return `HTTP ${status} from ${url} for ${file.repo}/${file.path}`;
}

export async function downloadHubFile(file: HubFile, options: HubOptions = {}): Promise<DownloadedFile> {
  const progress = options.progress ?? silentProgress;
  const label = `${file.repo}/${file.path}`;
  if (!options.force && existsSync(file.dest)) {
    return { path: file.dest, bytes: statSync(file.dest).size, status: 'present' };
  }
  mkdirSync(dirname(file.dest), { recursive: true });
  const part = `${file.dest}.part`;
  if (options.force) rmSync(part, { force: true });
  const endpoint = (options.endpoint ?? hubEndpoint()).replace(/\/+$/, '');
  const url = resolveUrl(endpoint, file);
  let offset = existsSync(part) ? statSync(part).size : 0;

  let response;
  try {
    response = await hubHttpGet(url, { headers: offset > 0 ? { range: `bytes=${offset}-` } : {}, token: options.token, hubOrigin: new URL(endpoint).origin, timeoutMs: options.timeoutMs });
  } catch (error) {
    if (error instanceof HubNetworkError) {
      const kept = offset > 0 ? ` (the partial download ${part} is kept for resuming)` : '';
      throw new Error(`${label}: ${error.message}; check the network connection or set HF_ENDPOINT to a reachable mirror${kept}`);
    }
    throw error;
  }
  const { status, headers, linked, body } = response;
  let expected = linked.size;
  if (status === 416 && offset > 0) {
    body.resume();
    // The .part already holds everything (or more): start over unless its size is the expected one.
    if (expected !== undefined && offset === expected) return finish(file, part, expected, linked, progress, label, 'resumed');
    rmSync(part, { force: true });
    return downloadHubFile(file, options);
  }
  if (status !== 200 && status !== 206) {
    body.resume();
    throw new Error(describeStatus(status, response.url, file));
  }
  if (status === 200) offset = 0; // the server ignored the range: restart
  const contentLength = headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
  if (status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(headers['content-range'] ?? ''));
    if (!range || Number(range[1]) !== offset) {
      body.resume();
      throw new Error(`${label}: server answered the resume request with an unexpected Content-Range '${headers['content-range']}'`);
    }
    expected ??= Number(range[3]);
  } else {
    expected ??= contentLength;
  }

  const sha256 = createHash('sha256');
  if (offset > 0) await hashExisting(part, [sha256]);
  const out = createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' });
  let received = offset;
  progress.start(label, expected, offset);
  try {
    await new Promise<void>((resolve, reject) => {
      body.on('data', (chunk: Buffer) => {
        sha256.update(chunk);
        received += chunk.length;
        progress.update(received);
        if (!out.write(chunk)) {
          body.pause();
          out.once('drain', () => body.resume());
        }
      });
      body.on('end', () => out.end(resolve));
      body.on('aborted', () => reject(new HubNetworkError('connection closed before the end of the file')));
      body.on('error', (error) => reject(new HubNetworkError(error.message)));
      out.on('error', reject);
    });
  } catch (error) {
    await new Promise((resolve) => out.end(resolve));
    progress.end(`interrupted at ${received} bytes`);
    throw new Error(`${label}: download interrupted after ${received}${expected !== undefined ? ` of ${expected}` : ''} bytes (${(error as Error).message}); run the command again to resume from ${part}`);
  }
  if (expected !== undefined && received !== expected) {
    progress.end('size mismatch');
    if (received > expected) rmSync(part, { force: true });
    throw new Error(`${label}: received ${received} bytes but the hub announced ${expected}${received < expected ? `; run the command again to resume from ${part}` : ' (the partial file was removed)'}`);
  }
  return finish(file, part, received, linked, progress, label, offset > 0 ? 'resumed' : 'downloaded', sha256.digest('hex'));
}

async function finish(
  file: HubFile, part: string, bytes: number, linked: { etag?: string; gitEtag?: string }, progress: DownloadProgress, label: string,
  status: 'downloaded' | 'resumed', streamedSha256?: string,
): Promise<DownloadedFile> {
  const digest = async (algorithm: 'sha256' | 'sha1', prefix: string): Promise<string> => {
    const hash = createHash(algorithm).update(prefix);
    await hashExisting(part, [hash]);
    return hash.digest('hex');
  };
  let verified: string | undefined;
  if (linked.etag && /^[0-9a-f]{64}$/.test(linked.etag)) {
    const sha256 = streamedSha256 ?? (await digest('sha256', ''));
    if (sha256 !== linked.etag) {
      rmSync(part, { force: true });
      progress.end('checksum mismatch');
      throw new Error(`${label}: sha256 ${sha256} does not match the hub's ${linked.etag} (the corrupt download was removed; run again)`);
    }
    verified = `sha256:${sha256}`;
  } else if (linked.gitEtag) {
    // Small (non-LFS) files: the hub's ETag is the git blob id, sha1("blob <size>\0" + content).
    const gitSha1 = await digest('sha1', `blob ${bytes}\0`);
    if (gitSha1 !== linked.gitEtag) {
      rmSync(part, { force: true });
      progress.end('checksum mismatch');
      throw new Error(`${label}: git blob sha1 ${gitSha1} does not match the hub's ETag ${linked.gitEtag} (the corrupt download was removed; run again)`);
    }
    verified = `git-sha1:${gitSha1}`;
  }
  renameSync(part, file.dest);
  progress.end(`${status}${verified ? `, ${verified.split(':')[0]} verified` : ''}`);
  return { path: file.dest, bytes, status, verified };
}
