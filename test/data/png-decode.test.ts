import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodePngFast } from '../../lib/data/png-decode.js';
import { encodePng } from '../../lib/data/synthetic/png.js';
import { decodeGrey } from '../../lib/data/decode.js';

test('fast PNG decoder equals libvips on grey, RGB, RGBA and palette PNGs with adaptive filters', async () => {
  const w = 37;
  const h = 23;
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 31 + ((i / 7) | 0) * 13) & 255;
  const cases: Array<[string, Buffer]> = [
    ['grey', await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).greyscale().removeAlpha().png({ adaptiveFiltering: true }).toBuffer()],
    ['rgb', await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).removeAlpha().png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer()],
    ['rgba', await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png({ adaptiveFiltering: true }).toBuffer()],
    ['palette', await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).removeAlpha().png({ palette: true, colours: 200, dither: 0 }).toBuffer()],
  ];
  for (const [name, png] of cases) {
    const ours = decodePngFast(png, name);
    assert.ok(ours, `${name}: fast path taken`);
    const ref = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const refData = new Uint8Array(ref.data);
    if (ours!.channels === ref.info.channels) assert.deepEqual(ours!.data, refData, name);
    else {
      // palette: sharp may add alpha; compare RGB
      for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) assert.equal(ours!.data[i * 3 + c], refData[i * ref.info.channels + c], `${name} pixel ${i}`);
    }
  }
  const sixteen = await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).toColourspace('rgb16').png().toBuffer();
  assert.equal(decodePngFast(sixteen, '16-bit'), null, '16-bit goes to sharp');
  const own = { width: 5, height: 3, channels: 1, data: Uint8Array.from({ length: 15 }, (_, i) => i * 17) };
  assert.deepEqual((await decodeGrey(encodePng(own))).data, own.data);
  assert.throws(() => decodePngFast(encodePng(own).subarray(0, 40), 'cut.png'), /cut\.png: truncated PNG/);
});
