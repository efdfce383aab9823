import { filesFor, prismerHome } from './catalog.js';
import { downloadHubFile, hubEndpoint, hubToken, type DownloadedFile, type HubOptions } from './download-file.js';

/**
 * Downloads named assets (official checkpoints, RoBERTa tokenizers) into PRISMER_HOME, one file after
 * another. Names are validated before anything is fetched. Resolves to one entry per file.
 */
export interface DownloadAssetsOptions extends HubOptions {
  /** Destination root; default PRISMER_HOME or ~/.cache/prismer. */
  home?: string;
}

export async function downloadPrismerAssets(names: readonly string[], options: DownloadAssetsOptions = {}): Promise<Array<DownloadedFile & { name: string }>> {
  const home = options.home ?? prismerHome();
  const plan = names.map((name) => ({ name, files: filesFor(name, home) }));
  const hub: HubOptions = { ...options, endpoint: options.endpoint ?? hubEndpoint(), token: options.token ?? hubToken() };
  const results: Array<DownloadedFile & { name: string }> = [];
  for (const { name, files } of plan) {
    for (const file of files) results.push({ name, ...(await downloadHubFile(file, hub)) });
  }
  return results;
}
