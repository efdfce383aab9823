import type { Command } from './command.js';

/** Every `prismer` command, in the order `prismer --help` lists them. */
export const commands: Command[] = [];
