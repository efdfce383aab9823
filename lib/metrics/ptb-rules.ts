// The token rules of Stanford PTBLexer 3.4.1 with the options the COCO caption wrapper uses
// (`-preserveLines -lowerCase`, PTB3 escaping defaults, no americanize, traditional treebank 3).
// Written from the published behaviour of the lexer: each rule is a JS sticky regex; a rule with
// trailing context keeps it in a capturing lookahead, because JFlex counts the context when it
// picks the longest match. Literal words are case-insensitive (%caseless) but character classes
// are not, so literals go through `ci()`. An alternation whose branches can match different lengths
// is either ordered longest-first or split into separate rules (JS takes the first branch that
// matches). Checked against PTBLexer.java of CoreNLP v3.4.1 on the fixture cases and on tens of
// thousands of random captions (test/metrics/ptb-lexer-java.test.ts keeps a sample).

/** Case-insensitive literal: every ASCII letter becomes a two-letter class. */
function ci(word: string): string {
  let out = '';
  for (const ch of word) {
    const lo = ch.toLowerCase();
    const up = ch.toUpperCase();
    if (lo !== up && /[a-z]/i.test(ch)) out += `[${lo}${up}]`;
    else if (/[.$^*+?()[\]{}|\\/]/.test(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}
const alt = (...words: string[]): string => words.map(ci).join('|');

// ---- macros (JS regex source, used with the `u` flag) ----
const SGML = String.raw`<(?:[!?][A-Za-z\-][^>\r\n]*|[A-Za-z][A-Za-z0-9_:.\-]*(?:[ ]+(?:[A-Za-z][A-Za-z0-9_:.\-]*[ ]*=[ ]*(?:'[^']*'|"[^"]*")|[A-Za-z][A-Za-z0-9_:.\-]*))*[ ]*\/?|\/[A-Za-z][A-Za-z0-9_:.\-]*)[ ]*>`;
const SPMDASH = `&(?:${alt('MD', 'mdash', 'ndash')});|[\\u0096\\u0097\\u2013\\u2014\\u2015]`;
const SPAMP = `&${ci('amp')};`;
const SPPUNC = `&(?:${alt('HT', 'TL', 'UR', 'LR', 'QC', 'QL', 'QR', 'odq', 'cdq')}|#[0-9]+);`;
const SPLET = `&[aeiouAEIOU](?:${alt('acute', 'grave', 'uml')});`;
const SPACE = String.raw`[ \t\u00A0\u2000-\u200A\u3000]`;
const NEWLINE = String.raw`(?:\r\n|\r|\n|\u2028|\u2029|\u000B|\u000C|\u0085)`;
const SPACENL = `(?:${SPACE}|${NEWLINE})`;
const SENTEND = `${SPACENL}(?:${SPACENL}|\\p{Lu}|${SGML})`;
const DIGIT = String.raw`[\p{Nd}\u07C0-\u07C9]`;
const DATE = `${DIGIT}{1,2}[\\-\\/]${DIGIT}{1,2}[\\-\\/]${DIGIT}{2,4}`;
const NUM = `${DIGIT}*(?:[.:,\\u00AD\\u066B\\u066C]${DIGIT}+)+|${DIGIT}+`;
const NUMBER = `[\\-+]?(?:${NUM})`;
const SUBSUPNUM = String.raw`[\u207A\u207B\u208A\u208B]?(?:[\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+|[\u2080-\u2089]+)`;
const FRAC = `(?:${DIGIT}{1,4}[\\- \\u00A0])?${DIGIT}{1,4}(?:\\\\?\\/|\\u2044)${DIGIT}{1,4}`;
const FRAC2 = String.raw`[\u00BC\u00BD\u00BE\u2153-\u215E]`;
const DOLSIGN = String.raw`[A-Z]*\$|#`;
const DOLSIGN2 = String.raw`[\u00A2\u00A3\u00A4\u00A5\u0080\u20A0\u20AC\u060B\u0E3F\u20A4\uFFE0\uFFE1\uFFE5\uFFE6]`;
const LETTER_EXTRA = String.raw`\u00AD\u0237-\u024F\u02C2-\u02C5\u02D2-\u02DF\u02E5-\u02FF\u0300-\u036F\u0370-\u037D\u0384\u0385\u03CF\u03F6\u03FC-\u03FF\u0483-\u0487\u04CF\u04F6-\u04FF\u0510-\u0525\u055A-\u055F\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7\u0615-\u061A\u063B-\u063F\u064B-\u065E\u0670\u06D6-\u06EF\u06FA-\u06FF\u070F\u0711\u0730-\u074F\u0750-\u077F\u07A6-\u07B1\u07CA-\u07F5\u07FA\u0900-\u0903\u093C\u093E-\u094E\u0951-\u0955\u0962-\u0963\u0981-\u0983\u09BC-\u09C4\u09C7\u09C8\u09CB-\u09CD\u09D7\u09E2\u09E3\u0A01-\u0A03\u0A3C\u0A3E-\u0A4F\u0A81-\u0A83\u0ABC-\u0ACF\u0B82\u0BBE-\u0BC2\u0BC6-\u0BC8\u0BCA-\u0BCD\u0C01-\u0C03\u0C3E-\u0C56\u0D3E-\u0D44\u0D46-\u0D48\u0E30-\u0E3A\u0E47-\u0E4E\u0EB1-\u0EBC\u0EC8-\u0ECD`;
const LETTER = `(?:[\\p{L}${LETTER_EXTRA}]|${SPLET})`;
const LETDIG = `(?:[\\p{L}\\p{Nd}\\u07C0-\\u07C9${LETTER_EXTRA}]|${SPLET})`;
const WORD = `${LETTER}${LETDIG}*(?:[.!?]${LETTER}${LETDIG}*)*`;
const FILENAME_EXT = alt('docx', 'doc', 'bat', 'bmp', 'class', 'cgi', 'cpp', 'c', 'dll', 'exe', 'gif', 'gz', 'html', 'htm', 'h', 'jar', 'java', 'jpeg', 'jpg', 'mov', 'mp3', 'pdf', 'php', 'pl', 'png', 'ppt', 'ps', 'py', 'sql', 'tar', 'txt', 'wav', 'xml', 'x', 'zip');
const FILENAME = `${LETDIG}+(?:[.]${LETDIG}+)*(?:[.](?:${FILENAME_EXT}))`;
const APOS = `(?:['\\u0092\\u2019]|&${ci('apos')};)`;
const APOSETC = `(?:${APOS}|[\`\\u0091\\u2018\\u201B])`;
const LD = String.raw`[\p{L}\p{Nd}]`;
const THING = `(?:[dDoOlL]${APOSETC}${LD})?${LD}+(?:[\\-_\\u058A\\u2010\\u2011](?:[dDoOlL]${APOSETC}${LD})?${LD}+)*`;
const THINGA = `[A-Z]+(?:(?:[+&]|${SPAMP})[A-Z]+)+`;
const THING3 = String.raw`[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\?\/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}`;
const ACRO_SPECIAL = `(?:${alt('Canada', 'Sino', 'Korean', 'EU', 'Japan', 'non')})-${ci('U.S')}|${ci('U.S.-')}(?:${ci('U.S.S.R')}|${ci('U.K')})`;
const ACRO = `${ACRO_SPECIAL}|[A-Za-z](?:\\.[A-Za-z])*`;
const ACRO2 = `${ACRO_SPECIAL}|[A-Za-z](?:\\.[A-Za-z])+`;
const HTHING = `[A-Za-z0-9][A-Za-z0-9.,\\u00AD]*(?:-(?:(?:${ACRO2})\\.|[A-Za-z0-9\\u00AD]+))+`;
const REDAUX = `${APOS}(?:[msdMSD]|${alt('re', 've', 'll')})`;
const SWORD = String.raw`[A-Za-z\u00AD]*[A-MO-Za-mo-z]\u00AD*`;
const SREDAUX = `${ci('n')}${APOSETC}${ci('t')}`;
const APOWORDS = [
  `${APOS}${ci('n')}${APOS}?`,
  `${ci('Dunkin')}${APOS}`,
  `${ci('somethin')}${APOS}`,
  `${ci('cont')}'${ci('d')}\\.?`,
  `'${ci('twas')}`,
  `${ci('nor')}'${ci('easter')}`,
  `${ci('c')}'${ci('mon')}`,
  `${ci('e')}'${ci('er')}`,
  `${ci('s')}'${ci('mores')}`,
  `${ci('ev')}'${ci('ry')}`,
  `${ci('li')}'${ci('l')}`,
  `${ci('nat')}'${ci('l')}`,
  `[A-HJ-XZn]${APOSETC}\\p{L}{2}\\p{L}*`,
  `\\p{L}\\p{L}*[aeiouyAEIOUY]${APOSETC}[aeiouA-Z]\\p{L}*`,
  `${ci('O')}${APOSETC}${ci('o')}`,
  `${ci('ol')}${APOS}`,
  `[lLdDjJ]${APOS}`,
  `${APOS}${ci('em')}`,
  `${APOS}[2-9]0${ci('s')}`,
  `${APOS}${ci('till')}|${APOS}${ci('til')}`,
  `${APOS}${ci('cause')}`,
];
const APOWORD2 = `${ci('y')}${APOS}`;
const FULLURL = String.raw`[hH][tT][tT][pP][sS]?:\/\/[^ \t\n\f\r"<>|(){}]+[^ \t\n\f\r"<>|.!?(){},\-]`;
const LIKELYURL = String.raw`(?:(?:[wW][wW][wW]\.(?:[^ \t\n\f\r"<>|.!?(){},]+\.)+[a-zA-Z]{2,4})|(?:(?:[^ \t\n\f\r"\x60'<>|.!?(){},-_$]+\.)+(?:[cC][oO][mM]|[nN][eE][tT]|[oO][rR][gG]|[eE][dD][uU])))(?:\/[^ \t\n\f\r"<>|()]+[^ \t\n\f\r"<>|.!?(){},\-])?`;
const EMAIL = `(?:&${ci('lt')};|<)?[a-zA-Z0-9][^ \\t\\n\\f\\r"<>|()\\u00A0{}]*@(?:[^ \\t\\n\\f\\r"<>|(){}.\\u00A0]+\\.)*[^ \\t\\n\\f\\r"<>|(){}.\\u00A0]+(?:&${ci('gt')};|>)?`;
const TWITTER = `@[a-zA-Z_][a-zA-Z_0-9]*|#${LETTER}+`;
const ABMONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'Jun', 'Jul', 'Aug', 'Sept', 'Sep', 'Oct', 'Nov', 'Dec'];
const ABDAYS = ['Mon', 'Tues', 'Tue', 'Wed', 'Thurs', 'Thu', 'Fri'];
const ABSTATE_LIT = ['Ala', 'Ariz', 'Calif', 'Colo', 'Conn', 'Ct', 'Dak', 'Fla', 'Ga', 'Ind', 'Kans', 'Kan', 'Ky', 'Md', 'Mich', 'Minn', 'Mont', 'Mo', 'Neb', 'Nev', 'Okla', 'Penn', 'Tenn', 'Va', 'Vt', 'Wisc', 'Wis', 'Wyo'];
// `[A]z`-style entries: first letter is a (case-sensitive) class, the rest a caseless literal.
const capFirst = (w: string): string => `${w[0]}${ci(w.slice(1))}`;
const ABSTATE_CAP = ['Az', 'Ark', 'Del', 'Ill', 'La', 'Mass', 'Miss', 'Ore', 'Pa', 'Tex', 'Wash'].map(capFirst);
const ABCOMP = `${alt('Inc', 'Cos', 'Co', 'Corp')}|${ci('P')}${ci('p')}?${ci('t')}[ye]${ci('s')}?|${alt('Ltd', 'Plc', 'Rt', 'Bancorp', 'Bhd', 'Assn', 'Univ', 'Intl', 'Sys')}`;
const ABNUM = alt('tel', 'est', 'ext', 'sq');
const ABPTIT = `${alt('Jr', 'Sr', 'Bros')}|(?:${alt('Ed', 'Ph')})\\.${ci('D')}|${alt('Blvd', 'Rd', 'Esq')}`;
const ABBREV1 = `(?:${[...ABMONTH, ...ABDAYS, ...ABSTATE_LIT].map(ci).join('|')}|${ABSTATE_CAP.join('|')}|${ABCOMP}|${ABNUM}|${ABPTIT}|${alt('etc', 'al', 'seq', 'Bldg')})\\.`;
const ABTITLE_WORDS = ['Mrs', 'Mr', 'Ms', 'Drs', 'Dr', 'Profs', 'Prof', 'Sens', 'Sen', 'Reps', 'Rep', 'Attys', 'Atty', 'Lt', 'Col', 'Gen', 'Messrs', 'Govs', 'Gov', 'Adm', 'Rev', 'Maj', 'Sgt', 'Cpl', 'Pvt', 'Capt', 'Ste', 'St', 'Ave', 'Pres', 'Lieut', 'Hon', 'Brig', 'Comdr', 'Cmdr', 'Pfc', 'Spc', 'Supts', 'Supt', 'Det', 'Mt', 'Ft', 'Adj', 'Adv', 'Asst', 'Assoc', 'Ens', 'Insp', 'Mlle', 'Mme', 'Msgr', 'Sfc'];
const ABTITLE = `${alt(...ABTITLE_WORDS)}|M${ci('iss')}`;
const ABCOMP2 = `${alt('Invt', 'Elec', 'Natl', 'Dept')}|${ci('M')}[ft]${ci('g')}`;
const ABBREV4 = `${ABTITLE}|${alt('vs', 'Alex', 'Wm', 'Jos', 'Cie')}|${ci('a.k.a')}|${alt('cf', 'TREAS', 'Ph')}|${ACRO}|${ABCOMP2}`;
const ABBREV2 = `(?:${ABBREV4})\\.`;
const ACRONYM = `(?:${ACRO})\\.`;
const ABBREV3_WORDS = ['ca', 'figs', 'fig', 'prop', 'nos', 'no', 'art', 'bldg', 'pp', 'op'];
const ABBREV3 = `(?:${alt(...ABBREV3_WORDS)})\\.`;
const PHONE = String.raw`(?:\([0-9]{2,3}\)[ \u00A0]?|(?:\+\+?)?(?:[0-9]{2,4}[\- \u00A0])?[0-9]{2,4}[\- \u00A0])[0-9]{3,4}[\- \u00A0]?[0-9]{3,5}|(?:(?:\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5}`;
const DBLQUOT = `"|&${ci('quot')};`;
const LDOTS = String.raw`\.{3,5}|(?:\.[ \u00A0]){2,4}\.|[\u0085\u2026]`;
const INSENTP = String.raw`[,;:\u3001]`;
// Longest alternatives first: a JS alternation takes the first that matches, JFlex the longest.
const QUOTES = String.raw`''|[\x60\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094\u201E\u201F\u2039\u203A\u00AB\u00BB]{1,2}|['\u0092\u2019]|&[aA][pP][oO][sS];`;
const TBSPEC = `-(?:${alt('RRB', 'LRB', 'RCB', 'LCB', 'RSB', 'LSB')})-|${ci('C.D.s')}|${ci('pro-')}|${ci('anti-')}|${ci('S')}(?:&${ci('amp')};|&)${ci('P-500')}|${ci('S')}(?:&${ci('amp')};|&)${ci('Ls')}|${ci('Cap')}${APOS}${ci('n')}|${ci('c')}${APOS}${ci('est')}`;
const TBSPEC2 = `${APOS}[0-9][0-9]`;
const SMILEY = String.raw`[<>]?[:;=][\-o*']?[()DPdpO\\{@|[\]]`;
const ASIANSMILEY = String.raw`[\^x=~<>]\.\[\^x=~<>\]|[\-\^x=~<>']_[\-\^x=~<>']|\([\-\^x=~<>'][_.]?[\-\^x=~<>']\)|\([\^x=~<>']-[\^x=~<>'\x60]\)`;
const MISCSYMBOL = String.raw`[+%&~\^|\\¦\u00A7¨\u00A9\u00AC\u00AE¯\u00B0-\u00B3\u00B4-\u00BA\u00D7\u00F7\u0387\u05BE\u05C0\u05C3\u05C6\u05F3\u05F4\u0600-\u0603\u0606-\u060A\u060C\u0614\u061B\u061E\u066A\u066D\u0703-\u070D\u07F6\u07F7\u07F8\u0964\u0965\u0E4F\u1FBD\u2016\u2017\u2020-\u2023\u2030-\u2038\u203B\u203E-\u2042\u2044\u207A-\u207F\u208A-\u208E\u2100-\u214F\u2190-\u21FF\u2200-\u2BFF\u3012\u30FB\uFF01-\uFF0F\uFF1A-\uFF20\uFF3B-\uFF40\uFF5B-\uFF65]`;
const ACRONYM_FOLLOWERS = ['About', 'According', 'Additionally', 'After', 'An', 'As', 'At', 'But', 'Earlier', 'He', 'Her', 'Here', 'However', 'If', 'In', 'It', 'Last', 'Many', 'More', 'Now', 'Once', 'One', 'Other', 'Our', 'She', 'Since', 'So', 'Some', 'Such', 'That', 'The', 'Their', 'Then', 'There', 'These', 'They', 'This', 'We', 'When', 'While', 'What', 'Yet', 'You']
  .map(capFirst)
  .concat([`M${ci('r.')}`, `M${ci('s.')}`, 'A', SGML]);

/** What a matched rule does with its text. */
export type PtbAction =
  | 'text' | 'softHyphens' | 'sgml' | 'mdash' | 'amp' | 'quoteLeft' | 'quoteRight' | 'frac' | 'fraction2'
  | 'currency' | 'acronymSentEnd' | 'abbrevSentEnd' | 'phone' | 'lt' | 'gt' | 'parens' | 'hyphens'
  | 'ellipsis' | 'skip' | 'newline' | 'delete' | 'lcb' | 'rcb' | 'lsb' | 'rsb' | 'lrb' | 'rrb';

export interface PtbRule {
  /** Sticky regex; group 1, when present, is the trailing context (counted in the match length, not consumed). */
  re: RegExp;
  action: PtbAction;
  /** Characters to push back after the action (the JFlex yypushback). */
  pushback?: number;
}

const rule = (body: string, action: PtbAction, context?: string, pushback?: number): PtbRule => ({
  re: new RegExp(context === undefined ? `(?:${body})` : `(?:${body})(?=(${context}))`, 'uy'),
  action,
  pushback,
});

/** The rules in grammar order: on equal match length the earlier rule wins. */
export const PTB_RULES: readonly PtbRule[] = [
  rule(`${ci('c')}\\+\\+`, 'text'),
  rule(`[cCfF]#`, 'text'),
  rule(ci('cannot'), 'text', undefined, 3),
  rule(`'${ci('twas')}`, 'text', undefined, 3),
  rule(`'${ci('tis')}`, 'text', undefined, 2),
  rule(alt('gonna', 'gotta', 'lemme', 'gimme', 'wanna'), 'text', undefined, 2),
  rule(SGML, 'sgml'),
  rule(SPMDASH, 'mdash'),
  rule(SPAMP, 'amp'),
  rule(SPPUNC, 'text'),
  rule(WORD, 'softHyphens', REDAUX),
  rule(SWORD, 'softHyphens', SREDAUX),
  rule(WORD, 'softHyphens'),
  // APOWORD's alternatives as separate rules, so that the longest one wins as in JFlex.
  ...APOWORDS.map((body) => rule(body, 'text')),
  rule(APOWORD2, 'text', '\\p{L}'),
  rule(FULLURL, 'text'),
  rule(LIKELYURL, 'text'),
  rule(EMAIL, 'text'),
  rule(TWITTER, 'text'),
  rule(REDAUX, 'quoteRight', '[^A-Za-z]'),
  rule(SREDAUX, 'quoteRight', '[^A-Za-z]'),
  rule(DATE, 'text'),
  rule(NUMBER, 'softHyphens'),
  rule(SUBSUPNUM, 'text'),
  rule(FRAC, 'frac'),
  rule(FRAC2, 'fraction2'),
  rule(TBSPEC, 'amp'),
  rule(THING3, 'text'),
  rule(DOLSIGN, 'text'),
  rule(DOLSIGN2, 'currency'),
  rule(ACRONYM, 'acronymSentEnd', `${SPACENL}+(?:${ACRONYM_FOLLOWERS.join('|')})${SPACENL}`),
  rule(ABBREV3, 'text', `${SPACENL}?\\p{Nd}`),
  rule(`(?:[pP][tT][eyEY]|${ci('co')})\\.`, 'text', `${SPACE}(?:${alt('ltd', 'lim')})`),
  rule(ABBREV1, 'abbrevSentEnd', SENTEND),
  rule(ABBREV1, 'text', '[^][^]'),
  rule(ABBREV1, 'abbrevSentEnd'),
  rule(ABBREV2, 'text'),
  rule(ABBREV4, 'text', SPACE),
  rule(ACRO, 'text', SPACENL),
  rule(TBSPEC2, 'text', SPACENL),
  rule(FILENAME, 'text', `${SPACENL}|[.?!,]`),
  rule(`${WORD}\\.`, 'softHyphens', INSENTP),
  rule(PHONE, 'phone'),
  rule(DBLQUOT, 'quoteLeft', '[A-Za-z0-9$]'),
  rule(DBLQUOT, 'quoteRight'),
  rule('\\x7f', 'skip'),
  rule(`<|&${ci('lt')};`, 'lt'),
  rule(`>|&${ci('gt')};`, 'gt'),
  rule(SMILEY, 'parens', '[^A-Za-z0-9]'),
  rule(ASIANSMILEY, 'parens'),
  rule('\\{', 'lcb'),
  rule('\\}', 'rcb'),
  rule('\\[', 'lsb'),
  rule('\\]', 'rsb'),
  rule('\\(', 'lrb'),
  rule('\\)', 'rrb'),
  rule('-+', 'hyphens'),
  rule(LDOTS, 'ellipsis'),
  rule('@+|#+|_+', 'text'),
  rule('\\*+|(?:\\\\\\*){1,3}', 'text'),
  rule(INSENTP, 'text'),
  rule('[?!]+', 'text'),
  rule('[.¡¿\\u037E\\u0589\\u061F\\u06D4\\u0700-\\u0702\\u07FA\\u3002]', 'text'),
  rule('=', 'text'),
  rule('\\/', 'text'),
  rule(`${HTHING}\\.`, 'softHyphens', INSENTP),
  rule(HTHING, 'softHyphens'),
  rule(`(?:${THING})\\.`, 'text', INSENTP),
  rule(THING, 'text'),
  rule(`${THINGA}\\.`, 'amp', INSENTP),
  rule(THINGA, 'amp'),
  rule("'", 'quoteLeft', '[A-Za-z][^ \\t\\n\\r\\u00A0]'),
  rule(REDAUX, 'quoteRight'),
  rule(SREDAUX, 'quoteRight'),
  rule(QUOTES, 'quoteRight'),
  rule('<<|>>', 'text'),
  rule(MISCSYMBOL, 'text'),
  rule(`\\0|${SPACE}+|[\\u200B\\u200E\\u200F\\uFEFF]`, 'skip'),
  rule(NEWLINE, 'newline'),
  rule(`&${ci('nbsp')};`, 'skip'),
  rule('[^\\n]', 'delete'),
];

/**
 * Lower-cased ASCII words that some rule may treat differently when a '.' follows them
 * (abbreviations, titles, single letters). Any other plain word followed by '.' lexes as the
 * word, then the period: the lexer's fast path relies on this.
 */
export const PTB_DOT_SENSITIVE_WORDS: ReadonlySet<string> = new Set([
  ...ABMONTH, ...ABDAYS, ...ABSTATE_LIT, 'Az', 'Ark', 'Del', 'Ill', 'La', 'Mass', 'Miss', 'Ore', 'Pa', 'Tex', 'Wash',
  'Inc', 'Cos', 'Co', 'Corp', 'pt', 'pte', 'ptes', 'pty', 'ptys', 'ppte', 'pptes', 'ppty', 'pptys',
  'Ltd', 'Plc', 'Rt', 'Bancorp', 'Bhd', 'Assn', 'Univ', 'Intl', 'Sys', 'tel', 'est', 'ext', 'sq',
  'Jr', 'Sr', 'Bros', 'Ed', 'Ph', 'Blvd', 'Rd', 'Esq', 'etc', 'al', 'seq', 'Bldg',
  ...ABTITLE_WORDS, 'vs', 'Alex', 'Wm', 'Jos', 'Cie', 'cf', 'TREAS', 'Invt', 'Elec', 'Natl', 'Dept', 'mfg', 'mtg',
  ...ABBREV3_WORDS, ...'abcdefghijklmnopqrstuvwxyz',
].map((w) => w.toLowerCase()));
