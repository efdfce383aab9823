export {
  PRISMER_REPO, PRISMER_MODELS, TOKENIZER_REPOS, TOKENIZER_FILES, prismerHome, checkpointPath, tokenizerDir, tokenizerForModel, downloadableNames, filesFor,
} from './catalog.js';
export type { HubFile, PrismerModelName } from './catalog.js';
export { downloadHubFile, hubEndpoint, hubToken, resolveUrl } from './download-file.js';
export type { HubOptions, DownloadedFile } from './download-file.js';
export { downloadPrismerAssets } from './download.js';
export type { DownloadAssetsOptions } from './download.js';
export { TerminalProgress, silentProgress, formatBytes } from './progress.js';
export type { DownloadProgress } from './progress.js';
export { hubHttpGet, HubNetworkError } from './http-get.js';
export type { HubHttpResponse } from './http-get.js';
