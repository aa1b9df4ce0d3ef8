// The baseline of a same-run comparison: another commit's code checked out in a temporary git worktree
// (with its own `npm ci`), so bench/run.ts --baseline REF measures both versions on the same machine state.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A checked-out commit: `dir` is its repository root. Call remove() when done (also on failure). */
export interface BaselineTree {
  readonly ref: string;
  readonly commit: string;
  readonly dir: string;
  remove(): void;
}

/** Check out `ref` of the repository holding `here` into a temporary worktree and install its dependencies. */
export function checkoutBaseline(ref: string, here: string): BaselineTree {
  const git = (args: string[], cwd = here) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  const parent = mkdtempSync(join(tmpdir(), 'sts-meter-baseline-'));
  const dir = join(parent, 'tree');
  git(['worktree', 'add', '--detach', dir, commit]);
  const remove = () => {
    try {
      git(['worktree', 'remove', '--force', dir]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  };
  try {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, stdio: 'ignore' });
  } catch (e) {
    remove();
    throw e;
  }
  return { ref, commit, dir, remove };
}
