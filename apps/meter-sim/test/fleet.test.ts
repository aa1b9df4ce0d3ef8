// The fleet's fast token builder against sts-token's encoders, and fleets of every algorithm and key type.
// IEC 62055-41 token layouts (sts-reference §6) built two ways must agree; a fleet run has no mismatches.
import fc from 'fast-check';
import { hexToBytes, prepareMisty1Key, prepareStaKey } from 'sts-crypto';
import { encodeBlockToken, encodeKeyChange, prepareKey } from 'sts-token';
import { describe, expect, test } from 'vitest';
import { fleetDrn, runFleet } from '../src/fleet.ts';
import { buildToken, digitsOf, keyChangeBlocks, timedBlock } from '../src/token-encoder.ts';
import { CTSA_CONFIG, config, VECTORS } from './helpers.ts';

describe('token builder', () => {
  const STA = '0ABC12DEF3456789';
  test('the worked example: 25.6 kWh (sts-reference §13.2)', () => {
    const [h, l] = timedBlock(0, 11, 1698595, 256);
    expect(buildToken(0, h, l, prepareStaKey(hexToBytes(STA)))).toBe('29054347139309851356');
  });

  test('digitsOf is the 20-digit decimal of the 66-bit value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (t, h, l) => {
          const v = (BigInt(t) << 64n) | (BigInt(h) << 32n) | BigInt(l);
          expect(digitsOf(t, h, l)).toBe(v.toString().padStart(20, '0'));
        },
      ),
    );
  });

  test('buildToken equals sts-token encodeBlockToken for any block and class', () => {
    const sta = prepareStaKey(hexToBytes(STA));
    const key = prepareKey({ decoderKey: STA, encryptionAlgorithm: 'sta', baseDate: 1993 });
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (c, h, l) => {
          const crcC = c === 0 && h >>> 28 >= 4 && h >>> 28 <= 7;
          expect(buildToken(c, h, l, c === 1 ? null : sta, crcC)).toBe(
            encodeBlockToken(c === 1 ? null : key, c, h, l),
          );
        },
      ),
    );
  });

  test('key-change blocks equal sts-token encodeKeyChange (STA and MISTY1 vector sets)', () => {
    const sta = VECTORS.find((v) => v.name.startsWith('CTSA05 step1'))!;
    expect(
      keyChangeBlocks({
        key: hexToBytes('060B8643C59A27F1'),
        keyExpiryNo: 255,
        keyRevisionNo: 1,
        keyType: 2,
        tariffIndex: 2,
        supplyGroupCode: 123456,
        rollover: false,
      }).map(([h, l]) => buildToken(2, h, l, prepareStaKey(hexToBytes('E653341F9D5BF36F')))),
    ).toEqual(sta.expected);
    const oldMisty = '00112233445566778899AABBCCDDEEFF';
    const spec = {
      key: hexToBytes('0102030405060708090A0B0C0D0E0F10'),
      keyExpiryNo: 0x5a,
      keyRevisionNo: 2,
      keyType: 2,
      tariffIndex: 99,
      supplyGroupCode: 987654,
      rollover: true,
    };
    const ours = keyChangeBlocks(spec).map(([h, l]) =>
      buildToken(2, h, l, prepareMisty1Key(hexToBytes(oldMisty))),
    );
    const theirs = encodeKeyChange(
      prepareKey({ decoderKey: oldMisty, encryptionAlgorithm: 'misty1', baseDate: 1993 }),
      {
        newDecoderKey: spec.key,
        keyExpiryNo: 0x5a,
        keyRevisionNo: 2,
        keyType: 2,
        tariffIndex: '99',
        supplyGroupCode: '987654',
        rollover: true,
      },
    );
    expect(ours).toEqual(theirs);
  });

  test('fleet DRNs carry a valid check digit', () => {
    expect(fleetDrn(0, '600727')).toBe('47000000001'); // Luhn of 4700000000: 4 + (7·2 → 5) = 9 → 1
    expect(fleetDrn(12, '0000')).toHaveLength(13);
  });
});

describe('fleets', () => {
  test.each([
    { what: 'STA, DUTK', cfg: {} },
    { what: 'STA, DDTK (credit refused)', cfg: { key_type: 1 } },
    { what: 'STA, DCTK (everything refused)', cfg: { key_type: 3 } },
    { what: 'STA, DITK, KEN 200 (expiry)', cfg: { key_type: 0, key_expiry_no: 200 } },
    {
      what: 'MISTY1 DKGA04, IIN 0000',
      cfg: {
        encryption_algorithm: 'misty1',
        decoder_key_generation_algorithm: '04',
        vending_key: 'abababababababab949494949494949401234567',
        issuer_identification_no: '0000',
        base_date: 2014,
      },
    },
  ])('$what: every token as expected', ({ cfg }) => {
    const report = runFleet({
      config: config({ ...CTSA_CONFIG, ...cfg }),
      meters: 40,
      tokensPerMeter: 25,
      seed: 11,
    });
    expect(report.examples).toEqual([]);
    expect(report.mismatches).toBe(0);
    expect(report.tokens).toBe(1000);
    expect(report.rows.reduce((a, r) => a + r.sent, 0)).toBe(1000);
    // (a DCTK meter accepts nothing, so it never gets a replay)
    const kinds = [
      'credit',
      'foreign',
      'corrupted',
      'key-change',
      ...('key_type' in cfg && cfg.key_type === 3 ? [] : ['replay']),
    ];
    for (const kind of kinds) {
      expect(report.rows.find((r) => r.kind === kind)!.sent).toBeGreaterThan(0);
    }
  });
});
