// Shared test helpers: the public vectors, configurations from their JSON form, meters built from requests,
// and sts-meter as a real process (temp folders, a CTSA configuration file, init, run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromJson, type StsConfig } from 'sts-config';
import { hexToBytes } from 'sts-crypto';
import { Meter, type MeterCreateOptions } from '../src/meter.ts';

export interface Vector {
  name: string;
  request: Record<string, unknown> & { type: string; time?: string; drn?: string; config?: unknown };
  expected: string[];
  source: string;
}

export const VECTORS: Vector[] = JSON.parse(
  readFileSync(new URL('../../../vectors/sts-public.json', import.meta.url), 'utf8'),
) as Vector[];

export function config(json: unknown): StsConfig {
  const r = configFromJson(json);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

/** The CTSA configuration (DKGA02, STA, KT 2, SGC 123456, TI 01, KRN 1, KEN 255, BD 1993, IIN 600727). */
export const CTSA_CONFIG = {
  name: 'ctsa',
  key_expiry_no: 255,
  encryption_algorithm: 'sta',
  token_carrier_type: 'numeric',
  decoder_key_generation_algorithm: '02',
  tariff_index: '01',
  key_revision_no: 1,
  vending_key: 'abababababababab',
  supply_group_code: '123456',
  key_type: 2,
  base_date: 1993,
  issuer_identification_no: '600727',
};

/** A configuration's fields as the text of a configuration file: `---`, then one `key: value` line each. */
export function configText(fields: Record<string, unknown>): string {
  return ['---', ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`), ''].join('\n');
}

/** The sts-meter launcher, run as a real process. */
export const BIN = new URL('../bin/sts-meter.js', import.meta.url).pathname;

/** A fresh temporary folder for one test file: `sts-meter-<name>-XXXXXX`. */
export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `sts-meter-${name}-`));
}

/** Run `sts-meter ARGS` to its end (in `cwd` when given): exit code, stdout, stderr. */
export function runMeter(
  args: readonly string[],
  cwd?: string,
): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    ...(cwd !== undefined && { cwd }),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `sts-meter init` of meter 00000000000 made 2004-01-01 under `configFile`; throws its stderr if it fails. */
export function initMeter(state: string, configFile: string): void {
  const r = runMeter([
    'init',
    '--state',
    state,
    '--config',
    configFile,
    '--drn',
    '00000000000',
    '--now',
    '2004-01-01T00:00:00Z',
  ]);
  if (r.code !== 0) throw new Error(r.err);
}

export function at(iso: string): Date {
  return new Date(iso);
}

/** A meter for a vector request: config + DRN, or the decoder key directly; made `madeAt`. */
export function meterForRequest(
  req: Vector['request'],
  madeAt: Date,
  extra: Partial<MeterCreateOptions> = {},
): Meter {
  if (typeof req.decoderKey === 'string') {
    return Meter.create({
      key: {
        decoderKey: hexToBytes(req.decoderKey),
        encryptionAlgorithm: req.encryptionAlgorithm as 'sta',
        baseDate: req.baseDate as 1993,
      },
      drn: '00000000000',
      now: madeAt,
      ...extra,
    });
  }
  const c = req.config ?? CTSA_CONFIG;
  return Meter.create({
    config: config(c),
    drn: (req.drn as string) ?? '00000000000',
    now: madeAt,
    ...extra,
  });
}
