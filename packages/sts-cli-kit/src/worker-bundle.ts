// A worker thread's code as one CommonJS script, bundled by esbuild (the compiler tsx itself runs on):
// worker threads do not inherit the launcher's tsx hooks on Node 20, and loading tsx per worker costs ~1 s.

import { fileURLToPath } from 'node:url';

/**
 * Bundle `entry` (TypeScript source that imports by absolute path and starts the worker loop) with
 * imports resolved from `resolveDir`. Built without esbuild's keepNames (which tsx turns on), so the
 * functions a hot loop creates carry no `__name()` wrapper.
 */
export async function bundleWorkerScript(entry: string, resolveDir: URL): Promise<string> {
  const esbuild = await import('esbuild');
  try {
    const built = await esbuild.build({
      stdin: { contents: entry, resolveDir: fileURLToPath(resolveDir), loader: 'ts' },
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
    });
    return built.outputFiles[0]!.text;
  } finally {
    await esbuild.stop();
  }
}
