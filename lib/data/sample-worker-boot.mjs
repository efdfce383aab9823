// Worker-thread entry: registers tsx (workers do not inherit the parent's loader hooks), then runs
// the TypeScript sample worker named in workerData.entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
