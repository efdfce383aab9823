// The public API of prismer-ts, for notebooks and programs: `import * as prismer from './lib/index.js'`.
export { writeFileAtomic } from './io/atomic.js';
export { main as runCli } from './cli/main.js';
export type { Command } from './cli/command.js';
