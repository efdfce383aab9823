/**
 * Image folders the official pre-training and classification loaders glob: img2dataset output
 * (`{root}/{shard}/{key}.jpg` with the caption in `{key}.txt`) and ImageNet-style class folders
 * (`{root}/{class}/*.JPEG`). Python's glob order is the file system's; we sort names so runs are
 * reproducible (the official `shots` subset takes the first files of that order).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ImageCaptionFile {
  /** Path of the image (root joined with shard folder and file name). */
  image: string;
  /** First line of the caption `.txt`, as `readlines()[0]` returns it (newline included; pre_caption strips it). */
  caption: string;
}

function subfolders(root: string): string[] {
  if (!existsSync(root)) throw new Error(`${root}: folder not found`);
  return readdirSync(root).sort().filter((name) => statSync(join(root, name)).isDirectory());
}

/** Lists `{root}/*\/*.jpg` with their captions (official Pretrain for cc12m / cc3m_sgu, img2dataset layout). */
export function listImageCaptionFolder(root: string): ImageCaptionFile[] {
  const out: ImageCaptionFile[] = [];
  for (const shard of subfolders(root)) {
    const dir = join(root, shard);
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.jpg')) continue;
      const image = join(dir, name);
      const txt = image.replace(/\.jpg$/, '.txt');
      if (!existsSync(txt)) throw new Error(`${txt}: missing caption file for ${image}`);
      const text = readFileSync(txt, 'utf8');
      const newline = text.indexOf('\n');
      const caption = newline < 0 ? text : text.slice(0, newline + 1);
      if (caption.trim() === '') throw new Error(`${txt}: first line is empty (expected the caption)`);
      out.push({ image, caption });
    }
  }
  return out;
}

export interface ClassificationImage {
  image: string;
  /** Folder name = class key in `imagenet_class.json`. */
  className: string;
}

/** Official Classification lists: `{root}/{class}/*.JPEG`, the first `shots` per class when given. */
export function listClassificationImages(root: string, shots?: number): ClassificationImage[] {
  const out: ClassificationImage[] = [];
  for (const className of subfolders(root)) {
    const files = readdirSync(join(root, className)).sort().filter((name) => name.endsWith('.JPEG'));
    for (const name of shots === undefined ? files : files.slice(0, shots)) out.push({ image: join(root, className, name), className });
  }
  return out;
}
