// Tests of the STS-SHARE v1 text format: round trips, tolerance of hand-copied text, typo detection.
// Expected checksums are computed here from the documented canonical text with node:crypto, not by shares.ts.
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  checkShareSet,
  decodeShare,
  encodeShare,
  formatShareProblem,
  Share,
  type ShareInfo,
  shareLabel,
} from '../src/shares.ts';

const INFO: ShareInfo = {
  setId: '3F9A1C0B7E2D4A51',
  label: 'SGC 123456 vending key',
  threshold: 3,
  shares: 5,
  index: 2,
  kcv: 'D5D44F',
  kcvMethod: 'des',
  rehearsal: false,
};
const DATA = Uint8Array.from([0x01, 0xab, 0x23, 0xcd, 0x45, 0xef, 0x67, 0x89, 0x07]);

function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex').toUpperCase();
}

function decodeOk(text: string): Share {
  const r = decodeShare(text);
  if (!r.ok) throw new Error(r.problems.map(formatShareProblem).join('\n'));
  return r.share;
}

function problemsOf(text: string): string[] {
  const r = decodeShare(text);
  return r.ok ? [] : r.problems.map(formatShareProblem);
}

describe('encodeShare', () => {
  test('writes the documented layout, with the checksum of the canonical text', () => {
    const text = encodeShare(new Share(INFO, DATA));
    const canonical =
      'STS-SHARE v1\nset: 3F9A1C0B7E2D4A51\nlabel: SGC 123456 vending key\nthreshold: 3\nshares: 5\nindex: 2\n' +
      'kcv: D5D44F des\nlength: 9\ndata: 01AB23CD45EF678907\n';
    const lineCheck = sha256Hex(Uint8Array.from([1, ...DATA])).slice(0, 2);
    expect(text).toBe(
      'STS-SHARE v1\nset: 3F9A1C0B7E2D4A51\nlabel: SGC 123456 vending key\nthreshold: 3\nshares: 5\nindex: 2\n' +
        `kcv: D5D44F des\nlength: 9\ndata: 01AB 23CD 45EF 6789 07 | ${lineCheck}\n` +
        `checksum: ${sha256Hex(canonical).slice(0, 8)}\n`,
    );
  });

  test('rehearsal shares carry a comment and a checksummed field', () => {
    const text = encodeShare(new Share({ ...INFO, rehearsal: true }, DATA));
    expect(text).toContain('# REHEARSAL: not a production share\n');
    expect(text).toContain('rehearsal: yes\n');
    expect(decodeOk(text).rehearsal).toBe(true);
    // Removing the field (a rehearsal share passed off as real) breaks the checksum.
    expect(problemsOf(text.replace('rehearsal: yes\n', ''))).toEqual([
      expect.stringMatching(/^line 11, checksum: does not match/),
    ]);
  });

  test('a 21-byte share (DKGA04 key) spans two data lines of 16 and 5 bytes', () => {
    const data = Uint8Array.from({ length: 21 }, (_, i) => i * 11);
    const text = encodeShare(new Share({ ...INFO, kcvMethod: 'hmac-sha256' }, data));
    expect(text.match(/^data: /gm)).toHaveLength(2);
    expect(text).toMatch(/^data: (\w{4} ){8}\| \w\w$/m);
    expect(decodeOk(text).data).toEqual(data);
  });

  test.each([
    { field: 'setId', value: '3f9a1c0b7e2d4a51', message: /setId must be 16 upper-case hex digits/ },
    { field: 'index', value: 6, message: /index must be an integer from 1 to shares/ },
    { field: 'threshold', value: 1, message: /threshold must be an integer from 2 to shares/ },
    { field: 'label', value: ' padded', message: /label must be/ },
    { field: 'kcv', value: 'D5D44', message: /kcv must be 6 upper-case hex digits/ },
  ])('refuses a bad $field', ({ field, value, message }) => {
    expect(() => encodeShare(new Share({ ...INFO, [field]: value }, DATA))).toThrow(message);
  });

  test('never shows the share bytes in toString, JSON or inspect', () => {
    const share = new Share(INFO, Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x42]));
    for (const shown of [String(share), JSON.stringify(share), inspect(share)]) {
      expect(shown.toUpperCase()).not.toMatch(/DEAD|BEEF|222,173|173|190/);
    }
    share.destroy();
    expect([...share.data]).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('decodeShare', () => {
  const text = encodeShare(new Share(INFO, DATA));

  test('reads back what was written', () => {
    const share = decodeOk(text);
    expect(share.info()).toEqual(INFO);
    expect(share.data).toEqual(DATA);
  });

  test('tolerates CRLF, blank lines, comments, extra spaces, lower-case hex and another field order', () => {
    const lines = text.trimEnd().split('\n');
    const [header, set, label, threshold, shares, index, kcv, length, data, checksum] = lines as string[];
    const messy = [
      '',
      `  ${header}  `,
      '# copied by hand on 2024-05-01',
      index,
      `${set!.toLowerCase().replace('set:', 'set :  ')}`,
      label!.replace('SGC 123456', 'SGC   123456  '),
      shares,
      threshold,
      `  ${kcv!.toLowerCase()}`,
      length,
      '',
      data!.toLowerCase().replace(/ /g, '   '),
      checksum!.toLowerCase(),
      '',
    ].join('\r\n');
    const share = decodeOk(messy);
    expect(share.info()).toEqual(INFO);
    expect(share.data).toEqual(DATA);
  });

  test.each([
    {
      name: 'a wrong header',
      edit: (t: string) => t.replace('STS-SHARE v1', 'STS-SHARE v2'),
      want: 'line 1, header: must be "STS-SHARE v1" (is this an STS share file?)',
    },
    {
      name: 'a digit typo in the data',
      edit: (t: string) => t.replace('45EF', '45EE'),
      want: 'line 9, data: line check does not match: a character on this line was mistyped',
    },
    {
      name: 'a non-hex character in the data',
      edit: (t: string) => t.replace('45EF', '45EG'),
      want: 'line 9, data: must be 1 to 16 bytes as hex digits in groups (a digit is missing, extra or not hex)',
    },
    {
      name: 'a typo in the index',
      edit: (t: string) => t.replace('index: 2', 'index: 3'),
      want: /^line 10, checksum: does not match the fields above/,
    },
    {
      name: 'a typo in the label',
      edit: (t: string) => t.replace('vending', 'vendinq'),
      want: /^line 10, checksum: does not match/,
    },
    {
      name: 'an index above shares',
      edit: (t: string) => t.replace('index: 2', 'index: 6'),
      want: 'line 6, index: must be a whole number from 1 to 5',
    },
    {
      name: 'an unknown field',
      edit: (t: string) => t.replace('length: 9', 'length: 9\ncolour: red'),
      want: 'line 9, colour: unknown field (expected one of set, label, threshold, shares, index, rehearsal, kcv, length, data, checksum)',
    },
    {
      name: 'a duplicate field',
      edit: (t: string) => t.replace('index: 2', 'index: 2\nindex: 2'),
      want: 'line 7, index: appears twice (first on line 6)',
    },
    { name: 'a missing kcv', edit: (t: string) => t.replace(/kcv: .*\n/, ''), want: 'kcv: missing' },
    {
      name: 'a bad kcv method',
      edit: (t: string) => t.replace('D5D44F des', 'D5D44F md5'),
      want: 'line 7, kcv: method must be one of des, tdes, aes-cmac, hmac-sha256',
    },
    {
      name: 'a short checksum',
      edit: (t: string) => t.replace(/checksum: (\w+)/, 'checksum: 1234'),
      want: 'line 10, checksum: must be 8 hex digits',
    },
    {
      name: 'a missing checksum',
      edit: (t: string) => t.replace(/checksum: .*\n/, ''),
      want: 'checksum: missing: the last line must be "checksum: " and 8 hex digits',
    },
    {
      name: 'a field after the checksum',
      edit: (t: string) => `${t}index: 2\n`,
      want: 'line 11, index: comes after the checksum line, which must be last',
    },
    {
      name: 'a wrong length',
      edit: (t: string) => t.replace('length: 9', 'length: 10'),
      want: 'data: has 9 bytes but length says 10: a data line is missing or extra',
    },
    {
      name: 'an empty text',
      edit: () => '\n\n',
      want: 'header: missing: the text must start with "STS-SHARE v1"',
    },
  ])('reports $name with its line', ({ edit, want }) => {
    const problems = problemsOf(edit(text));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual(typeof want === 'string' ? want : expect.stringMatching(want));
  });

  test('reports every problem at once', () => {
    const bad = text
      .replace('index: 2', 'index: x')
      .replace('threshold: 3', 'threshold: 9')
      .replace('45EF', '45EE');
    expect(problemsOf(bad)).toEqual([
      'line 4, threshold: must be a whole number from 2 to 5',
      'line 6, index: must be a whole number from 1 to 5',
      'line 9, data: line check does not match: a character on this line was mistyped',
    ]);
  });

  test('never echoes the share data in a problem', () => {
    const problems = problemsOf(text.replace('45EF', '45EG')).join('\n');
    expect(problems).not.toMatch(/01AB|23CD|45E/i);
  });

  test('property: any single-character change is detected', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...'0123456789ABCDEFXYZ:-| '), (pos, ch) => {
        const i = pos % text.length;
        if (text[i] === ch || text[i] === '\n') return;
        const mutated = text.slice(0, i) + ch + text.slice(i + 1);
        const r = decodeShare(mutated);
        // Whitespace and case are free; anything else must either fail or decode to the same share.
        if (r.ok) {
          expect(r.share.info()).toEqual(INFO);
          expect(r.share.data).toEqual(DATA);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('round trip (property)', () => {
  const arbInfo = fc
    .record({
      setId: fc
        .uint8Array({ minLength: 8, maxLength: 8 })
        .map((b) => Buffer.from(b).toString('hex').toUpperCase()),
      label: fc
        .stringMatching(/^[A-Za-z0-9 ._\-()]{1,80}$/)
        .map((s) => s.replace(/\s+/g, ' ').trim())
        .filter((s) => s.length > 0),
      shares: fc.integer({ min: 2, max: 255 }),
      kcv: fc.stringMatching(/^[0-9A-F]{6}$/),
      kcvMethod: fc.constantFrom(
        'des' as const,
        'tdes' as const,
        'aes-cmac' as const,
        'hmac-sha256' as const,
      ),
      rehearsal: fc.boolean(),
    })
    .chain((r) =>
      fc.record({
        threshold: fc.integer({ min: 2, max: r.shares }),
        index: fc.integer({ min: 1, max: r.shares }),
        rest: fc.constant(r),
      }),
    )
    .map(({ threshold, index, rest }): ShareInfo => ({ ...rest, threshold, index }));

  test('decode(encode(share)) gives the same description and bytes', () => {
    fc.assert(
      fc.property(arbInfo, fc.uint8Array({ minLength: 2, maxLength: 70 }), (info, data) => {
        const share = decodeOk(encodeShare(new Share(info, data)));
        expect(share.info()).toEqual(info);
        expect(share.data).toEqual(data);
      }),
      { numRuns: 300 },
    );
  });
});

describe('checkShareSet', () => {
  const share = (over: Partial<ShareInfo>, x: number) =>
    new Share({ ...INFO, ...over }, Uint8Array.from([1, 2, x]));

  test.each([
    {
      name: 'three shares of one set',
      set: [share({ index: 1 }, 9), share({ index: 2 }, 7), share({ index: 5 }, 3)],
      want: [],
    },
    {
      name: 'two shares of a 3-of-5 set',
      set: [share({ index: 1 }, 9), share({ index: 4 }, 7)],
      want: ['need 3 shares of set 3F9A1C0B7E2D4A51, got 2: 1 more is missing'],
    },
    {
      name: 'one share given twice',
      set: [share({ index: 1 }, 9), share({ index: 1 }, 9), share({ index: 2 }, 7)],
      want: ['share 1 is given twice'],
    },
    {
      name: 'a share of another set',
      set: [
        share({ index: 1 }, 9),
        share({ index: 2, setId: '0000000000000001', kcv: 'ABCDEF' }, 7),
        share({ index: 3 }, 5),
      ],
      want: [
        'share 2 belongs to another set: set 0000000000000001 instead of 3F9A1C0B7E2D4A51, kcv ABCDEF des instead of D5D44F des',
      ],
    },
    {
      name: 'a renumbered copy',
      set: [share({ index: 1 }, 9), share({ index: 2 }, 9), share({ index: 3 }, 5)],
      want: ['share 2 has the same x coordinate as another share: it is a copy under another index'],
    },
    {
      name: 'a rehearsal share among real ones',
      set: [share({ index: 1 }, 9), share({ index: 2, rehearsal: true }, 7), share({ index: 3 }, 5)],
      want: ['share 2 belongs to another set: a rehearsal share'],
    },
  ])('$name', ({ set, want }) => {
    expect(checkShareSet(set)).toEqual(want);
  });
});

describe('the share label: one rule for split, encodeShare and decodeShare', () => {
  // Regression: the rule was written three times (split refused C1 controls, the encoder refused
  // nothing, the decoder only C0): a share could be written that no reader took back.
  test.each([
    { given: 'SGC 123456 vending key', stored: 'SGC 123456 vending key' },
    { given: '  SGC\t123456   key ', stored: 'SGC 123456 key' },
    { given: 'x'.repeat(80), stored: 'x'.repeat(80) },
    { given: 'x'.repeat(81), stored: undefined },
    { given: '   ', stored: undefined },
    { given: 'bell\u0007', stored: undefined },
    { given: 'del\u007f', stored: undefined },
    { given: 'next line\u0085', stored: undefined },
    { given: 'right-to-left \u202Eyek', stored: undefined },
    { given: 'isolate \u2066x\u2069', stored: undefined },
    { given: 'café – ключ', stored: 'café – ключ' },
  ])('$given', ({ given, stored }) => {
    expect(shareLabel(given)).toBe(stored);
    const encode = () => encodeShare(new Share({ ...INFO, label: given }, DATA));
    if (stored === given) expect(encode()).toContain(`\nlabel: ${given}\n`);
    else expect(encode).toThrow(/label must be 1 to 80 printable characters/);
    const text = encodeShare(new Share(INFO, DATA)).replace(`label: ${INFO.label}`, `label: ${given}`);
    const problems = problemsOf(text);
    if (stored === undefined)
      expect(problems).toContain('line 3, label: must be 1 to 80 printable characters');
    else expect(problems.filter((p) => p.startsWith('line 3'))).toEqual([]);
  });
});
