// The answer normalisation of the official VQA evaluation (vqaEval.py @ a013f00): punctuation,
// periods, number words, articles and contractions, with its quirks reproduced unless
// `replicateOfficialQuirks` is false.
import { pySplit } from './python-compat.js';

export interface VqaNormalizeOptions {
  /**
   * true (default): behave exactly like the official code. false: fix its accidental behaviours:
   * - every period not followed by a digit is removed (the official call passes re.UNICODE = 32
   *   as the count, so at most 32 go);
   * - contraction keys also match in lower case (`Im`, `Ive`, `Id've` can never match after the
   *   official lower-casing), with lower-cased values;
   * - `somebody'd` stays as it is instead of becoming `somebodyd`;
   * - in scoreVqa / vqaQuestionAccuracy, answers are normalised even when all GT answers agree
   *   (officially `Yes` against ten `yes` scores 0).
   */
  replicateOfficialQuirks?: boolean;
}

/** The official contractions table: missing-apostrophe spellings to the apostrophe form (keys are case-sensitive). */
export const VQA_CONTRACTIONS: Readonly<Record<string, string>> = {
  aint: "ain't", arent: "aren't", cant: "can't", couldve: "could've", couldnt: "couldn't",
  "couldn'tve": "couldn't've", "couldnt've": "couldn't've", didnt: "didn't", doesnt: "doesn't", dont: "don't", hadnt: "hadn't",
  "hadnt've": "hadn't've", "hadn'tve": "hadn't've", hasnt: "hasn't", havent: "haven't", hed: "he'd", "hed've": "he'd've",
  "he'dve": "he'd've", hes: "he's", howd: "how'd", howll: "how'll", hows: "how's", "Id've": "I'd've", "I'dve": "I'd've",
  Im: "I'm", Ive: "I've", isnt: "isn't", itd: "it'd", "itd've": "it'd've", "it'dve": "it'd've", itll: "it'll", "let's": "let's",
  maam: "ma'am", mightnt: "mightn't", "mightnt've": "mightn't've", "mightn'tve": "mightn't've", mightve: "might've",
  mustnt: "mustn't", mustve: "must've", neednt: "needn't", notve: "not've", oclock: "o'clock", oughtnt: "oughtn't",
  "ow's'at": "'ow's'at", "'ows'at": "'ow's'at", "'ow'sat": "'ow's'at", shant: "shan't", "shed've": "she'd've", "she'dve": "she'd've",
  "she's": "she's", shouldve: "should've", shouldnt: "shouldn't", "shouldnt've": "shouldn't've", "shouldn'tve": "shouldn't've",
  "somebody'd": 'somebodyd', "somebodyd've": "somebody'd've", "somebody'dve": "somebody'd've", somebodyll: "somebody'll",
  somebodys: "somebody's", someoned: "someone'd", "someoned've": "someone'd've", "someone'dve": "someone'd've",
  someonell: "someone'll", someones: "someone's", somethingd: "something'd", "somethingd've": "something'd've",
  "something'dve": "something'd've", somethingll: "something'll", thats: "that's", thered: "there'd", "thered've": "there'd've",
  "there'dve": "there'd've", therere: "there're", theres: "there's", theyd: "they'd", "theyd've": "they'd've",
  "they'dve": "they'd've", theyll: "they'll", theyre: "they're", theyve: "they've", twas: "'twas", wasnt: "wasn't",
  "wed've": "we'd've", "we'dve": "we'd've", weve: "we've", werent: "weren't", whatll: "what'll", whatre: "what're",
  whats: "what's", whatve: "what've", whens: "when's", whered: "where'd", wheres: "where's", whereve: "where've",
  whod: "who'd", "whod've": "who'd've", "who'dve": "who'd've", wholl: "who'll", whos: "who's", whove: "who've", whyll: "why'll",
  whyre: "why're", whys: "why's", wont: "won't", wouldve: "would've", wouldnt: "wouldn't", "wouldnt've": "wouldn't've",
  "wouldn'tve": "wouldn't've", yall: "y'all", "yall'll": "y'all'll", "y'allll": "y'all'll", "yall'd've": "y'all'd've",
  "y'alld've": "y'all'd've", "y'all'dve": "y'all'd've", youd: "you'd", "youd've": "you'd've", "you'dve": "you'd've",
  youll: "you'll", youre: "you're", youve: "you've",
};

const CONTRACTIONS = new Map(Object.entries(VQA_CONTRACTIONS));
const CONTRACTIONS_FIXED = new Map<string, string>();
for (const [key, value] of Object.entries(VQA_CONTRACTIONS)) CONTRACTIONS_FIXED.set(key.toLowerCase(), key === "somebody'd" ? "somebody'd" : value.toLowerCase());

const NUMBER_WORDS = new Map([['none', '0'], ['zero', '0'], ['one', '1'], ['two', '2'], ['three', '3'], ['four', '4'], ['five', '5'], ['six', '6'], ['seven', '7'], ['eight', '8'], ['nine', '9'], ['ten', '10']]);
const ARTICLES = new Set(['a', 'an', 'the']);

/** The 21 characters processPunctuation handles, in the official order. */
export const VQA_PUNCTUATION: readonly string[] = [';', '/', '[', ']', '"', '{', '}', '(', ')', '=', '+', '\\', '_', '-', '>', '<', '@', '`', ',', '?', '!'];
const PUNCT_ANY = /[;/[\]"{}()=+\\_\->@`,?!<]/;
const DIGIT_COMMA_DIGIT = /\p{Nd},\p{Nd}/u;
const PERIOD_NOT_BEFORE_DIGIT = /\.(?!\p{Nd})/gu;
const OFFICIAL_PERIOD_LIMIT = 32; // re.UNICODE passed as the `count` argument of re.sub

/** `processPunctuation`: delete or space out the 21 characters, then strip periods not followed by a digit. */
export function vqaProcessPunctuation(text: string, options: VqaNormalizeOptions = {}): string {
  let out = text;
  if (PUNCT_ANY.test(text)) {
    const digitComma = DIGIT_COMMA_DIGIT.test(text);
    for (const p of VQA_PUNCTUATION) {
      if (!out.includes(p)) continue;
      // The condition looks at the original text, not at the text being rewritten.
      const remove = text.includes(`${p} `) || text.includes(` ${p}`) || digitComma;
      out = out.split(p).join(remove ? '' : ' ');
    }
  }
  if (!out.includes('.')) return out;
  if (options.replicateOfficialQuirks === false) return out.replace(PERIOD_NOT_BEFORE_DIGIT, '');
  let removed = 0;
  return out.replace(PERIOD_NOT_BEFORE_DIGIT, (m) => (removed++ < OFFICIAL_PERIOD_LIMIT ? '' : m));
}

/** `processDigitArticle`: lower-case, split, map number words, drop articles, restore contractions. */
export function vqaProcessDigitArticle(text: string, options: VqaNormalizeOptions = {}): string {
  const contractions = options.replicateOfficialQuirks === false ? CONTRACTIONS_FIXED : CONTRACTIONS;
  const words: string[] = [];
  for (const raw of pySplit(text.toLowerCase())) {
    const word = NUMBER_WORDS.get(raw) ?? raw;
    if (!ARTICLES.has(word)) words.push(contractions.get(word) ?? word);
  }
  return words.join(' ');
}

/** Both steps, as applied to every answer of a question whose GT answers disagree. */
export function normalizeVqaAnswer(text: string, options: VqaNormalizeOptions = {}): string {
  return vqaProcessDigitArticle(vqaProcessPunctuation(text, options), options);
}
