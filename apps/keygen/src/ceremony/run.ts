// Running a checked ceremony plan: each step through the command registry (nothing re-implemented),
// every file and KCV logged to the hash-chained transcript, then the summary people sign.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { CliError, EXIT, type FileEvent, OutputSet, sha256Hex } from 'sts-cli-kit';
import { loadCommands, registry } from '../commands/index.ts';
import type { Command, CommandContext } from '../io/command.ts';
import { Output } from '../io/output.ts';
import type { Ceremony, ResolvedPlan } from './plan.ts';
import { renderSummary, type StepRecord } from './summary.ts';
import { confirm, isInteractive, secretReaderFor } from './terminal.ts';
import { TranscriptWriter, verifyTranscript } from './transcript.ts';

/** `sts-keygen <version>` from the app's package.json. */
export function toolVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return `sts-keygen ${pkg.version ?? 'unknown'}`;
}

/** Result fields that may carry secret material and never reach the transcript. */
const NEVER_LOGGED = new Set(['revealed']);

function loggable(result: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result)) if (!NEVER_LOGGED.has(k) && k !== 'ok') out[k] = v;
  return out;
}

async function findCommand(name: string): Promise<Command> {
  const entry = registry.find((e) => e.word === name.split(' ')[0]);
  if (!entry) throw new CliError('bad-input', `no module serves '${name}'`);
  const found = (await loadCommands(entry)).find((c) => c.name === name);
  if (!found) throw new CliError('bad-input', `'${name}' is not available in this build`);
  return found;
}

export interface RunOptions {
  readonly ceremonyFile: string;
  readonly ceremonySha256: string;
  readonly ceremony: Ceremony;
  readonly plan: ResolvedPlan;
  readonly rehearsal: boolean;
  readonly seed: string | undefined;
  readonly yes: boolean;
  readonly ctx: CommandContext;
}

export interface RunResult {
  readonly steps: StepRecord[];
  readonly transcript: string;
  readonly summary: string;
  readonly head: string;
  readonly entries: number;
}

/**
 * Run every step in order. A failing step stops the ceremony: its own outputs are removed by the
 * command, the failure is logged, the summary is still written (it records the failure), and the
 * step's error is rethrown with its exit code.
 */
export async function runCeremony(o: RunOptions): Promise<RunResult> {
  const baseDir = path.dirname(path.resolve(o.ceremonyFile));
  const rel = (p: string): string => path.relative(baseDir, path.resolve(p)) || '.';
  const interactive = isInteractive(o.ctx.stdin);
  if (!o.yes && !interactive && o.plan.steps.some((s) => s.step.spec.risky)) {
    throw new CliError('bad-input', 'no terminal to confirm the steps on: pass --yes for a scripted run');
  }

  const started = new Date().toISOString();
  const writer = new TranscriptWriter(o.plan.transcript);
  const records: StepRecord[] = [];
  const files: FileEvent[] = [];
  let failure: CliError | undefined;
  let chain: ReturnType<typeof verifyTranscript>;
  try {
    writer.append('ceremony-start', {
      tool: toolVersion(),
      node: process.version,
      title: o.ceremony.title,
      ceremonyFile: path.resolve(o.ceremonyFile),
      ceremonySha256: o.ceremonySha256,
      baseDir,
      // Where the transcript and summary lie under baseDir: `ceremony verify` finds the files from there.
      transcript: rel(o.plan.transcript),
      summary: rel(o.plan.summary),
      rehearsal: o.rehearsal,
      ...(o.seed !== undefined ? { seedSha256: createHash('sha256').update(o.seed).digest('hex') } : {}),
      people: o.ceremony.people,
      steps: o.plan.steps.length,
    });
    for (const resolved of o.plan.steps) {
      const { step } = resolved;
      const argv = [...resolved.argv];
      if (o.rehearsal && o.seed !== undefined && step.spec.rehearsal)
        argv.push('--seed', `${o.seed}/step-${step.number}`);
      const shownArgv = argv.map((a) => (path.isAbsolute(a) ? rel(a) : a));
      const shownSeed = shownArgv.indexOf('--seed');
      if (shownSeed >= 0) shownArgv[shownSeed + 1] = '(seed)';
      if (step.spec.risky && !o.yes) {
        await confirm(
          secretReaderFor(o.ctx.stdin),
          `Step ${step.number} of ${o.plan.steps.length}: sts-keygen ${step.command} ${shownArgv.join(' ')}\nProceed?`,
        );
      }
      o.ctx.out.info(
        `step ${step.number} of ${o.plan.steps.length}: ${step.command}${step.note ? ` (${step.note})` : ''}`,
      );
      writer.append('step-start', {
        step: step.number,
        command: step.command,
        argv: shownArgv,
        note: step.note ?? null,
      });
      const captured: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          captured.push(chunk.toString('utf8'));
          done();
        },
      });
      const stepCtx: CommandContext = {
        json: true,
        out: new Output(true, { stdout: sink, stderr: process.stderr }),
        stdin: o.ctx.stdin,
        observer: (e) => {
          files.push({ ...e, path: path.resolve(e.path) });
          writer.append('file', {
            step: step.number,
            op: e.op,
            path: rel(e.path),
            sha256: e.sha256,
            bytes: e.bytes,
          });
          o.ctx.observer?.(e);
        },
      };
      let code: number;
      try {
        code = await (await findCommand(step.command)).run(argv, stepCtx);
      } catch (err) {
        const cli =
          err instanceof CliError
            ? err
            : new CliError('internal', `internal error in ${step.command}`, EXIT.internal);
        writer.append('step-failed', {
          step: step.number,
          command: step.command,
          exitCode: cli.exitCode,
          error: cli.message,
        });
        records.push({
          number: step.number,
          command: step.command,
          note: step.note,
          ok: false,
          result: {},
          error: cli.message,
        });
        const said = `step ${step.number} (${step.command}): ${cli.message}`;
        // The step's own detail lines (every problem of a file) stay with its error.
        throw new CliError(
          cli.code,
          said,
          cli.exitCode,
          cli.details.length > 0 ? [said, ...cli.details] : [],
        );
      }
      const json = captured.join('').trim().split('\n').pop() ?? '{}';
      const result = loggable(JSON.parse(json) as Record<string, unknown>);
      if (code !== EXIT.ok) {
        writer.append('step-failed', { step: step.number, command: step.command, exitCode: code, result });
        records.push({
          number: step.number,
          command: step.command,
          note: step.note,
          ok: false,
          result,
          error: `exit ${code}`,
        });
        throw new CliError(
          'step-failed',
          `step ${step.number} (${step.command}) ended with exit code ${code}`,
          code,
        );
      }
      writer.append('step-done', { step: step.number, command: step.command, exitCode: code, result });
      records.push({
        number: step.number,
        command: step.command,
        note: step.note,
        ok: true,
        result,
        error: undefined,
      });
    }
    // Every artifact re-checked: what is on disk now is what the transcript says was written.
    for (const e of files.filter((f) => f.op === 'write')) {
      let now: string;
      try {
        now = sha256Hex(fs.readFileSync(e.path));
      } catch {
        now = 'missing';
      }
      if (now !== e.sha256)
        throw new CliError('verification-failed', `${rel(e.path)} changed after it was written`, EXIT.failed);
    }
    writer.append('ceremony-done', { steps: records.length, files: files.length });
  } catch (err) {
    failure = err instanceof CliError ? err : new CliError('internal', 'internal error', EXIT.internal);
    writer.append('ceremony-failed', { error: failure.message, exitCode: failure.exitCode });
    if (!(err instanceof CliError)) throw err;
  } finally {
    writer.close();
    const transcriptText = fs.readFileSync(o.plan.transcript, 'utf8');
    chain = verifyTranscript(transcriptText);
    const summaryText = renderSummary({
      ceremony: o.ceremony,
      ceremonyFile: o.ceremonyFile,
      ceremonySha256: o.ceremonySha256,
      tool: toolVersion(),
      rehearsal: o.rehearsal,
      started,
      finished: new Date().toISOString(),
      steps: records,
      files: files.map((f) => ({ ...f, path: rel(f.path) })),
      transcript: rel(o.plan.transcript),
      transcriptSha256: sha256Hex(Buffer.from(transcriptText, 'utf8')),
      head: chain.head,
      entries: chain.entries,
      failure: failure?.message,
    });
    await new OutputSet().run((set) => {
      set.plan(o.plan.summary);
      set.write(o.plan.summary, summaryText, { secret: false });
    });
    if (chain.problems.length > 0 && !failure) {
      // biome-ignore lint/correctness/noUnsafeFinally: a broken chain outranks everything else
      throw new CliError(
        'verification-failed',
        `the transcript does not verify: ${chain.problems[0]}`,
        EXIT.failed,
      );
    }
  }
  if (failure) throw failure;
  return {
    steps: records,
    transcript: o.plan.transcript,
    summary: o.plan.summary,
    head: chain.head,
    entries: chain.entries,
  };
}
