import { commands } from './commands.js';
import { UsageError, type Command } from './command.js';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['usage: prismer <command> [options]', '', 'commands:', ...lines, '', 'prismer <command> --help shows the options of one command.'].join('\n');
}

/** Runs the `prismer` command line; resolves to the exit code. Errors are printed as one line. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name === undefined ? 2 : 0;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`prismer: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`prismer ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`prismer ${name}: ${message}`);
    if (process.env.PRISMER_DEBUG && error instanceof Error) console.error(error.stack);
    return 1;
  }
}
