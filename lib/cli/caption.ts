import { parseArgs } from 'node:util';
import { extname } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { Captioner, type CaptionResult } from '../inference/captioner.js';
import { listImages } from '../inference/image-inputs.js';
import { pythonCapitalize } from '../text/python-str.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import { ProgressBar } from '../train/progress.js';
import { UsageError, type Command } from './command.js';
import { loadModelFromArgs, MODEL_OPTIONS, MODEL_USAGE } from './inference-options.js';

const usage = `usage: prismer caption <images or folders...> --model caption_prismer_base [options]

Captions images as the official PrismerCaption: prefix "A picture of", beam search (3 beams, max 20,
min 8 tokens with the prefix). Without --out, writes each caption next to its image as <name>.txt
like the official demo.py ("Caption text."); with --out, writes JSON instead.

options:
${MODEL_USAGE}
  --batch-size N          images per model call (default 4)
  --prefix TEXT           caption prefix (default "A picture of")
  --beams N               beams (default 3; 1 = greedy)`;

/** The official demo.py text: re-tokenised (max_length 30), decoded without specials, capitalised, with a full stop. */
export function demoCaptionText(tokenizer: TextTokenizer, caption: string): string {
  return pythonCapitalize(tokenizer.decode(tokenizer.encode(caption, true), true)) + '.';
}

function resultJson(r: CaptionResult): Record<string, unknown> {
  return { image: r.image, caption: r.text, score: r.score, token_ids: r.tokenIds, tokens: r.tokens, beams: r.beams.map((b) => ({ caption: b.text, score: b.score, token_ids: b.tokenIds })) };
}

export const captionCommand: Command = {
  name: 'caption',
  summary: 'caption images with an official Prismer captioning model',
  usage,
  async run(args: string[]): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { ...MODEL_OPTIONS, 'batch-size': { type: 'string' }, prefix: { type: 'string' }, beams: { type: 'string' } } });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new UsageError('name at least one image or folder');
    const batchSize = values['batch-size'] === undefined ? 4 : Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`--batch-size must be a positive integer (got '${values['batch-size']}')`);
    const beams = values.beams === undefined ? undefined : Number(values.beams);
    if (beams !== undefined && (!Number.isInteger(beams) || beams < 1)) throw new UsageError(`--beams must be a positive integer (got '${values.beams}')`);
    const images = listImages(positionals);
    const { loaded, decoding } = await loadModelFromArgs(values, 'caption');
    try {
      const captioner = new Captioner(loaded, { decoding, prefix: values.prefix, numBeams: beams });
      const bar = new ProgressBar('caption', images.length);
      const results = await captioner.caption(images, {
        labelPath: values.labels, allowMissingLabels: values['allow-missing-labels'], batchSize,
        onProgress: (done) => bar.update(done),
      });
      bar.finish();
      if (values.out) {
        writeFileAtomic(values.out, JSON.stringify(results.map(resultJson), null, 1) + '\n');
      } else {
        for (const r of results) {
          const path = r.image!.slice(0, r.image!.length - extname(r.image!).length) + '.txt';
          writeFileAtomic(path, demoCaptionText(loaded.tokenizer, r.text));
        }
      }
      for (const r of results) console.log(`${r.image}\t${r.text}`);
      return 0;
    } finally {
      loaded.model.dispose();
    }
  },
};
