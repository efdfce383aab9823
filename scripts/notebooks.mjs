// npm helpers for the notebooks; the work is done by lib/cli/notebook.ts (also `prismer notebook`),
// loaded on its own so that these helpers do not depend on every other CLI command:
//   node scripts/notebooks.mjs run [files...]   execute notebooks/*.ipynb (or the files) headlessly
//   node scripts/notebooks.mjs open [args...]   start JupyterLab / Notebook with the repo-local kernel
//   node scripts/notebooks.mjs kernel-install    register the kernel for your own Jupyter / VS Code
import { register } from 'tsx/esm/api';

register();
const { notebookCommand } = await import('../lib/cli/notebook.ts');
const { UsageError } = await import('../lib/cli/command.ts');

const [action = 'run', ...rest] = process.argv.slice(2);
const args = action === 'run' && rest.length === 0 ? ['run', '--all'] : [action, ...rest];
try {
  process.exitCode = await notebookCommand.run(args);
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`notebooks: ${error.message}\n\n${notebookCommand.usage}`);
    process.exitCode = 2;
  } else {
    console.error(`notebooks: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
