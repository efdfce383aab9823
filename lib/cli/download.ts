import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';
import { downloadableNames, filesFor, prismerHome } from '../hub/catalog.js';
import { hubEndpoint } from '../hub/download-file.js';
import { downloadPrismerAssets } from '../hub/download.js';
import { formatBytes, TerminalProgress } from '../hub/progress.js';

const usage = `usage: prismer download <name...> [--home DIR] [--force]
       prismer download --list

Downloads official Prismer checkpoints (Hugging Face repo shikunl/prismer, <name>/pytorch_model.bin)
and RoBERTa tokenizer files into PRISMER_HOME (default ~/.cache/prismer):
  <home>/checkpoints/<name>/pytorch_model.bin    <home>/tokenizers/<roberta-base|roberta-large>/
Interrupted downloads resume from <file>.part when run again. Sizes and sha256 are checked against
the hub's headers when it sends them.

names:
  ${downloadableNames().join('\n  ')}

options:
  --home DIR   destination root (overrides PRISMER_HOME)
  --force      download again even if the file is present
  --list       show every name and whether it is present
environment:
  HF_ENDPOINT  hub URL (default https://huggingface.co), e.g. a mirror
  HF_TOKEN     access token sent to the hub`;

export const downloadCommand: Command = {
  name: 'download',
  summary: 'download official Prismer checkpoints and RoBERTa tokenizers from the Hugging Face hub',
  usage,
  async run(args: string[]): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { home: { type: 'string' }, force: { type: 'boolean' }, list: { type: 'boolean' } } });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const home = parsed.values.home ?? prismerHome();
    if (parsed.values.list) {
      for (const name of downloadableNames()) {
        const files = filesFor(name, home);
        const present = files.filter((f) => existsSync(f.dest));
        const bytes = present.reduce((sum, f) => sum + statSync(f.dest).size, 0);
        console.log(`${name.padEnd(24)} ${present.length === files.length ? `present (${formatBytes(bytes)})` : present.length > 0 ? 'partial' : '-'}`);
      }
      console.log(`\nhome: ${home}\nhub:  ${hubEndpoint()}`);
      return 0;
    }
    const names = parsed.positionals;
    if (names.length === 0) throw new UsageError('name at least one checkpoint or tokenizer to download (or --list)');
    const unknown = names.filter((n) => !downloadableNames().includes(n));
    if (unknown.length > 0) throw new UsageError(`unknown name${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
    const results = await downloadPrismerAssets(names, { home, force: parsed.values.force, progress: new TerminalProgress() });
    for (const r of results) {
      if (r.status === 'present') console.error(`${r.path}: already present (${formatBytes(r.bytes)}; --force downloads again)`);
    }
    for (const r of results) console.log(r.path);
    return 0;
  },
};
