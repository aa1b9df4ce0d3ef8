// `sts-keygen shares split|verify|combine`: Shamir M-of-N backup of a vending key in STS-SHARE v1
// files; recovery proves itself against the KCV every share carries (key-ceremony.md feature 5).

import * as path from 'node:path';
import { combine as shamirCombine, split as shamirSplit } from 'shamir-secret-sharing';
import {
  CliError,
  EXIT,
  OutputSet,
  parseCommandArgs,
  requiredOption,
  stringOption,
  usageError,
} from 'sts-cli-kit';
import {
  bytesToHex,
  checkShareSet,
  decodeShare,
  encodeShare,
  formatShareProblem,
  kcv,
  SHARE_LABEL_RULE,
  Share,
  type ShareInfo,
  shareLabel,
  wipe,
} from 'sts-crypto';
import { refuseExisting, shareFileName } from '../ceremony/files.ts';
import { intOption, REHEARSAL_OPTIONS, rehearsalOf } from '../ceremony/options.ts';
import type { RandomSource } from '../ceremony/rng.ts';
import { optionsOf, type StepDescription } from '../ceremony/steps.ts';
import { keyFileText, parseKeyFile, vendingKeyCheck } from '../ceremony/vending-key.ts';
import type { Command, CommandContext } from '../io/command.ts';
import { assertDistinct, readObserved } from '../io/files.ts';

/** How many M-subsets a split recombines at most; beyond that, a random sample of this size. */
const SUBSET_SAMPLE = 500;

/** Constant-time equality of two byte arrays of equal length. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Every k-subset of 0..n-1 in lexicographic order (only called when there are at most SUBSET_SAMPLE). */
function* allSubsets(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  for (;;) {
    yield idx.slice();
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

/** `count` distinct random k-subsets of 0..n-1 (partial Fisher-Yates per subset). */
function sampledSubsets(n: number, k: number, count: number, rng: RandomSource): number[][] {
  const seen = new Set<string>();
  const out: number[][] = [];
  while (out.length < count) {
    const pool = Array.from({ length: n }, (_, i) => i);
    const r = rng.bytes(4 * k);
    for (let i = 0; i < k; i++) {
      const v = ((r[4 * i]! << 24) | (r[4 * i + 1]! << 16) | (r[4 * i + 2]! << 8) | r[4 * i + 3]!) >>> 0;
      const j = i + (v % (n - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const subset = pool.slice(0, k).sort((a, b) => a - b);
    const id = subset.join(',');
    if (!seen.has(id)) {
      seen.add(id);
      out.push(subset);
    }
  }
  return out;
}

/**
 * Recombine every M-subset (or SUBSET_SAMPLE random ones) and check each result against the
 * secret's KCV and bytes. Returns how many subsets were checked.
 */
async function checkAllSubsets(
  shares: readonly Share[],
  secret: Uint8Array,
  rng: RandomSource,
): Promise<number> {
  const n = shares.length;
  const m = shares[0]!.threshold;
  const total = binomial(n, m);
  const subsets = total <= SUBSET_SAMPLE ? allSubsets(n, m) : sampledSubsets(n, m, SUBSET_SAMPLE, rng);
  let checked = 0;
  for (const subset of subsets) {
    const recovered = await shamirCombine(subset.map((i) => shares[i]!.data));
    try {
      const check = vendingKeyCheck(recovered);
      if (!sameBytes(recovered, secret) || check.kcv !== shares[0]!.kcv) {
        const names = subset.map((i) => shares[i]!.index).join(', ');
        throw new CliError(
          'verification-failed',
          `shares ${names} do not recombine to the key: split refused, no share written`,
          EXIT.failed,
        );
      }
    } finally {
      wipe(recovered);
    }
    checked++;
  }
  return checked;
}

/** `shares split` as a ceremony step; its implied outputs are the share files inside --out. */
const splitStep: StepDescription = {
  args: {
    in: { kind: 'input', required: true },
    threshold: { kind: 'int', required: true, min: 2, max: 255 },
    shares: { kind: 'int', required: true, min: 2, max: 255 },
    out: { kind: 'outdir', required: true },
    label: { kind: 'string' },
  },
  risky: true,
  rehearsal: true,
  secretOutputs: true,
  check: (a) =>
    typeof a.threshold === 'number' && typeof a.shares === 'number' && a.threshold > a.shares
      ? [{ arg: 'threshold', message: 'must not exceed shares' }]
      : [],
  impliedOutputs: (a) => {
    const n = Number(a.shares);
    const dir = String(a.out);
    if (!Number.isInteger(n) || n < 2 || n > 255) return [];
    return Array.from({ length: n }, (_, i) => path.join(dir, shareFileName(i + 1, n)));
  },
};

const split: Command = {
  name: 'shares split',
  summary: 'split a vending key file into M-of-N Shamir share files',
  usage: `usage: sts-keygen shares split --threshold M --shares N --in FILE --out DIR [--label L] [--rehearsal [--seed S]] [--json]

Splits the key in FILE (one line of hex: 8 bytes for DKGA02, 20 for DKGA04) into N shares, any M of
which recover it. Each share is an STS-SHARE v1 text file DIR/share-k-of-N.txt (mode 0600,
exclusive) carrying the set id, M, N, its index, the label and the key's KCV, with a checksum.
Before anything is reported done, every M-subset (a random ${SUBSET_SAMPLE} when there are more) is recombined
and checked against the KCV, and the written files are read back; on any failure no share is left.
  --label L   what the key is, printed in every share (default: "vending key"); 1 to 80
              printable characters, no control or bidirectional control character`,
  step: splitStep,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { ...optionsOf(splitStep.args), ...REHEARSAL_OPTIONS });
    const count = intOption(args, 'shares', 2, 255);
    const threshold = intOption(args, 'threshold', 2, 255);
    if (threshold > count) throw usageError(`--threshold ${threshold} is more than --shares ${count}`);
    const input = requiredOption(args, 'in');
    const dir = requiredOption(args, 'out');
    const label = shareLabel(stringOption(args, 'label') ?? 'vending key');
    if (label === undefined) throw usageError(`--label must be ${SHARE_LABEL_RULE}`);
    const { rehearsal, rng } = rehearsalOf(args);
    const files = Array.from({ length: count }, (_, i) => path.join(dir, shareFileName(i + 1, count)));
    assertDistinct([input], [dir, ...files]);
    refuseExisting(...files);

    const data = await readObserved(input, { observer: ctx.observer, what: 'key file', maxBytes: 4096 });
    let parsed: ReturnType<typeof parseKeyFile>;
    try {
      parsed = parseKeyFile(data, input);
    } finally {
      data.fill(0);
    }
    const { key, rehearsal: keyIsRehearsal } = parsed;
    const made: Share[] = [];
    let raw: Uint8Array[] = [];
    try {
      if (key.length !== 8 && key.length !== 20) {
        throw new CliError(
          'bad-input',
          `key file ${input} must hold 8 bytes (DKGA02) or 20 bytes (DKGA04), got ${key.length}`,
        );
      }
      if (keyIsRehearsal && !rehearsal) {
        throw new CliError('bad-input', `key file ${input} is a REHEARSAL key: split it with --rehearsal`);
      }
      const check = vendingKeyCheck(key);
      const info: Omit<ShareInfo, 'index'> = {
        setId: bytesToHex(rng.bytes(8)),
        label,
        threshold,
        shares: count,
        kcv: check.kcv,
        kcvMethod: check.method,
        rehearsal,
      };
      // The Shamir package takes plain Uint8Arrays only: hexToBytes (parseKeyFile) and Share give those.
      raw = await shamirSplit(key, count, threshold);
      // Re-read every share from its own text, so the check below covers the format as well.
      const texts = raw.map((bytes, i) => encodeShare(new Share({ ...info, index: i + 1 }, bytes)));
      for (const text of texts) {
        const decoded = decodeShare(text);
        if (!decoded.ok)
          throw new Error(`share format round trip failed: ${formatShareProblem(decoded.problems[0]!)}`);
        made.push(decoded.share);
      }
      const checked = await checkAllSubsets(made, key, rng.fork('subset-sample'));
      const total = binomial(count, threshold);

      await new OutputSet(ctx.observer).run(async (set) => {
        set.ensureDir(dir);
        for (const f of files) set.plan(f);
        files.forEach((f, i) => {
          set.write(f, texts[i]!, { secret: true });
        });
        // Read back what landed on disk: a share that does not decode is no backup.
        for (const [i, f] of files.entries()) {
          const back = await readObserved(f, { what: 'share file', maxBytes: 64 * 1024 });
          const same = back.toString('utf8') === texts[i];
          back.fill(0);
          if (!same)
            throw new CliError(
              'verification-failed',
              `${f} does not read back as written: split refused`,
              EXIT.failed,
            );
        }
      });

      const lines = [
        `${count} shares written to ${dir} (any ${threshold} recover the key)`,
        `set ${info.setId}, label "${label}", key KCV ${check.kcv} (${check.method})`,
        total <= SUBSET_SAMPLE
          ? `checked: all ${checked} sets of ${threshold} shares recombine to the key`
          : `checked: ${checked} random sets of ${threshold} shares (of ${total}) recombine to the key`,
        ...files.map((f) => `  ${f}`),
      ];
      if (rehearsal) lines.unshift('REHEARSAL: not production shares');
      ctx.out.result(lines, {
        command: 'shares split',
        setId: info.setId,
        label,
        threshold,
        shares: count,
        kcv: check.kcv,
        kcvMethod: check.method,
        files,
        subsetsChecked: checked,
        subsetsTotal: total,
        rehearsal,
      });
      return EXIT.ok;
    } finally {
      wipe(key, ...raw);
      for (const s of made) s.destroy();
    }
  },
};

/**
 * Read and decode share files; problems are collected per file, never thrown one at a time.
 * A file that cannot be read throws, after the shares decoded so far are destroyed.
 */
async function readShares(
  files: readonly string[],
  ctx: CommandContext,
): Promise<{ shares: Share[]; problems: string[] }> {
  const shares: Share[] = [];
  const problems: string[] = [];
  try {
    for (const file of files) {
      const data = await readObserved(file, {
        observer: ctx.observer,
        what: 'share file',
        maxBytes: 64 * 1024,
      });
      const decoded = decodeShare(data.toString('utf8'));
      data.fill(0);
      if (decoded.ok) shares.push(decoded.share);
      else for (const p of decoded.problems) problems.push(`${file}: ${formatShareProblem(p)}`);
    }
  } catch (err) {
    for (const s of shares) s.destroy();
    throw err;
  }
  return { shares, problems };
}

const verify: Command = {
  name: 'shares verify',
  summary: 'check share files (format and checksum) without recombining',
  usage: `usage: sts-keygen shares verify FILE... [--json]

Checks each STS-SHARE v1 file: its format, every data line's check and the checksum. A typo is
reported with its line. Nothing is recombined, so one custodian can check their share alone.
Exit 0 when every share is intact, 1 when any is not.`,
  step: {
    args: { files: { kind: 'inputs', required: true } },
    risky: false,
    rehearsal: false,
    secretOutputs: false,
  },
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, {}, { allowPositionals: true });
    if (args.positionals.length === 0) throw usageError('shares verify needs at least one share file');
    const results: { file: string; share: ShareInfo }[] = [];
    const lines: string[] = [];
    const damaged: string[] = [];
    for (const file of args.positionals) {
      const { shares, problems } = await readShares([file], ctx);
      const share = shares[0];
      if (share) {
        const info = share.info();
        results.push({ file, share: info });
        lines.push(
          `${file}: OK, share ${info.index} of ${info.shares} (threshold ${info.threshold}), set ${info.setId}, "${info.label}", key KCV ${info.kcv} (${info.kcvMethod})${info.rehearsal ? ', REHEARSAL' : ''}`,
        );
        share.destroy();
      } else {
        damaged.push(...problems);
      }
    }
    const total = args.positionals.length;
    if (damaged.length > 0) {
      if (!ctx.json && lines.length > 0) ctx.out.text(lines.join('\n'));
      const bad = total - results.length;
      throw new CliError(
        'verification-failed',
        `${damaged.join('\n')}\n${bad} of ${total} share file(s) did not verify`,
        EXIT.failed,
      );
    }
    lines.push(`${total} share file(s) intact`);
    ctx.out.result(lines, { command: 'shares verify', files: results });
    return EXIT.ok;
  },
};

const combineStep: StepDescription = {
  args: { files: { kind: 'inputs', required: true }, out: { kind: 'output', required: true } },
  risky: true,
  rehearsal: false,
  secretOutputs: true,
};

const combine: Command = {
  name: 'shares combine',
  summary: 'recover a key from M share files, proven against its KCV',
  usage: `usage: sts-keygen shares combine FILE... --out FILE [--json]

Recovers the key from at least M shares of one set and writes it as one line of hex (mode 0600,
exclusive). Refused (exit 2): shares of different sets (set id, M, N or KCV differ), a share given
twice, too few shares (the message says how many are missing). The recovered key must match the
KCV in the shares, else exit 1 and nothing is written.`,
  step: combineStep,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, optionsOf(combineStep.args), { allowPositionals: true });
    const out = requiredOption(args, 'out');
    const files = args.positionals;
    if (files.length === 0) throw usageError('shares combine needs the share files');
    assertDistinct(files, [out]);
    refuseExisting(out);
    const { shares, problems } = await readShares(files, ctx);
    let key: Uint8Array | undefined;
    try {
      if (problems.length > 0) throw new CliError('verification-failed', problems.join('\n'), EXIT.failed);
      const setProblems = checkShareSet(shares);
      if (setProblems.length > 0) throw new CliError('bad-input', setProblems.join('\n'));
      const first = shares[0]!;
      key = await shamirCombine(shares.map((s) => s.data));
      const recovered = kcv(key, first.kcvMethod);
      if (recovered !== first.kcv) {
        throw new CliError(
          'verification-failed',
          `the recovered key does not match the KCV ${first.kcv} (${first.kcvMethod}) in the shares: a share is wrong; nothing written`,
          EXIT.failed,
        );
      }
      const keyBytes = key;
      await new OutputSet(ctx.observer).run((set) => {
        set.plan(out);
        set.write(out, keyFileText(keyBytes, first.rehearsal), { secret: true });
      });
      const lines = [
        `key recovered from shares ${shares.map((s) => s.index).join(', ')} of set ${first.setId} ("${first.label}")`,
        `KCV ${recovered} (${first.kcvMethod}) matches the shares`,
        `key written to ${out}`,
      ];
      if (first.rehearsal) lines.unshift('REHEARSAL: not a production key');
      ctx.out.result(lines, {
        command: 'shares combine',
        setId: first.setId,
        label: first.label,
        indices: shares.map((s) => s.index),
        kcv: recovered,
        kcvMethod: first.kcvMethod,
        out,
        rehearsal: first.rehearsal,
      });
      return EXIT.ok;
    } finally {
      if (key) wipe(key);
      for (const s of shares) s.destroy();
    }
  },
};

export const commands: Command[] = [split, verify, combine];
