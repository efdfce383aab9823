import { test } from 'node:test';
import assert from 'node:assert/strict';
import { npMean, pyRound, pySplit, pyStrip } from '../../lib/metrics/python-compat.js';

test('pyRound is Python 3 round(): exact binary value, exact ties to even', () => {
  // Expected values printed by CPython 3.11.
  assert.equal(pyRound(0.125, 2), 0.12); // exact tie -> even (toFixed would give 0.13)
  assert.equal(pyRound(0.375, 2), 0.38);
  assert.equal(pyRound(2.675, 2), 2.67); // binary value is below the tie
  assert.equal(pyRound(66.665, 2), 66.67);
  assert.equal(pyRound(1.005, 2), 1);
  assert.equal(pyRound(100 * (2 / 3), 2), 66.67);
  assert.equal(pyRound(2.5, 0), 2);
  assert.equal(pyRound(3.5, 0), 4);
});

test('npMean is numpy.mean (pairwise summation), not a plain loop', () => {
  // Expected values printed by numpy 2.x for a[i] = (i*7919 % 1000)/7 + 0.1.
  const make = (n: number) => Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 7 + 0.1);
  assert.equal(npMean(make(1000)), 71.45714285714286); // a plain loop gives 71.45714285714263
  assert.equal(npMean(make(37)), 69.8065637065637);
  assert.equal(npMean(make(5)), 91.24285714285713);
});

test("pySplit and pyStrip use Python's whitespace set", () => {
  assert.deepEqual(pySplit('a  b\u00a0c\u001cd\u0085e'), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(pySplit(''), []);
  assert.deepEqual(pySplit('a b c'), ['a', 'b', 'c']);
  assert.equal(pyStrip('\u001f yes \u0085'), 'yes');
  assert.equal(pyStrip('\ufeffyes'), '\ufeffyes'); // BOM is whitespace for JS trim() only
});
