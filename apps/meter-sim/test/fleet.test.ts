// The fleet's token building (sts-token's block encoder), and fleets of every algorithm and key type.
// IEC 62055-41 token layouts (sts-reference §6); a fleet run has no mismatches.
import { encodeBlockToken, prepareKey, timedBlockHi, timedBlockLo } from 'sts-token';
import { describe, expect, test } from 'vitest';
import { fleetDrn, runFleet } from '../src/fleet.ts';
import { CTSA_CONFIG, config } from './helpers.ts';

describe('token builder', () => {
  test('the fleet builds its tokens with sts-token: the worked example 25.6 kWh (sts-reference §13.2)', () => {
    const key = prepareKey({ decoderKey: '0ABC12DEF3456789', encryptionAlgorithm: 'sta', baseDate: 1993 });
    expect(encodeBlockToken(key, 0, timedBlockHi(0, 11, 1698595), timedBlockLo(256))).toBe(
      '29054347139309851356',
    );
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
