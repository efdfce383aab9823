/** A mistake in an experiment config: names the file (or `--set` override), the key path and what was expected. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    /** The YAML file or `--set key=value` the bad value came from. */
    readonly source: string,
    /** Dotted key path, e.g. `train.grad_accum_steps`; empty for the whole document. */
    readonly keyPath: string,
    /** What was expected and what was found. */
    readonly detail: string,
  ) {
    super(`${source}: ${keyPath === '' ? '(top level)' : keyPath}: ${detail}`);
  }
}
