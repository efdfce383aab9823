/**
 * The Prism Shapes variant of few-shot classification: the scenes that show exactly one shape, sorted
 * into ImageNet-style class folders by the shape's kind (circle, square, triangle, diamond), with their
 * oracle labels, in the official Classification layout:
 *
 *   data/imagenet_train/{kind}/prism_….JPEG   (Prism Shapes train scenes; the JPEG bytes, hard-linked)
 *   data/imagenet/{kind}/prism_….JPEG         (test scenes)
 *   data/imagenet/imagenet_answer.json, imagenet_class.json
 *   labels/{expert}/imagenet_train|imagenet/{kind}/prism_….png (+ .json, .pt as the expert writes them)
 *
 * The kind comes from the scene's obj_detection classes (`{instance: kind index}`), so only shapes
 * that are visible count. Built next to the Prism Shapes lists; regenerating Prism Shapes replaces the
 * whole folder, so a finished marker file means the variant matches the scenes.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATA_LIST_FILES, readCaptionTestList, readCaptionTrainList } from '../data/formats.js';
import { PRISM_SHAPES_DATASET } from '../data/synthetic/generate.js';
import { SHAPE_KINDS } from '../data/synthetic/scene.js';
import { writeFileAtomic } from '../io/atomic.js';
import { CLASSIFICATION_FILES } from './classify.js';

const MARKER = 'imagenet/prism_shapes_classification.json';
const LABEL_FILES: ReadonlyArray<[string, readonly string[]]> = [
  ['depth', ['.png']], ['normal', ['.png']], ['edge', ['.png']], ['seg_coco', ['.png']], ['obj_detection', ['.png', '.json']], ['ocr_detection', ['.png', '.pt']],
];

export interface ShapesClassificationSummary {
  built: boolean;
  trainImages: number;
  testImages: number;
  perClass: Record<string, { train: number; test: number }>;
}

function linkOrCopy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** The shape kind of a single-shape scene, or null when the scene shows another number of shapes. */
function singleShapeKind(labelPath: string, image: string): string | null {
  const path = join(labelPath, 'obj_detection', PRISM_SHAPES_DATASET, image.replace(/\.jpg$/, '.json'));
  const classes = Object.values(JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>);
  if (classes.length !== 1) return null;
  const kind = SHAPE_KINDS[classes[0]!];
  if (kind === undefined) throw new Error(`${path}: class ${classes[0]} is not a Prism Shapes kind (0..${SHAPE_KINDS.length - 1})`);
  return kind;
}

/**
 * Builds the classification layout inside a Prism Shapes `data/` and `labels/` folder (no-op when it is
 * already there). Every class must have at least one train and one test image.
 */
export function ensureShapesClassification(dataPath: string, labelPath: string): ShapesClassificationSummary {
  const marker = join(dataPath, MARKER);
  if (existsSync(marker)) return { built: false, ...(JSON.parse(readFileSync(marker, 'utf8')) as Omit<ShapesClassificationSummary, 'built'>) };
  const splits: Array<[string, string[]]> = [
    [CLASSIFICATION_FILES.trainFolder, [...new Set(readCaptionTrainList(join(dataPath, DATA_LIST_FILES.captionTrain)).map((e) => e.image))]],
    [CLASSIFICATION_FILES.testFolder, readCaptionTestList(join(dataPath, DATA_LIST_FILES.captionTest)).map((e) => e.image)],
  ];
  const perClass: Record<string, { train: number; test: number }> = Object.fromEntries(SHAPE_KINDS.map((k) => [k, { train: 0, test: 0 }]));
  for (const [folder] of splits) {
    rmSync(join(dataPath, folder), { recursive: true, force: true });
    for (const [expert] of LABEL_FILES) rmSync(join(labelPath, expert, folder), { recursive: true, force: true });
  }
  for (const [folder, images] of splits) {
    for (const image of images) {
      const kind = singleShapeKind(labelPath, image);
      if (kind === null) continue;
      const base = image.split('/').pop()!.replace(/\.jpg$/, '');
      linkOrCopy(join(dataPath, PRISM_SHAPES_DATASET, image), join(dataPath, folder, kind, `${base}.JPEG`));
      for (const [expert, extensions] of LABEL_FILES) {
        for (const ext of extensions) {
          const from = join(labelPath, expert, PRISM_SHAPES_DATASET, image.replace(/\.jpg$/, ext));
          if (existsSync(from)) linkOrCopy(from, join(labelPath, expert, folder, kind, `${base}${ext}`));
        }
      }
      perClass[kind]![folder === CLASSIFICATION_FILES.trainFolder ? 'train' : 'test'] += 1;
    }
  }
  const empty = Object.entries(perClass).find(([, n]) => n.train === 0 || n.test === 0);
  if (empty) throw new Error(`${dataPath}: Prism Shapes has too few single-shape scenes for classification (class '${empty[0]}': ${empty[1].train} train, ${empty[1].test} test); generate more scenes`);
  mkdirSync(join(dataPath, CLASSIFICATION_FILES.testFolder), { recursive: true });
  writeFileAtomic(join(dataPath, CLASSIFICATION_FILES.answers), JSON.stringify([...SHAPE_KINDS]));
  writeFileAtomic(join(dataPath, CLASSIFICATION_FILES.classes), JSON.stringify(Object.fromEntries(SHAPE_KINDS.map((k, i) => [k, i]))));
  const summary = {
    trainImages: Object.values(perClass).reduce((a, n) => a + n.train, 0),
    testImages: Object.values(perClass).reduce((a, n) => a + n.test, 0),
    perClass,
  };
  writeFileAtomic(marker, `${JSON.stringify(summary, null, 2)}\n`);
  return { built: true, ...summary };
}
