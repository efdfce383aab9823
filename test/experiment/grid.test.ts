import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ablationGrid, expandGrid, parseGridAxis, splitCellParams } from '../../lib/experiment/grid.js';

test('parseGridAxis reads YAML lists; expandGrid crosses axes into folder-safe cell names', () => {
  const experts = parseGridAxis('experts=[[], [depth], [depth, normal]]');
  assert.deepEqual(experts, { key: 'experts', values: [[], ['depth'], ['depth', 'normal']] });
  const noise = parseGridAxis('label_noise=[{}, {depth: 0.5}]');
  const cells = expandGrid([experts, noise]);
  assert.deepEqual(cells.map((c) => c.name), [
    'experts=none,label_noise=none', 'experts=none,label_noise=depth@0.5',
    'experts=depth,label_noise=none', 'experts=depth,label_noise=depth@0.5',
    'experts=depth+normal,label_noise=none', 'experts=depth+normal,label_noise=depth@0.5',
  ]);
  assert.deepEqual(cells[3]!.params, { experts: ['depth'], label_noise: { depth: 0.5 } });
  assert.throws(() => parseGridAxis('experts'), /expected key=\[value/);
  assert.throws(() => parseGridAxis('experts=depth'), /non-empty list/);
  assert.throws(() => parseGridAxis('experts=[depth'), /invalid YAML/);
  assert.throws(() => expandGrid([experts, experts]), /given twice/);
});

test('ablationGrid builds the paper\'s ablations around the config\'s experts', () => {
  const base = ['depth', 'normal', 'ocr_detection'] as const;
  assert.deepEqual(ablationGrid('add-experts', base)[0]!.values, [[], ['depth'], ['depth', 'normal'], ['depth', 'normal', 'ocr_detection']]);
  assert.deepEqual(ablationGrid('leave-one-out', base)[0]!.values, [[...base], ['normal', 'ocr_detection'], ['depth', 'ocr_detection'], ['depth', 'normal']]);
  assert.deepEqual(ablationGrid('drop-at-inference', base), [{ key: 'eval_drop', values: [[], ['depth'], ['normal'], ['ocr_detection'], [...base]] }]);
  assert.deepEqual(ablationGrid('label-noise', base)[0]!.values, [{}, { depth: 0.25 }, { depth: 0.5 }, { depth: 0.75 }, { depth: 1 }]);
  assert.deepEqual(ablationGrid('noise-expert', base), [{ key: 'noise_experts', values: [[], ['edge']] }]);
  assert.deepEqual(ablationGrid('freeze', []), [{ key: 'freeze', values: ['none', 'freeze_vision', 'freeze_lang', 'freeze_lang_vision'] }]);
  assert.deepEqual(ablationGrid('adaptor', []), [{ key: 'adaptor', values: [true, false] }]);
  assert.throws(() => ablationGrid('add-experts', []), /no experts \(PrismerZ\)/);
  assert.throws(() => ablationGrid('noise-expert', ['depth', 'normal', 'edge']), /all real experts/);
  assert.throws(() => ablationGrid('bogus', base), /expected one of add-experts/);
});

test('splitCellParams separates config overrides from ablations and checks the ablation values', () => {
  const { overrides, ablations } = splitCellParams({ experts: ['depth'], init_lr: 0.001, eval_drop: ['depth'], label_noise: { depth: 0.25 }, noise_experts: ['edge'], adaptor: false });
  assert.deepEqual(overrides.map((o) => [o.keyPath, o.value]), [['experts', ['depth']], ['init_lr', 0.001]]);
  assert.deepEqual(ablations, { evalDrop: ['depth'], labelNoise: { depth: 0.25 }, noiseExperts: ['edge'], adaptor: false });
  assert.throws(() => splitCellParams({ label_noise: { depth: 1.5 } }), /label_noise.depth: expected a fraction/);
  assert.throws(() => splitCellParams({ label_noise: { sonar: 0.5 } }), /unknown expert 'sonar'/);
  assert.throws(() => splitCellParams({ noise_experts: ['seg_coco'] }), /expected a list of depth, normal, edge/);
  assert.throws(() => splitCellParams({ adaptor: 'off' }), /expected true or false/);
});
