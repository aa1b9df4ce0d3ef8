// sts-cli-kit: the one I/O kit of the sts-* apps (the only package besides sts-client allowed I/O).
// Bounded input, atomic writes, locks, argument parsing and one way of reporting errors.

export {
  flag,
  integerOption,
  type OptionSpec,
  type ParsedArgs,
  type ParseOptions,
  parseCommandArgs,
  requiredOption,
  stringOption,
} from './args.ts';
export { type AtomicWriteOptions, removeStaleTemps, writeFileAtomic } from './atomic-write.ts';
export { type LoadedConfig, loadConfigFile, MAX_CONFIG_BYTES } from './config-file.ts';
export { CliError, EXIT, usageError } from './errors.ts';
export {
  checkStdin,
  type InputOptions,
  type LineOptions,
  lines,
  MAX_INPUT_BYTES,
  readInput,
  readInputText,
} from './input.ts';
export { acquireLock, type FileLock } from './lock.ts';
export { abortOpenOutputs, type FileEvent, type FileObserver, OutputSet, sha256Hex } from './output-set.ts';
export { PAGE_CSP, pageHeaders } from './page-headers.ts';
export { isAlive } from './pid.ts';
export { describeError, reportError, type Streams, versionText, warn } from './report.ts';
export { MAX_SHOWN, shown } from './shown.ts';
export { systemReason } from './system-reason.ts';
export { onTerminate } from './terminate.ts';
export { bundleWorkerScript } from './worker-bundle.ts';
