import { PYTHON_WHITESPACE, pythonCapitalize, pythonStrip, pythonStripChars } from './python-str.js';

/**
 * The official text cleaning of `dataset/utils.py` (`pre_caption`, `pre_question`), replicated exactly:
 * capitalize (first letter upper, REST LOWER), replace `. ! " ( ) * # : ; ~` by spaces, collapse
 * whitespace runs, trim, keep at most `maxWords` space-separated words.
 */

const SPECIAL_CHARS = /[.!"()*#:;~]/g;
const WHITESPACE_RUN = new RegExp(`[${PYTHON_WHITESPACE}]{2,}`, 'gu');

function truncateWords(text: string, maxWords: number): string {
  const words = text.split(' ');
  return words.length > maxWords ? words.slice(0, maxWords).join(' ') : text;
}

/** Official `pre_caption(caption, max_words=50)`. */
export function preCaption(caption: string, maxWords = 50): string {
  let text = pythonCapitalize(caption).replace(SPECIAL_CHARS, ' ');
  text = text.replace(WHITESPACE_RUN, ' ');
  text = pythonStripChars(text, '\n', 'right');
  text = pythonStripChars(text, ' ');
  return truncateWords(text, maxWords);
}

/**
 * Official `pre_question(question, max_words=50)`: like `pre_caption` but without collapsing whitespace
 * runs, stripping all whitespace, and appending `?` when missing. An empty result is an error (the
 * official code raises IndexError there).
 */
export function preQuestion(question: string, maxWords = 50): string {
  let text = pythonStrip(pythonCapitalize(question).replace(SPECIAL_CHARS, ' '));
  text = truncateWords(text, maxWords);
  if (text.length === 0) throw new Error(`preQuestion: question ${JSON.stringify(question)} is empty after cleaning`);
  if (!text.endsWith('?')) text += '?';
  return text;
}
