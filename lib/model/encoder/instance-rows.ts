import { PythonRandom } from './python-random.js';

/**
 * Chooses the `instance_embedding` row of every obj_detection instance id. Called once per forward pass
 * with the sorted unique ids of the whole batch's full-resolution instance map (255 = background
 * included); returns one row (0..127) per id, in the same order.
 */
export type InstanceRowMapper = (sortedIds: readonly number[]) => number[];

/**
 * The official behaviour: one `random.randint(0, 127)` per sorted unique id from Python's `random`
 * stream. This mapper owns a `PythonRandom` seeded once and advances it across calls, as the official
 * global stream does; build a new one per call (`pythonRandomInstanceRows(seed)`) to re-seed each call.
 */
export function pythonRandomInstanceRows(seed: number, rows = 128): InstanceRowMapper {
  const random = new PythonRandom(seed);
  return (ids) => ids.map(() => random.randint(0, rows - 1));
}

/** A fixed id → row table (e.g. `meta.json`'s prescribed mapping); an id missing from it is an error. */
export function fixedInstanceRows(mapping: Readonly<Record<string, number>> | ReadonlyMap<number, number>, rows = 128): InstanceRowMapper {
  const table = mapping instanceof Map ? new Map(mapping) : new Map(Object.entries(mapping).map(([id, row]) => [Number(id), row] as [number, number]));
  for (const [id, row] of table) {
    if (!Number.isInteger(row) || row < 0 || row >= rows) throw new Error(`fixedInstanceRows: id ${id} maps to row ${row}, expected an integer in 0..${rows - 1}`);
  }
  return (ids) => ids.map((id) => {
    const row = table.get(id);
    if (row === undefined) throw new Error(`fixedInstanceRows: instance id ${id} has no row in the mapping (ids present: ${[...table.keys()].join(', ')})`);
    return row;
  });
}
