// Ctrl-C and SIGTERM for commands that write files: run the cleanups (abort unfinished outputs,
// release locks), then exit 130 / 143 as a shell expects. Long-running servers drain on their own.

const cleanups = new Set<() => void>();
let installed = false;

/** Run `cleanup` if the process is interrupted or terminated; returns a function that unregisters it. */
export function onTerminate(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  if (!installed) {
    installed = true;
    const handle = (exitCode: number) => () => {
      for (const fn of [...cleanups]) {
        try {
          fn();
        } catch {
          // a failing cleanup must not keep the others from running
        }
      }
      process.exit(exitCode);
    };
    process.on('SIGINT', handle(130));
    process.on('SIGTERM', handle(143));
  }
  return () => cleanups.delete(cleanup);
}
