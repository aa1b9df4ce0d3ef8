// The text summary of a ceremony run: what was done, every file with its SHA-256, the KCVs, the
// transcript's head hash, and a signature line per person (key-ceremony.md feature 9).

import type { FileEvent } from 'sts-cli-kit';
import type { Ceremony } from './plan.ts';

export interface StepRecord {
  readonly number: number;
  readonly command: string;
  readonly note: string | undefined;
  readonly ok: boolean;
  /** The command's --json result, minus anything secret. */
  readonly result: Record<string, unknown>;
  readonly error: string | undefined;
}

export interface SummaryInput {
  readonly ceremony: Ceremony;
  readonly ceremonyFile: string;
  readonly ceremonySha256: string;
  readonly tool: string;
  readonly rehearsal: boolean;
  readonly started: string;
  readonly finished: string;
  readonly steps: readonly StepRecord[];
  readonly files: readonly FileEvent[];
  readonly transcript: string;
  readonly transcriptSha256: string;
  readonly head: string;
  readonly entries: number;
  readonly failure: string | undefined;
}

/** The KCV lines a step's result carries (`KCV D5D44F (des)`, per component too). */
export function kcvLines(result: Record<string, unknown>): string[] {
  const lines: string[] = [];
  const comps = result.components;
  if (Array.isArray(comps)) {
    for (const c of comps as { custodian?: number; kcv?: string; kcvMethod?: string }[]) {
      if (typeof c.kcv === 'string') lines.push(`component ${c.custodian}: KCV ${c.kcv} (${c.kcvMethod})`);
    }
  }
  if (typeof result.kcv === 'string') {
    lines.push(
      `${Array.isArray(comps) ? 'combined key' : 'key'}: KCV ${result.kcv} (${String(result.kcvMethod)})`,
    );
  }
  if (typeof result.setId === 'string') lines.push(`share set ${result.setId}`);
  return lines;
}

/** Render the summary as plain text (80 columns), ending with the signature lines. */
export function renderSummary(s: SummaryInput): string {
  const out: string[] = [];
  const rule = '='.repeat(78);
  out.push(rule);
  out.push(
    s.rehearsal
      ? 'REHEARSAL: STS KEY CEREMONY SUMMARY (not a production ceremony)'
      : 'STS KEY CEREMONY SUMMARY',
  );
  out.push(rule);
  out.push(`Title:          ${s.ceremony.title}`);
  out.push(`Ceremony file:  ${s.ceremonyFile}`);
  out.push(`  SHA-256:      ${s.ceremonySha256}`);
  out.push(`Tool:           ${s.tool}`);
  out.push(`Started:        ${s.started}`);
  out.push(`Finished:       ${s.finished}`);
  out.push(`Result:         ${s.failure === undefined ? 'COMPLETED' : `FAILED: ${s.failure}`}`);
  out.push('', 'Steps');
  for (const step of s.steps) {
    out.push(
      `  ${step.number}. ${step.command}${step.note ? ` (${step.note})` : ''}: ${step.ok ? 'done' : `FAILED: ${step.error}`}`,
    );
    for (const line of kcvLines(step.result)) out.push(`       ${line}`);
  }
  const notRun = s.ceremony.steps.length - s.steps.length;
  if (notRun > 0) out.push(`  (${notRun} step(s) not run)`);
  out.push('', 'Files (SHA-256)');
  for (const f of s.files)
    out.push(`  ${f.op === 'read' ? 'read ' : 'wrote'} ${f.path}`, `        ${f.sha256}`);
  if (s.files.length === 0) out.push('  (none)');
  out.push('', 'Transcript');
  out.push(`  ${s.transcript}: ${s.entries} entries`);
  out.push(`  file SHA-256:    ${s.transcriptSha256}`);
  out.push(`  head of chain:   ${s.head}`);
  out.push('', 'Signatures: by signing, each person confirms the steps above took place as written.', '');
  for (const p of s.ceremony.people) {
    out.push(`  ${`${p.name} (${p.role})`.padEnd(36)} signature ____________________  date __________`, '');
  }
  return `${out.join('\n')}\n`;
}
