import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkpointPath, filesFor, tokenizerDir } from '../../lib/hub/catalog.js';
import { downloadHubFile } from '../../lib/hub/download-file.js';
import { downloadPrismerAssets } from '../../lib/hub/download.js';
import { downloadCommand } from '../../lib/cli/download.js';
import { UsageError } from '../../lib/cli/command.js';

// A hub-like server on 127.0.0.1: /<repo>/resolve/main/<path> answers LFS files with a 302 to /cdn/<id>
// carrying X-Linked-Size and X-Linked-ETag (sha256), and small files directly with a git-blob ETag, like
// huggingface.co. Behaviour switches per test: cut the body after N bytes, lie about the size or hash.
const checkpoint = Buffer.alloc(300_000);
for (let i = 0; i < checkpoint.length; i++) checkpoint[i] = (i * 7919 + (i >> 9)) & 0xff;
const vocab = Buffer.from(JSON.stringify({ '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, a: 4 }));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

const behaviour = { cutAfter: 0, announcedSize: 0, wrongHash: false, requireToken: '' };
const requests: Array<{ url: string; range?: string; auth?: string }> = [];
let server: Server;
let endpoint: string;
let home: string;

function serveBytes(req: IncomingMessage, res: ServerResponse, body: Buffer, headers: Record<string, string>): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  if (start >= body.length && range) {
    res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  const slice = body.subarray(start);
  res.writeHead(range ? 206 : 200, { ...headers, 'content-length': String(slice.length), ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
  if (behaviour.cutAfter > 0 && !range) {
    res.write(slice.subarray(0, behaviour.cutAfter), () => setTimeout(() => res.destroy(), 50));
    return;
  }
  res.end(slice);
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'prismer-hub-'));
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', range: req.headers.range, auth: req.headers.authorization });
    const url = req.url ?? '';
    if (behaviour.requireToken && url.includes('/resolve/') && req.headers.authorization !== `Bearer ${behaviour.requireToken}`) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    if (url === '/shikunl/prismer/resolve/main/caption_prismer_base/pytorch_model.bin') {
      const size = behaviour.announcedSize || checkpoint.length;
      res.writeHead(302, { location: '/cdn/ckpt', 'x-linked-size': String(size), 'x-linked-etag': `"${behaviour.wrongHash ? sha256(vocab) : sha256(checkpoint)}"`, etag: `"${sha256(checkpoint)}"` }).end();
    } else if (url === '/cdn/ckpt') {
      serveBytes(req, res, checkpoint, { etag: '"cdn-etag"' });
    } else if (/^\/roberta-base\/resolve\/main\/(vocab\.json|merges\.txt|tokenizer\.json)$/.test(url)) {
      serveBytes(req, res, vocab, { etag: `"${behaviour.wrongHash ? gitSha1(checkpoint) : gitSha1(vocab)}"` });
    } else {
      res.writeHead(404).end('Entry not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
  rmSync(home, { recursive: true, force: true });
});

function reset(): void {
  Object.assign(behaviour, { cutAfter: 0, announcedSize: 0, wrongHash: false, requireToken: '' });
  requests.length = 0;
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
}

test('an interrupted checkpoint download resumes with a Range request and is verified by sha256', async () => {
  reset();
  behaviour.cutAfter = 100_000;
  const dest = checkpointPath('caption_prismer_base', home);
  let cut = 0;
  await assert.rejects(downloadPrismerAssets(['caption_prismer_base'], { home, endpoint }), (error: Error) => {
    const match = /interrupted after (\d+) of 300000 bytes.*run the command again to resume/.exec(error.message);
    cut = Number(match?.[1]);
    return match !== null;
  });
  assert.ok(!existsSync(dest));
  assert.ok(cut > 0 && cut <= 100_000, `kept ${cut} bytes`);
  assert.equal(statSync(`${dest}.part`).size, cut);
  const [result] = await downloadPrismerAssets(['caption_prismer_base'], { home, endpoint });
  assert.equal(result!.status, 'resumed');
  assert.equal(result!.verified, `sha256:${sha256(checkpoint)}`);
  assert.deepEqual(readFileSync(dest), checkpoint);
  assert.ok(!existsSync(`${dest}.part`));
  assert.ok(requests.some((r) => r.url === '/cdn/ckpt' && r.range === `bytes=${cut}-`));
  // Present files are not fetched again.
  requests.length = 0;
  const [again] = await downloadPrismerAssets(['caption_prismer_base'], { home, endpoint });
  assert.equal(again!.status, 'present');
  assert.equal(requests.length, 0);
});

test('tokenizer files are verified against the git blob ETag and land in tokenizers/<name>/', async () => {
  reset();
  const results = await downloadPrismerAssets(['roberta-base'], { home, endpoint, token: 'secret' });
  assert.deepEqual(results.map((r) => r.path), filesFor('roberta-base', home).map((f) => f.dest));
  assert.ok(results.every((r) => r.verified === `git-sha1:${gitSha1(vocab)}`));
  assert.deepEqual(readFileSync(join(tokenizerDir('roberta-base', home), 'vocab.json')), vocab);
  assert.ok(requests.every((r) => r.auth === 'Bearer secret'));
});

test('404, wrong size, wrong checksum and missing token give clear errors and leave no file in place', async () => {
  reset();
  const missing = { repo: 'shikunl/prismer', path: 'nope/pytorch_model.bin', revision: 'main', dest: join(home, 'x.bin') };
  await assert.rejects(downloadHubFile(missing, { endpoint }), /shikunl\/prismer\/nope\/pytorch_model.bin not found on the hub \(HTTP 404/);
  assert.ok(!existsSync(missing.dest));

  const dest = checkpointPath('caption_prismer_base', home);
  behaviour.announcedSize = checkpoint.length + 10;
  await assert.rejects(downloadPrismerAssets(['caption_prismer_base'], { home, endpoint }), /received 300000 bytes but the hub announced 300010/);
  assert.ok(!existsSync(dest));

  reset();
  behaviour.wrongHash = true;
  await assert.rejects(downloadPrismerAssets(['caption_prismer_base'], { home, endpoint }), /sha256 [0-9a-f]{64} does not match/);
  assert.ok(!existsSync(dest) && !existsSync(`${dest}.part`));
  await assert.rejects(downloadPrismerAssets(['roberta-base'], { home, endpoint }), /git blob sha1 .* does not match the hub's ETag/);

  reset();
  behaviour.requireToken = 'right';
  await assert.rejects(downloadPrismerAssets(['caption_prismer_base'], { home, endpoint, token: 'wrong' }), /denied \(HTTP 401\); set HF_TOKEN/);
});

test('a stale .part longer than the file is discarded and the file fetched again', async () => {
  reset();
  const dest = checkpointPath('caption_prismer_base', home);
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(`${dest}.part`, Buffer.alloc(checkpoint.length + 5));
  const [result] = await downloadPrismerAssets(['caption_prismer_base'], { home, endpoint });
  assert.equal(result!.status, 'downloaded');
  assert.deepEqual(readFileSync(dest), checkpoint);
});

test('prismer download: unreachable hub is an error naming HF_ENDPOINT; unknown names are usage errors', async () => {
  reset();
  const saved = { endpoint: process.env.HF_ENDPOINT, home: process.env.PRISMER_HOME };
  const log = console.log;
  const printed: string[] = [];
  console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  try {
    process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
    process.env.PRISMER_HOME = home;
    await assert.rejects(downloadCommand.run(['vqa_prismer_base']), /cannot reach http:\/\/127\.0\.0\.1:9 .*set HF_ENDPOINT/);
    await assert.rejects(downloadCommand.run(['vqa_prismer_tiny']), (e: unknown) => e instanceof UsageError && /unknown name: vqa_prismer_tiny/.test(e.message));
    await assert.rejects(downloadCommand.run([]), UsageError);
    process.env.HF_ENDPOINT = endpoint;
    assert.equal(await downloadCommand.run(['--home', home, 'caption_prismer_base']), 0);
    assert.deepEqual(printed, [checkpointPath('caption_prismer_base', home)]);
    printed.length = 0;
    assert.equal(await downloadCommand.run(['--list', '--home', home]), 0);
    assert.match(printed.join('\n'), /caption_prismer_base +present \(300\.0 kB\)/);
  } finally {
    console.log = log;
    if (saved.endpoint === undefined) delete process.env.HF_ENDPOINT; else process.env.HF_ENDPOINT = saved.endpoint;
    if (saved.home === undefined) delete process.env.PRISMER_HOME; else process.env.PRISMER_HOME = saved.home;
  }
});
