import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preCaption, preQuestion } from '../../lib/text/preprocess.js';
import { pythonCapitalize, pythonStrip } from '../../lib/text/python-str.js';

test('pythonCapitalize follows CPython 3.8+ str.capitalize', () => {
  // Expected values are what CPython prints for 'x'.capitalize().
  assert.equal(pythonCapitalize('hELLO wORLD'), 'Hello world');
  assert.equal(pythonCapitalize('what is ON the TV?'), 'What is on the tv?');
  assert.equal(pythonCapitalize('123abC'), '123abc');
  assert.equal(pythonCapitalize(''), '');
  assert.equal(pythonCapitalize('ßtraSSe'), 'Sstrasse');
  assert.equal(pythonCapitalize('ǆemal'), 'ǅemal');
  assert.equal(pythonCapitalize('ﬁsh'), 'Fish');
  assert.equal(pythonCapitalize('ΑΣ'), 'Ας');
  assert.equal(pythonCapitalize('ᾳΒ'), 'ᾼβ');
  assert.equal(pythonCapitalize('élan VITAL'), 'Élan vital');
  assert.equal(pythonCapitalize('😀 SMILE'), '😀 smile');
});

test('pythonStrip uses str.isspace whitespace (\\x1c and \\x85 yes, \\ufeff no)', () => {
  assert.equal(pythonStrip('\x1c\x85 a b \t\n\u3000'), 'a b');
  assert.equal(pythonStrip('\ufeffa'), '\ufeffa');
});

test('preCaption matches the official pre_caption', () => {
  assert.equal(preCaption('A picture of a DOG.  Running!!'), 'A picture of a dog running');
  // capitalize() runs before the strip, so a leading space or quote keeps the first letter lower
  assert.equal(preCaption('  "quoted" (text) *with* #special: chars; ~ok~  '), 'quoted text with special chars ok');
  assert.equal(preCaption('one two three four', 2), 'One two');
  assert.equal(preCaption('tab\t\tseparated\nline'), 'Tab separated\nline');
});

test('preQuestion matches the official pre_question', () => {
  assert.equal(preQuestion('what is the man holding'), 'What is the man holding?');
  assert.equal(preQuestion('  How MANY dogs?  '), 'how many dogs?'); // capitalize() runs before strip()
  assert.equal(preQuestion('is it sunny.'), 'Is it sunny?');
  assert.equal(preQuestion('a  b'), 'A  b?');
  assert.equal(preQuestion('one two three', 2), 'One two?');
  assert.throws(() => preQuestion(' ... '), /empty after cleaning/);
});
