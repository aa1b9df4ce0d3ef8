// Shared fixtures for the sts-config tests: Nectar's example file and ways to bend it.
// The example is the one in nectar-compat §1, with its vending key.

export const BASE_LINES = [
  '---',
  'name: example_config',
  'key_expiry_no: 255',
  'encryption_algorithm: sta',
  'token_carrier_type: numeric',
  'decoder_key_generation_algorithm: 02',
  'tariff_index: 01',
  'key_revision_no: 1',
  'vending_key: 0123456789abcdef',
  'supply_group_code: 123456',
  'key_type: 3',
  'base_date: 1993',
  'issuer_identification_no: 600727',
] as const;

/** The example file, newline-terminated (so "end of file" is line 14). */
export const BASE = `${BASE_LINES.join('\n')}\n`;

export const KEY_40 = 'abababababababab949494949494949401234567';

/** The example with the line of `key` replaced by `replacement` (one or more lines; null deletes it). */
export function edit(key: string, replacement: string | null, lines: readonly string[] = BASE_LINES): string {
  const index = lines.findIndex((l) => l.startsWith(`${key}:`));
  if (index < 0) throw new Error(`no line for ${key}`);
  const out = [...lines];
  if (replacement === null) out.splice(index, 1);
  else out[index] = replacement;
  return `${out.join('\n')}\n`;
}

/** Several edits at once: `{ key: replacement }`. */
export function edits(changes: Record<string, string | null>): string {
  let lines: string[] = [...BASE_LINES];
  for (const [key, replacement] of Object.entries(changes)) {
    lines = edit(key, replacement, lines).replace(/\n$/, '').split('\n');
  }
  return `${lines.join('\n')}\n`;
}

/** The example with extra lines at the end. */
export function append(...extra: string[]): string {
  return `${[...BASE_LINES, ...extra].join('\n')}\n`;
}
