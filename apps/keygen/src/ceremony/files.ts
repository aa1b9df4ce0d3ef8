// Small file checks the ceremony commands make before any secret exists (on top of io/files.ts).
// Refusing an output early means no custodian reveals or types anything for a run that must fail.

import { OutputSet } from 'sts-cli-kit';

/** `share-2-of-5.txt`: the file name of share `index` of `count` (shares split writes, a plan expects). */
export function shareFileName(index: number, count: number): string {
  return `share-${index}-of-${count}.txt`;
}

/** Refuse `file` if it exists (the same message OutputSet gives), without keeping the set open. */
export function refuseExisting(...files: string[]): void {
  const set = new OutputSet();
  try {
    for (const f of files) set.plan(f);
  } finally {
    set.commit();
  }
}
