/**
 * Writes a Prism Shapes dataset in the official layouts: `data/` (official data lists + images under
 * `data/vqav2/shapes/`), `labels/` (official expert-label layout), `tables/` (feature tables in the
 * official .pt format), `tokenizer/` (vocab.json + merges.txt) and `prism_shapes.json` (metadata,
 * question types, which questions need which expert). The folder appears atomically (built next to
 * the target, then renamed). Same options -> byte-identical files.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { SeededRng, mixSeed } from '../rng.js';
import { DATA_LIST_FILES, type CaptionTestEntry, type CaptionTrainEntry, type VqaTestEntry, type VqaTrainEntry } from '../formats.js';
import { serializeTorchPickle, type PyValue } from '../torch-save.js';
import { FEATURE_TABLE_FILES } from '../feature-tables.js';
import { encodePng } from './png.js';
import { renderScene, SEG_CLASSES } from './render.js';
import { sampleScene, SHAPE_KINDS, SIGN_WORDS, type Scene } from './scene.js';
import { QUESTION_TYPES, sceneCaptions, sceneQuestions, type QuestionType } from './questions.js';
import { buildBpeVocabulary, featureTableOf, mergesTxt, syntheticTextFeature } from './vocabulary.js';

export const PRISM_SHAPES_VERSION = 3;
/** Label sub-folder (and image folder) name: the official caption/VQA loaders read COCO/VQAv2 images from 'vqav2'. */
export const PRISM_SHAPES_DATASET = 'vqav2';

export interface PrismShapesOptions {
  out: string;
  /** Number of scenes (train + test). */
  n: number;
  seed: number;
  /** Image and label side in pixels (default 64). */
  size?: number;
  /** Fraction of scenes held out for testing (default 0.2). */
  testFraction?: number;
  /** Replace an existing folder. */
  force?: boolean;
}

export interface PrismShapesSummary {
  out: string;
  scenes: number;
  trainScenes: number;
  testScenes: number;
  trainQuestions: number;
  testQuestions: number;
  answers: number;
  vocabularySize: number;
}

/** Test-split ground truth for VQA scoring, one row per question. */
export interface PrismShapesAnswer {
  question_id: number;
  answer: string;
  question_type: QuestionType;
  only_expert: string | null;
  /** Colour or kind answers: every colour (kind) in the scene (`SceneQuestion.inScene`); null otherwise. */
  in_scene: string[] | null;
}

export function prismShapesImageName(id: number): string {
  return `shapes/prism_${String(id).padStart(12, '0')}.jpg`;
}

function labelPath(root: string, expert: string, image: string, ext: string): string {
  return join(root, 'labels', expert, PRISM_SHAPES_DATASET, image.replace(/\.jpg$/, ext));
}

type Write = (path: string, data: string | Uint8Array) => void;

/** A file writer that creates each folder once (thousands of files go into a few folders). */
function folderCachingWriter(): Write {
  const made = new Set<string>();
  return (path, data) => {
    const dir = dirname(path);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(path, data);
  };
}

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

async function writeScene(write: Write, root: string, scene: Scene, size: number): Promise<void> {
  const image = prismShapesImageName(scene.id);
  const r = renderScene(scene, size);
  const jpeg = await sharp(r.rgb.data, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer();
  write(join(root, 'data', PRISM_SHAPES_DATASET, image), jpeg);
  write(labelPath(root, 'depth', image, '.png'), encodePng(r.depth));
  write(labelPath(root, 'normal', image, '.png'), encodePng(r.normal));
  write(labelPath(root, 'edge', image, '.png'), encodePng(r.edge));
  write(labelPath(root, 'seg_coco', image, '.png'), encodePng(r.seg));
  write(labelPath(root, 'obj_detection', image, '.png'), encodePng(r.instance));
  write(labelPath(root, 'obj_detection', image, '.json'), JSON.stringify(Object.fromEntries(r.instanceClasses)));
  // like the official OCR script: images without words get no OCR files at all
  if (r.ocr && scene.sign) {
    write(labelPath(root, 'ocr_detection', image, '.png'), encodePng(r.ocr));
    const words: PyValue = { dict: [[0, { dict: [['features', { tensor: syntheticTextFeature(scene.sign.word), shape: [64] }], ['text', scene.sign.word]] }]] };
    write(labelPath(root, 'ocr_detection', image, '.pt'), serializeTorchPickle(words));
  }
}

function writeTables(write: Write, root: string): void {
  const table = (names: readonly string[]): PyValue => ({ dict: [['labels', [...names]], ['features', { tensor: featureTableOf(names), shape: [names.length, 64] }]] });
  write(join(root, 'tables', FEATURE_TABLE_FILES.coco), serializeTorchPickle(table(SEG_CLASSES)));
  write(join(root, 'tables', FEATURE_TABLE_FILES.detection), serializeTorchPickle(table(SHAPE_KINDS)));
  write(join(root, 'tables', FEATURE_TABLE_FILES.background), serializeTorchPickle({ tensor: syntheticTextFeature('background'), shape: [64] }));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}

/** Generates the dataset; resolves to counts. */
export async function generatePrismShapes(options: PrismShapesOptions): Promise<PrismShapesSummary> {
  const size = options.size ?? 64;
  const n = options.n;
  if (!Number.isInteger(n) || n < 2) throw new Error(`generatePrismShapes: n must be an integer >= 2, got ${n}`);
  if (!Number.isInteger(size) || size < 16 || size > 1024) throw new Error(`generatePrismShapes: size must be an integer in [16, 1024], got ${size}`);
  const out = resolve(options.out);
  if (existsSync(out) && !options.force) throw new Error(`${out} already exists (pass force / --force to replace it)`);
  const testScenes = Math.max(1, Math.round(n * (options.testFraction ?? 0.2)));
  const trainScenes = n - testScenes;
  if (trainScenes < 1) throw new Error(`generatePrismShapes: testFraction leaves no training scenes`);
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const write = folderCachingWriter();
  try {
    const captionTrain: CaptionTrainEntry[] = [];
    const captionTest: CaptionTestEntry[] = [];
    const vqaTrain: VqaTrainEntry[] = [];
    const vqaTest: VqaTestEntry[] = [];
    const testAnswers: PrismShapesAnswer[] = [];
    const answers = new Set<string>();
    const texts: string[] = ['A picture of', 'A picture of a'];
    let questionId = 0;
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < n; i++) {
      const id = i + 1;
      const rng = new SeededRng(mixSeed(options.seed, id));
      const scene = sampleScene(id, rng);
      const image = prismShapesImageName(id);
      const train = i < trainScenes;
      const captions = sceneCaptions(scene);
      for (const c of captions) texts.push(capitalize(`A picture of ${c}`), ` ${c}`);
      if (train) captions.forEach((caption) => captionTrain.push({ image, caption, image_id: `prism_${id}` }));
      else captionTest.push({ image, caption: captions, img_id: id });
      for (const q of sceneQuestions(scene, rng)) {
        answers.add(q.answer);
        texts.push(capitalize(q.question), ` ${capitalize(q.answer)}`, ` ${q.answer}`);
        questionId++;
        if (train) vqaTrain.push({ image, question: q.question, answer: q.answer, dataset: 'vqa', weight: 1, question_id: questionId });
        else {
          vqaTest.push({ image, question: q.question, question_id: questionId, dataset: 'vqa' });
          testAnswers.push({ question_id: questionId, answer: q.answer, question_type: q.type, only_expert: q.onlyExpert ?? null, in_scene: q.inScene ?? null });
        }
      }
      pending.push(writeScene(write, tmp, scene, size));
      if (pending.length >= 32) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const answerList = [...answers].sort();
    const data = (name: string): string => join(tmp, 'data', name);
    write(data(DATA_LIST_FILES.captionTrain), json(captionTrain));
    write(data(DATA_LIST_FILES.captionTest), json(captionTest));
    write(data(DATA_LIST_FILES.vqaTrain), json(vqaTrain));
    write(data(DATA_LIST_FILES.vqaTest), json(vqaTest));
    write(data(DATA_LIST_FILES.answerList), json(answerList));
    write(data('vqav2_test_answers.json'), json(testAnswers));
    // the official evaluation files: COCO caption references and VQA annotations/questions
    write(data('coco_karpathy_test_gt.json'), json({
      images: captionTest.map((e) => ({ id: e.img_id })),
      annotations: captionTest.flatMap((e) => (e.caption ?? []).map((caption) => ({ image_id: e.img_id, caption }))).map((a, i) => ({ ...a, id: i + 1 })),
    }));
    const imageIdOf = new Map(vqaTest.map((q) => [q.question_id, Number(q.image.match(/(\d+)\.jpg$/)![1])]));
    write(data('vqav2_test_annotations.json'), json({
      annotations: testAnswers.map((a) => ({
        question_id: a.question_id, image_id: imageIdOf.get(a.question_id), question_type: a.question_type,
        answer_type: a.answer === 'yes' || a.answer === 'no' ? 'yes/no' : /^\d+$/.test(a.answer) ? 'number' : 'other',
        multiple_choice_answer: a.answer,
        answers: Array.from({ length: 10 }, (_, k) => ({ answer: a.answer, answer_confidence: 'yes', answer_id: k + 1 })),
      })),
    }));
    write(data('vqav2_test_questions.json'), json({
      task_type: 'Open-Ended', data_type: 'prism_shapes', data_subtype: 'test',
      questions: vqaTest.map((q) => ({ question_id: q.question_id, image_id: imageIdOf.get(q.question_id), question: q.question })),
    }));
    writeTables(write, tmp);
    for (const w of SIGN_WORDS) texts.push(` ${w}`, ` ${capitalize(w)}`);
    const bpe = buildBpeVocabulary(texts);
    write(join(tmp, 'tokenizer', 'vocab.json'), json(bpe.vocab));
    write(join(tmp, 'tokenizer', 'merges.txt'), mergesTxt(bpe.merges));
    const summary: PrismShapesSummary = {
      out, scenes: n, trainScenes, testScenes, trainQuestions: vqaTrain.length, testQuestions: vqaTest.length,
      answers: answerList.length, vocabularySize: Object.keys(bpe.vocab).length,
    };
    write(join(tmp, 'prism_shapes.json'), `${JSON.stringify({
      generator: 'prism-shapes', version: PRISM_SHAPES_VERSION, seed: options.seed, size,
      counts: { scenes: n, trainScenes, testScenes, trainQuestions: vqaTrain.length, testQuestions: vqaTest.length, answers: answerList.length },
      config: {
        data_path: 'data', label_path: 'labels', feature_tables: 'tables', tokenizer: 'tokenizer', dataset: PRISM_SHAPES_DATASET,
        experts: ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'], image_resolution: size,
      },
      question_types: QUESTION_TYPES,
      only_expert: { depth: 'depth', text: 'ocr_detection' },
    }, null, 1)}\n`);
    if (existsSync(out)) {
      const old = `${out}.old-${process.pid}`;
      renameSync(out, old);
      renameSync(tmp, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      mkdirSync(dirname(out), { recursive: true });
      renameSync(tmp, out);
    }
    return summary;
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}
