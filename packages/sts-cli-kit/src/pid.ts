// Whether a process is alive, for locks and temp files left behind by a process that was killed.
// signal 0 checks without signalling; EPERM means it exists but belongs to another user.

/** True when a process with this PID exists. */
export function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
