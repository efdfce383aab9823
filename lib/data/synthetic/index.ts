// Public API of the Prism Shapes synthetic benchmark.
export { generatePrismShapes, prismShapesImageName, PRISM_SHAPES_VERSION, PRISM_SHAPES_DATASET } from './generate.js';
export type { PrismShapesOptions, PrismShapesSummary, PrismShapesAnswer } from './generate.js';
export { sampleScene, insideShape, shapeRadius, SHAPE_KINDS, SHAPE_COLOURS, SHAPE_SIZES, BACKGROUNDS, SIGN_WORDS, COLOUR_RGB } from './scene.js';
export type { Scene, SceneShape, SceneSign, ShapeKind, ShapeColour, ShapeSize, BackgroundKind } from './scene.js';
export { renderScene, SEG_CLASSES } from './render.js';
export type { RenderedScene } from './render.js';
export { QUESTION_TYPES, sceneCaptions, sceneQuestions, shapesOverlap } from './questions.js';
export type { QuestionType, SceneQuestion } from './questions.js';
export { buildBpeVocabulary, mergesTxt, syntheticTextFeature, featureTableOf } from './vocabulary.js';
export type { BpeFiles } from './vocabulary.js';
export { encodePng } from './png.js';
