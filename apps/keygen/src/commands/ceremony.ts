// `sts-keygen ceremony plan|run FILE`: one strict YAML file, checked in full before any secret is
// touched, then run step by step into a hash-chained transcript (key-ceremony.md features 1, 9, 12).

import * as path from 'node:path';
import { CliError, EXIT, parseCommandArgs, sha256Hex, stringOption, usageError } from 'sts-cli-kit';
import { auditTranscript } from '../ceremony/audit.ts';
import {
  type Ceremony,
  formatProblem,
  parseCeremony,
  type ResolvedPlan,
  resolvePlan,
} from '../ceremony/plan.ts';
import { runCeremony, toolVersion } from '../ceremony/run.ts';
import { loadStepSpecs } from '../ceremony/steps.ts';
import { kcvLines } from '../ceremony/summary.ts';
import type { Command, CommandContext } from '../io/command.ts';
import { readObserved } from '../io/files.ts';
import { decodeConfigText } from './config-check.ts';

/** A transcript is a few hundred lines per ceremony; this bound leaves room for thousands of files. */
const MAX_TRANSCRIPT_BYTES = 16 << 20;

interface Loaded {
  file: string;
  sha256: string;
  ceremony: Ceremony;
  plan: ResolvedPlan;
}

/** Read, parse, validate and resolve; every problem reported at once (exit 2). */
async function load(file: string, rehearsal: boolean, ctx: CommandContext): Promise<Loaded> {
  const data = await readObserved(file, {
    observer: ctx.observer,
    what: 'ceremony file',
    maxBytes: 256 * 1024,
  });
  const sha256 = sha256Hex(data);
  const parsed = parseCeremony(data.toString('utf8'), await loadStepSpecs());
  if (!parsed.ceremony)
    throw new CliError('bad-input', `${file}:\n${parsed.problems.map(formatProblem).join('\n')}`);
  const resolved = resolvePlan(parsed.ceremony, file, rehearsal);
  if (!resolved.plan)
    throw new CliError('bad-input', `${file}:\n${resolved.problems.map(formatProblem).join('\n')}`);
  return { file, sha256, ceremony: parsed.ceremony, plan: resolved.plan };
}

function onlyFile(args: { positionals: string[] }, name: string): string {
  const [file, ...extra] = args.positionals;
  if (file === undefined) throw usageError(`${name} needs the ceremony file`);
  if (extra.length > 0) throw usageError(`${name} takes one ceremony file, got ${args.positionals.length}`);
  return file;
}

const plan: Command = {
  name: 'ceremony plan',
  summary: 'check a ceremony file without touching a secret and print the plan',
  usage: `usage: sts-keygen ceremony plan FILE [--rehearsal] [--json]

Parses FILE as strict YAML (unknown keys, duplicate keys, aliases and a second document are errors,
all reported at once with their lines), checks every step's arguments, that every input is readable
or written by an earlier step, that no output exists yet or is written twice, and that no file is
both read and written. Prints the plan and the file's SHA-256. Touches no secret, writes nothing.
  --rehearsal show the plan with the REHEARSAL- output names a rehearsal run would use`,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { rehearsal: { type: 'boolean' } }, { allowPositionals: true });
    const file = onlyFile(args, 'ceremony plan');
    const rehearsal = args.values.rehearsal === true;
    const { sha256, ceremony, plan: p } = await load(file, rehearsal, ctx);
    const base = path.dirname(path.resolve(file));
    const rel = (f: string): string => path.relative(base, f);
    const lines = [
      `ceremony: ${ceremony.title}${rehearsal ? ' (REHEARSAL)' : ''}`,
      `file: ${file}`,
      `SHA-256: ${sha256}`,
      `tool: ${toolVersion()}`,
      'people:',
      ...ceremony.people.map((x) => `  ${x.name} (${x.role})`),
      'steps:',
    ];
    for (const s of p.steps) {
      const shown = s.argv.map((a) => (path.isAbsolute(a) ? rel(a) : a)).join(' ');
      lines.push(
        `  ${s.step.number}. sts-keygen ${s.step.command} ${shown}${s.step.note ? `   # ${s.step.note}` : ''}`,
      );
      if (s.step.spec.risky) lines.push('     (asks for confirmation on a terminal)');
      for (const f of s.inputs) lines.push(`     reads  ${rel(f)}`);
      for (const f of s.outputs)
        lines.push(`     writes ${rel(f)}${s.step.spec.secretOutputs ? ' (secret, 0600)' : ''}`);
    }
    lines.push(`transcript: ${rel(p.transcript)}`, `summary: ${rel(p.summary)}`);
    lines.push(`plan OK: ${p.steps.length} step(s) checked, nothing touched`);
    ctx.out.result(lines, {
      command: 'ceremony plan',
      title: ceremony.title,
      file,
      sha256,
      rehearsal,
      people: ceremony.people,
      steps: p.steps.map((s) => ({
        number: s.step.number,
        command: s.step.command,
        argv: s.argv.map((a) => (path.isAbsolute(a) ? rel(a) : a)),
        reads: s.inputs.map(rel),
        writes: s.outputs.map(rel),
        confirm: s.step.spec.risky,
      })),
      transcript: rel(p.transcript),
      summary: rel(p.summary),
    });
    return EXIT.ok;
  },
};

const run: Command = {
  name: 'ceremony run',
  summary: 'run a ceremony file, writing a hash-chained transcript and a summary to sign',
  usage: `usage: sts-keygen ceremony run FILE [--rehearsal [--seed S]] [--yes] [--json]

Repeats every check of 'ceremony plan', then runs the steps in order. Risky steps (anything that
creates or handles a secret) ask for confirmation on a terminal; --yes answers for scripted runs
(required without a terminal). Writes the transcript (JSON Lines; each entry's "prev" is the SHA-256
of the line before; every file read or written with its SHA-256, the KCVs, the tool version,
timestamps, never a secret) and the summary with a signature line per person.
  --rehearsal every output is named REHEARSAL-… and marked REHEARSAL inside where the format allows
  --seed S    deterministic keys, components and share set ids for a dry run (rehearsal only;
              Shamir share bytes still come from the system RNG inside shamir-secret-sharing)
Exit codes: those of the failing step (1 verification, 2 bad input); the summary records it.`,
  async run(argv, ctx) {
    const args = parseCommandArgs(
      argv,
      { rehearsal: { type: 'boolean' }, seed: { type: 'string' }, yes: { type: 'boolean' } },
      { allowPositionals: true },
    );
    const file = onlyFile(args, 'ceremony run');
    const rehearsal = args.values.rehearsal === true;
    const seed = args.values.seed;
    if (seed !== undefined && !rehearsal) {
      throw usageError('--seed is only allowed with --rehearsal (real keys need real randomness)');
    }
    if (seed !== undefined && (typeof seed !== 'string' || seed === ''))
      throw usageError('--seed needs a value');
    const loaded = await load(file, rehearsal, ctx);
    const result = await runCeremony({
      ceremonyFile: file,
      ceremonySha256: loaded.sha256,
      ceremony: loaded.ceremony,
      plan: loaded.plan,
      rehearsal,
      seed: typeof seed === 'string' ? seed : undefined,
      yes: args.values.yes === true,
      ctx,
    });
    const base = path.dirname(path.resolve(file));
    const rel = (f: string): string => path.relative(base, f);
    const lines = [
      `${rehearsal ? 'REHEARSAL ' : ''}ceremony done: ${loaded.ceremony.title}`,
      ...result.steps.flatMap((s) => [
        `  ${s.number}. ${s.command}: done`,
        ...kcvLines(s.result).map((l) => `     ${l}`),
      ]),
      `transcript: ${rel(result.transcript)} (${result.entries} entries, head ${result.head})`,
      `summary: ${rel(result.summary)} (print it and sign it)`,
    ];
    ctx.out.result(lines, {
      command: 'ceremony run',
      title: loaded.ceremony.title,
      sha256: loaded.sha256,
      rehearsal,
      steps: result.steps.map((s) => ({ number: s.number, command: s.command, result: s.result })),
      transcript: rel(result.transcript),
      summary: rel(result.summary),
      head: result.head,
    });
    return EXIT.ok;
  },
};

const verify: Command = {
  name: 'ceremony verify',
  summary: "check a ceremony's transcript: its hash chain, and with --files every file it names",
  usage: `usage: sts-keygen ceremony verify TRANSCRIPT [--files] [--ceremony FILE] [--json]

What an auditor runs after a ceremony. Checks the transcript's hash chain line by line (each
line's "prev" is the SHA-256 of the line before, "seq" counts from 0), that it opens with
ceremony-start and ends with ceremony-done or ceremony-failed, and prints its head hash: the one
the signed summary shows. The first broken line is named (an edited line shows in the next
line's prev; a removed, inserted or moved line in seq).
  --ceremony FILE  also check FILE's SHA-256 against the one the transcript recorded
  --files          also check every file the transcript logged (ceremony file, inputs, outputs)
                   against its SHA-256, and the summary's head of chain; paths are taken relative
                   to the ceremony's directory, found from where the transcript lies now
Exit codes: 0 the transcript (and the files) verify, 1 they do not, 2 bad usage or unreadable transcript.`,
  async run(argv, ctx) {
    const args = parseCommandArgs(
      argv,
      { files: { type: 'boolean' }, ceremony: { type: 'string' } },
      { allowPositionals: true },
    );
    const [transcriptFile, ...extra] = args.positionals;
    if (transcriptFile === undefined) throw usageError('ceremony verify needs the transcript file');
    if (extra.length > 0)
      throw usageError(`ceremony verify takes one transcript, got ${args.positionals.length}`);
    const ceremonyFile = stringOption(args, 'ceremony');
    const data = await readObserved(transcriptFile, { what: 'transcript', maxBytes: MAX_TRANSCRIPT_BYTES });
    const text = decodeConfigText(data, `transcript ${transcriptFile}`);
    const result = await auditTranscript({
      transcriptFile: path.resolve(transcriptFile),
      text,
      ceremonyFile,
      files: args.values.files === true,
      read: async (file) => {
        try {
          return await readObserved(file, { what: 'file' });
        } catch (err) {
          if (!(err instanceof CliError)) throw err;
          return { error: err.message.replace(/^cannot read file [^:]*: /, '') };
        }
      },
    });
    const { chain, start, end } = result;
    const headLine = `head of chain: ${chain.head} (${chain.entries} entries)`;
    if (result.problems.length > 0) {
      ctx.out.info(headLine);
      throw new CliError(
        'verification-failed',
        `${transcriptFile} does not verify: ${result.problems[0]}`,
        EXIT.failed,
      );
    }
    const title = typeof start?.title === 'string' ? start.title : '?';
    const failed = end?.event === 'ceremony-failed';
    const lines = [
      `${transcriptFile}: chain intact, ${chain.entries} entries${start?.rehearsal === true ? ' (REHEARSAL)' : ''}`,
      headLine,
      `ceremony: ${title}: ${failed ? `FAILED (${String(end?.error ?? '')})` : 'completed'}`,
      ...(ceremonyFile === undefined ? [] : [`ceremony file ${ceremonyFile}: SHA-256 as recorded`]),
      ...(args.values.files === true
        ? [`files: ${result.filesChecked.length} checked, every SHA-256 as recorded`]
        : []),
    ];
    ctx.out.result(lines, {
      command: 'ceremony verify',
      transcript: transcriptFile,
      entries: chain.entries,
      head: chain.head,
      title,
      rehearsal: start?.rehearsal === true,
      completed: !failed,
      filesChecked: result.filesChecked,
    });
    return EXIT.ok;
  },
};

export const commands: Command[] = [plan, run, verify];
