// `ceremony verify`: a finished ceremony checked after the fact from its transcript: the hash chain,
// the ceremony file's SHA-256, and every file the transcript names against what is on disk now.

import * as path from 'node:path';
import { sha256Hex } from 'sts-cli-kit';
import { type ChainCheck, type TranscriptEntry, verifyTranscript } from './transcript.ts';

/** Reads a file for the audit: its bytes, or the reason it cannot be read. */
export type AuditReader = (file: string) => Promise<Uint8Array | { error: string }>;

export interface AuditResult {
  readonly chain: ChainCheck;
  readonly start: TranscriptEntry | undefined;
  readonly end: TranscriptEntry | undefined;
  /** Every problem, in the order found: the chain first, then the ceremony file, then the files. */
  readonly problems: string[];
  /** Files checked against the transcript (relative to the ceremony's directory). */
  readonly filesChecked: string[];
  /** The directory the transcript's paths are relative to. */
  readonly baseDir: string | undefined;
}

/** The ceremony's directory: from where the transcript lies now, or as recorded. */
function baseDirOf(transcriptFile: string, start: TranscriptEntry): string | undefined {
  const rel = start.transcript;
  if (typeof rel === 'string' && !path.isAbsolute(rel) && !rel.split(/[\\/]/).includes('..')) {
    const depth = rel.split(/[\\/]/).filter((p) => p !== '' && p !== '.').length;
    return path.resolve(transcriptFile, ...Array<string>(depth).fill('..'));
  }
  return typeof start.baseDir === 'string' ? start.baseDir : undefined;
}

/**
 * Check a transcript: its chain; with `ceremonyFile`, that file's SHA-256; with `files`, every file
 * the transcript logged (last hash per path), the ceremony file where it was, and the summary's head.
 */
export async function auditTranscript(o: {
  transcriptFile: string;
  text: string;
  ceremonyFile: string | undefined;
  files: boolean;
  read: AuditReader;
}): Promise<AuditResult> {
  const chain = verifyTranscript(o.text);
  const problems = [...chain.problems];
  const start = chain.parsed[0];
  const end = chain.parsed.at(-1);
  if (start !== undefined && start.event !== 'ceremony-start') {
    problems.push('line 1: is not the ceremony-start entry (the start of the transcript is missing)');
  }
  if (end !== undefined && end.event !== 'ceremony-done' && end.event !== 'ceremony-failed') {
    problems.push(
      `line ${chain.entries}: the transcript ends without ceremony-done or ceremony-failed (lines are missing at its end)`,
    );
  }
  if (chain.entries === 0) problems.push('the transcript is empty');
  const filesChecked: string[] = [];
  const baseDir = start?.event === 'ceremony-start' ? baseDirOf(o.transcriptFile, start) : undefined;
  const recordedSha = typeof start?.ceremonySha256 === 'string' ? start.ceremonySha256 : undefined;

  const compare = async (shown: string, file: string, want: string, line: number): Promise<void> => {
    const got = await o.read(file);
    if ('error' in got) problems.push(`${shown}: ${got.error} (the transcript has it at line ${line})`);
    else if (sha256Hex(got) !== want) {
      problems.push(
        `${shown}: SHA-256 ${sha256Hex(got)} is not the ${want} of line ${line} (the file changed)`,
      );
    }
  };
  if (o.ceremonyFile !== undefined && recordedSha !== undefined) {
    await compare(`ceremony file ${o.ceremonyFile}`, o.ceremonyFile, recordedSha, 1);
  }
  if (o.files && baseDir === undefined && start !== undefined) {
    problems.push('line 1: names no ceremony directory, so the files cannot be checked');
  }
  if (o.files && baseDir !== undefined) {
    if (
      o.ceremonyFile === undefined &&
      recordedSha !== undefined &&
      typeof start?.ceremonyFile === 'string'
    ) {
      const name = path.basename(start.ceremonyFile);
      await compare(`ceremony file ${name}`, path.join(baseDir, name), recordedSha, 1);
      filesChecked.push(name);
    }
    const last = new Map<string, { sha256: string; line: number }>();
    chain.parsed.forEach((e, i) => {
      if (e?.event === 'file' && typeof e.path === 'string' && typeof e.sha256 === 'string') {
        last.set(e.path, { sha256: e.sha256, line: i + 1 });
      }
    });
    for (const [rel, { sha256, line }] of last) {
      await compare(rel, path.resolve(baseDir, rel), sha256, line);
      filesChecked.push(rel);
    }
    const summaryRel = start?.summary;
    if (typeof summaryRel === 'string') {
      const summary = await o.read(path.resolve(baseDir, summaryRel));
      const head =
        'error' in summary
          ? undefined
          : /head of chain: +([0-9a-f]{64})/.exec(Buffer.from(summary).toString('utf8'))?.[1];
      if ('error' in summary) problems.push(`summary ${summaryRel}: ${summary.error}`);
      else if (head !== chain.head) {
        problems.push(
          `summary ${summaryRel}: its head of chain ${head ?? '(none)'} is not the transcript's ${chain.head} (the transcript or the summary changed)`,
        );
      }
      filesChecked.push(summaryRel);
    }
  }
  return { chain, start, end, problems, filesChecked, baseDir };
}
