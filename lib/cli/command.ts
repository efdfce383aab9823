/** One `prismer <name>` command. Sub-commands (`prismer score captions`) are parsed by the command itself. */
export interface Command {
  /** First word after `prismer`. */
  name: string;
  /** One line for `prismer --help`. */
  summary: string;
  /** Full usage text printed by `prismer <name> --help` and after a usage error. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
