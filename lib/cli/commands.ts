import type { Command } from './command.js';
import { notebookCommand } from './notebook.js';
import { dataCommand } from './data.js';
import { scoreCommand } from './score.js';
import { forwardCommand } from './forward.js';
import { downloadCommand } from './download.js';
import { captionCommand } from './caption.js';
import { vqaCommand } from './vqa.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { startCommand } from './start.js';
import { vizCommand } from './viz.js';
import { runsCommand } from './runs.js';
import { sweepCommand } from './sweep.js';
import { reproduceCommand } from './reproduce.js';

/** Every `prismer` command, in the order `prismer --help` lists them. */
export const commands: Command[] = [notebookCommand, dataCommand, scoreCommand, forwardCommand, downloadCommand, captionCommand, vqaCommand, trainCommand, evalCommand, startCommand, vizCommand, runsCommand, sweepCommand, reproduceCommand];
