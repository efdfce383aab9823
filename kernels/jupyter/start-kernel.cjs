// Starts the tslab kernel in the repository root, so notebooks import the library as './lib/index.js'
// wherever the notebook file lives. Jupyter runs: node start-kernel.cjs <connection file>.
'use strict';
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');
const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('usage: node kernels/jupyter/start-kernel.cjs <jupyter connection file>');
  process.exit(2);
}
process.chdir(repoRoot);

// tslab keeps a TypeScript watch program over the notebook's sources. When a file or folder it
// watches changes while the kernel runs (an edit in lib/, a new file in the repository), TypeScript
// schedules two rebuild timers and tslab's single-timer shim throws "Unexpected pending
// rebuildTimer" on the next cell. Turning the watchers off makes a kernel see lib/ as it was at
// its first import; restart the kernel after editing lib/.
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.join(repoRoot, 'node_modules', 'tslab')] }));
const noWatcher = { close() {} };
ts.sys.watchFile = () => noWatcher;
ts.sys.watchDirectory = () => noWatcher;
// tslab's own lookup of a project-local tslab is skipped: this file already runs the repository's copy.
require(path.join(repoRoot, 'node_modules', 'tslab', 'dist', 'main.js')).startKernel({
  configPath: path.resolve(connectionFile),
  enableFindLocal: false,
});
