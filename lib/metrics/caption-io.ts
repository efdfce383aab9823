// Caption inputs in the formats people have: COCO annotation files ({images, annotations}), plain
// {image_id: [captions]} references, and results [{image_id, caption}] (or {image_id: caption}).
// Every error names the file and the first offending entry.
import { describeValue, isJsonId, isRecord, jsonKind, readJsonInput } from './json-input.js';

export type ImageId = number | string;

/** Reference captions per image. Keys are `String(image_id)`. */
export interface CaptionReferences {
  source: string;
  captions: Map<string, string[]>;
}

/** One candidate caption per image, in the order given. Keys are `String(image_id)`. */
export interface CaptionResults {
  source: string;
  /** The image ids as given (numbers stay numbers). */
  ids: ImageId[];
  captions: Map<string, string>;
}

/** Parses COCO `{images?, annotations: [{image_id, caption}]}` or plain `{image_id: [captions]}`. */
export function parseCaptionReferences(json: unknown, source = 'references'): CaptionReferences {
  if (!isRecord(json)) throw new Error(`${source}: expected an object ({"annotations": [...]} or {"<image_id>": [captions]}), got ${jsonKind(json)}`);
  const captions = new Map<string, string[]>();
  if ('annotations' in json) {
    const annotations = json.annotations;
    if (!Array.isArray(annotations)) throw new Error(`${source}: "annotations" must be an array, got ${jsonKind(annotations)}`);
    if (annotations.length === 0) throw new Error(`${source}: "annotations" is empty`);
    if ('images' in json) {
      const images = json.images;
      if (!Array.isArray(images)) throw new Error(`${source}: "images" must be an array, got ${jsonKind(images)}`);
      images.forEach((image, i) => {
        if (!isRecord(image) || !isJsonId(image.id)) throw new Error(`${source}: images[${i}] must be an object with an integer or string "id", got ${describeValue(image)}`);
      });
    }
    annotations.forEach((a, i) => {
      if (!isRecord(a)) throw new Error(`${source}: annotations[${i}] must be an object {image_id, caption}, got ${describeValue(a)}`);
      if (!isJsonId(a.image_id)) throw new Error(`${source}: annotations[${i}].image_id must be an integer or string, got ${describeValue(a.image_id)}`);
      if (typeof a.caption !== 'string') throw new Error(`${source}: annotations[${i}].caption must be a string, got ${describeValue(a.caption)} (image_id ${a.image_id})`);
      const key = String(a.image_id);
      const list = captions.get(key);
      if (list) list.push(a.caption);
      else captions.set(key, [a.caption]);
    });
    return { source, captions };
  }
  const keys = Object.keys(json);
  if (keys.length === 0) throw new Error(`${source}: no images (empty object)`);
  for (const key of keys) {
    const list = json[key];
    if (!Array.isArray(list)) throw new Error(`${source}: image "${key}" must map to an array of captions, got ${jsonKind(list)}`);
    if (list.length === 0) throw new Error(`${source}: image "${key}" has no reference captions`);
    const bad = list.findIndex((c) => typeof c !== 'string');
    if (bad >= 0) throw new Error(`${source}: image "${key}" caption ${bad} must be a string, got ${describeValue(list[bad])}`);
    captions.set(key, list as string[]);
  }
  return { source, captions };
}

/** Parses results `[{image_id, caption}]` or `{image_id: caption}` (a one-element list is accepted too). */
export function parseCaptionResults(json: unknown, source = 'results'): CaptionResults {
  const ids: ImageId[] = [];
  const captions = new Map<string, string>();
  const add = (id: ImageId, caption: string, where: string): void => {
    const key = String(id);
    if (captions.has(key)) throw new Error(`${source}: duplicate result for image_id ${describeValue(id)} at ${where} (the official evaluation takes one caption per image)`);
    ids.push(id);
    captions.set(key, caption);
  };
  if (Array.isArray(json)) {
    if (json.length === 0) throw new Error(`${source}: the results list is empty`);
    json.forEach((r, i) => {
      if (!isRecord(r)) throw new Error(`${source}: entry [${i}] must be an object {image_id, caption}, got ${describeValue(r)}`);
      if (!isJsonId(r.image_id)) throw new Error(`${source}: entry [${i}].image_id must be an integer or string, got ${describeValue(r.image_id)}`);
      if (typeof r.caption !== 'string') throw new Error(`${source}: entry [${i}].caption must be a string, got ${describeValue(r.caption)} (image_id ${r.image_id})`);
      add(r.image_id, r.caption, `entry [${i}]`);
    });
    return { source, ids, captions };
  }
  if (!isRecord(json)) throw new Error(`${source}: expected a list [{image_id, caption}] or an object {image_id: caption}, got ${jsonKind(json)}`);
  const keys = Object.keys(json);
  if (keys.length === 0) throw new Error(`${source}: no results (empty object)`);
  for (const key of keys) {
    let value = json[key];
    if (Array.isArray(value) && value.length === 1) value = value[0];
    if (typeof value !== 'string') throw new Error(`${source}: image "${key}" must map to one caption string, got ${describeValue(json[key])}`);
    add(/^(0|[1-9][0-9]{0,15})$/.test(key) ? Number(key) : key, value, `key "${key}"`);
  }
  return { source, ids, captions };
}

export function loadCaptionReferences(path: string): CaptionReferences {
  return parseCaptionReferences(readJsonInput(path), path);
}

export function loadCaptionResults(path: string): CaptionResults {
  return parseCaptionResults(readJsonInput(path), path);
}
