// Tests of the upload-bundle envelope (nectar-compat.md §2): round trips, padding checks, tampering.
// The openssl interoperability proofs run in apps/keygen/test/openssl.test.ts.

import { constants, createHash, generateKeyPairSync, publicDecrypt } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  BUNDLE_DOES_NOT_VERIFY,
  type BundleParts,
  decodeBase64Text,
  encodeBase64Lines,
  openBundle,
  openWithKey,
  pkcs1Type1Encode,
  pkcs1Type2Unpad,
  recoverType1,
  sealBundle,
} from '../src/bundle.ts';

// 2048-bit keys: the envelope does not depend on the size, and 4096-bit generation is slow.
const user = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kmc = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const config = new TextEncoder().encode('---\nname: example_config\nvending_key: 0123456789abcdef\n');

function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

describe('pkcs1Type2Unpad', () => {
  const ps = 'aa'.repeat(9); // 9 non-zero padding bytes
  const msg = '0102030405060708090a0b0c0d0e0f10';
  test.each([
    { name: 'well formed', em: `0002${ps}00${msg}`, valid: true },
    { name: 'first byte not zero', em: `0102${ps}00${msg}`, valid: false },
    { name: 'block type 1 instead of 2', em: `0001${ps}00${msg}`, valid: false },
    { name: 'zero byte inside PS', em: `0002${'aa'.repeat(4)}00${'aa'.repeat(4)}00${msg}`, valid: false },
    { name: 'separator not zero', em: `0002${ps}01${msg}`, valid: false },
    { name: 'message one byte longer than expected', em: `0002${'aa'.repeat(8)}00ff${msg}`, valid: false },
  ])('$name', ({ em, valid }) => {
    const r = pkcs1Type2Unpad(hex(em), 16);
    expect(r.valid).toBe(valid);
    expect(r.message.length).toBe(16);
    if (valid) expect(Buffer.from(r.message).toString('hex')).toBe(msg);
  });

  test('PS shorter than 8 bytes cannot fit', () => {
    expect(() => pkcs1Type2Unpad(new Uint8Array(26), 16)).toThrow('em must be at least 27 bytes, got 26');
  });
});

describe('pkcs1Type1Encode', () => {
  test('00 01 FF…FF 00 payload (RFC 8017 §9.2 without DigestInfo)', () => {
    expect(Buffer.from(pkcs1Type1Encode(hex('abcd'), 14)).toString('hex')).toBe(
      '0001ffffffffffffffffff00abcd',
    );
  });
  test('refuses a payload that leaves fewer than 8 padding bytes', () => {
    expect(() => pkcs1Type1Encode(new Uint8Array(4), 14)).toThrow('payload must be at most 3 bytes, got 4');
  });
});

describe('nectar profile', () => {
  const key = new TextEncoder().encode('v8y/B?E(H+MbQeTh');
  const iv = new TextEncoder().encode('1234567812345678');
  const parts = sealBundle({ config, signingKey: user.privateKey, recipientKey: kmc.publicKey, key, iv });

  test('data is IV ‖ AES-128-CBC ciphertext with PKCS#7 padding', () => {
    expect(Buffer.from(parts.data.subarray(0, 16)).toString()).toBe('1234567812345678');
    expect(parts.data.length).toBe(16 + Math.ceil((config.length + 1) / 16) * 16);
  });

  test('digest is a type-1 block around the raw SHA-256 of the config (no DigestInfo)', () => {
    const em = publicDecrypt({ key: user.publicKey, padding: constants.RSA_NO_PADDING }, parts.digest);
    const sha = createHash('sha256').update(config).digest('hex');
    expect(em.toString('hex')).toBe(`0001${'ff'.repeat(256 - 35)}00${sha}`);
    expect(Buffer.from(recoverType1(parts.digest, user.publicKey)!).toString('hex')).toBe(sha);
  });

  test('opens to the same bytes', () => {
    const out = openBundle({ parts, recipientKey: kmc.privateKey, signerKey: user.publicKey });
    expect(Buffer.from(out).equals(Buffer.from(config))).toBe(true);
  });

  test('random key and IV differ from bundle to bundle', () => {
    const a = sealBundle({ config, signingKey: user.privateKey, recipientKey: kmc.publicKey });
    const b = sealBundle({ config, signingKey: user.privateKey, recipientKey: kmc.publicKey });
    expect(Buffer.from(a.data.subarray(0, 16)).equals(Buffer.from(b.data.subarray(0, 16)))).toBe(false);
  });

  test('the key must be exactly 16 bytes', () => {
    expect(() =>
      sealBundle({
        config,
        signingKey: user.privateKey,
        recipientKey: kmc.publicKey,
        key: new Uint8Array(15),
      }),
    ).toThrow('key must be 16 bytes, got 15');
  });
});

describe.each(['nectar', 'strong'] as const)('%s profile', (profile) => {
  test('seal → open round trip (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (cfg) => {
        const parts = sealBundle({
          profile,
          config: cfg,
          signingKey: user.privateKey,
          recipientKey: kmc.publicKey,
        });
        const out = openBundle({ profile, parts, recipientKey: kmc.privateKey, signerKey: user.publicKey });
        expect(Buffer.from(out).equals(Buffer.from(cfg))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  const parts = sealBundle({ profile, config, signingKey: user.privateKey, recipientKey: kmc.publicKey });

  test.each([
    { name: 'wrong recipient key', recipientKey: other.privateKey, signerKey: user.publicKey },
    { name: 'wrong signer key', recipientKey: kmc.privateKey, signerKey: other.publicKey },
  ])('$name → the one error', ({ recipientKey, signerKey }) => {
    expect(() => openBundle({ profile, parts, recipientKey, signerKey })).toThrow(BUNDLE_DOES_NOT_VERIFY);
  });

  test('every single-byte change of every payload → the one error', () => {
    const fields = (
      profile === 'strong' ? ['data', 'digest', 'symmetric', 'mac'] : ['data', 'digest', 'symmetric']
    ) as ('data' | 'digest' | 'symmetric' | 'mac')[];
    let tried = 0;
    for (const field of fields) {
      const original = parts[field]!;
      for (let i = 0; i < original.length; i++) {
        const changed = new Uint8Array(original);
        changed[i]! ^= 0x01 << (i % 8);
        const tampered: BundleParts = { ...parts, [field]: changed };
        expect(() =>
          openBundle({ profile, parts: tampered, recipientKey: kmc.privateKey, signerKey: user.publicKey }),
        ).toThrow(BUNDLE_DOES_NOT_VERIFY);
        tried++;
      }
    }
    expect(tried).toBeGreaterThan(512);
  });

  test('truncated or extended payloads → the one error', () => {
    for (const field of ['data', 'digest', 'symmetric'] as const) {
      for (const changed of [parts[field].subarray(1), new Uint8Array([...parts[field], 0])]) {
        expect(() =>
          openBundle({
            profile,
            parts: { ...parts, [field]: changed },
            recipientKey: kmc.privateKey,
            signerKey: user.publicKey,
          }),
        ).toThrow(BUNDLE_DOES_NOT_VERIFY);
      }
    }
  });
});

describe("openWithKey (the sender's self-check)", () => {
  test.each([
    { profile: 'nectar' as const, keyBytes: 16 },
    { profile: 'strong' as const, keyBytes: 64 },
  ])('$profile: opens with the secret, refuses another secret', ({ profile, keyBytes }) => {
    const key = new Uint8Array(keyBytes).fill(0x5a);
    const parts = sealBundle({
      profile,
      config,
      signingKey: user.privateKey,
      recipientKey: kmc.publicKey,
      key,
    });
    const out = openWithKey({ profile, parts, key, signerKey: user.publicKey });
    expect(Buffer.from(out).equals(Buffer.from(config))).toBe(true);
    const wrong = new Uint8Array(keyBytes).fill(0x5b);
    expect(() => openWithKey({ profile, parts, key: wrong, signerKey: user.publicKey })).toThrow(
      BUNDLE_DOES_NOT_VERIFY,
    );
  });

  test('the strong profile needs a 64-byte secret', () => {
    expect(() =>
      sealBundle({
        profile: 'strong',
        config,
        signingKey: user.privateKey,
        recipientKey: kmc.publicKey,
        key: new Uint8Array(16),
      }),
    ).toThrow('key must be 64 bytes, got 16');
  });
});

describe('base64 text', () => {
  const bytes = new Uint8Array(Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff));
  const plain = Buffer.from(bytes).toString('base64');

  test('encodes with 64-column lines and a final newline', () => {
    const text = encodeBase64Lines(bytes);
    const lines = text.split('\n');
    expect(lines[0]!.length).toBe(64);
    expect(text.endsWith('\n')).toBe(true);
    expect(lines.join('')).toBe(plain);
  });

  test.each([
    { name: 'unwrapped', text: plain },
    { name: '64 columns (openssl base64)', text: `${plain.slice(0, 64)}\n${plain.slice(64)}\n` },
    { name: '76 columns (base64)', text: `${plain.slice(0, 76)}\n${plain.slice(76)}\n` },
    { name: 'CRLF', text: `${plain.slice(0, 76)}\r\n${plain.slice(76)}\r\n` },
  ])('decodes $name', ({ text }) => {
    expect(Buffer.from(decodeBase64Text(text)!).equals(Buffer.from(bytes))).toBe(true);
  });

  test.each([
    { name: 'a character outside the alphabet', text: `${plain.slice(0, 10)}!${plain.slice(11)}` },
    { name: 'a length that is not a multiple of 4', text: plain.slice(1) },
    { name: 'padding in the middle', text: `QQ==${plain}` },
    { name: 'non-canonical last character', text: 'QR==' },
    { name: 'empty', text: '\n' },
  ])('refuses $name', ({ text }) => {
    expect(decodeBase64Text(text)).toBeUndefined();
  });
});
