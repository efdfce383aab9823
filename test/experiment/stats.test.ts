import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMeanStd, regularizedIncompleteBeta, studentTCdf, studentTQuantile, summariseValues } from '../../lib/experiment/stats.js';

test('studentTQuantile matches the t tables (two-sided 95%) and tends to the normal quantile', () => {
  const table: Array<[number, number]> = [[1, 12.7062047], [2, 4.3026527], [3, 3.1824463], [4, 2.7764451], [9, 2.2621572], [29, 2.0452296]];
  for (const [df, t] of table) assert.ok(Math.abs(studentTQuantile(0.975, df) - t) < 1e-6, `df ${df}: ${studentTQuantile(0.975, df)} vs ${t}`);
  assert.ok(Math.abs(studentTQuantile(0.975, 1e6) - 1.959966) < 1e-4);
  assert.ok(Math.abs(studentTQuantile(0.025, 4) + 2.7764451) < 1e-6);
  assert.equal(studentTQuantile(0.5, 7), 0);
  assert.throws(() => studentTQuantile(1, 3), /p must be in \(0, 1\)/);
});

test('studentTCdf and the incomplete beta function agree with closed forms', () => {
  // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi.
  for (const t of [-3, -0.5, 0, 0.7, 5]) assert.ok(Math.abs(studentTCdf(t, 1) - (0.5 + Math.atan(t) / Math.PI)) < 1e-12);
  // I_x(1, 1) = x; I_x(a, 1) = x^a.
  assert.ok(Math.abs(regularizedIncompleteBeta(0.3, 1, 1) - 0.3) < 1e-12);
  assert.ok(Math.abs(regularizedIncompleteBeta(0.6, 3, 1) - 0.216) < 1e-12);
});

test('summariseValues gives mean, sample std and the t interval; n = 1 has no spread', () => {
  const s = summariseValues([70, 72, 74]);
  assert.equal(s.n, 3);
  assert.equal(s.mean, 72);
  assert.equal(s.std, 2);
  const half = 4.3026527 * (2 / Math.sqrt(3));
  assert.ok(Math.abs(s.low - (72 - half)) < 1e-5 && Math.abs(s.high - (72 + half)) < 1e-5);
  assert.equal(formatMeanStd(s), '72.00 ± 2.00');
  const one = summariseValues([5, NaN]);
  assert.equal(one.n, 1);
  assert.ok(Number.isNaN(one.std) && Number.isNaN(one.low));
  assert.equal(formatMeanStd(one), '5.00');
  assert.equal(summariseValues([]).n, 0);
});
