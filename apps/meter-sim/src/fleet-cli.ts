// `sts-meter fleet`: run the fleet simulation from a configuration file and print the result table.
// Exit 1 when any token got another result than the vendor expected (every mismatch is a bug).

import { EXIT, flag, integerOption, requiredOption } from 'sts-cli-kit';
import { parse, readConfig } from './cli.ts';
import { type FleetReport, runFleet } from './fleet.ts';

/** Markdown table of a fleet report (kind | sent | expected result | got as expected | mismatches). */
function formatFleetTable(r: FleetReport): string {
  const lines = [
    '| kind | sent | expected result | got as expected | mismatches |',
    '|---|---:|---|---:|---:|',
    ...r.rows.map(
      (row) =>
        `| ${row.kind} | ${row.sent} | ${row.expected.join(' / ') || '-'} | ${row.asExpected} | ${row.mismatches} |`,
    ),
    `| **all** | ${r.tokens} | | ${r.tokens - (r.mismatches - r.registerMismatches)} | ${r.mismatches - r.registerMismatches} |`,
  ];
  return lines.join('\n');
}

export async function runFleetCommand(args: readonly string[], out: (s: string) => void): Promise<number> {
  const p = parse('fleet', args, {
    config: { type: 'string' },
    meters: { type: 'string' },
    'tokens-per-meter': { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  });
  const configPath = requiredOption(p, 'config');
  requiredOption(p, 'meters');
  requiredOption(p, 'tokens-per-meter');
  const meters = integerOption(p, 'meters', { min: 1, max: 10_000_000 })!;
  const tokensPerMeter = integerOption(p, 'tokens-per-meter', { min: 1, max: 10_000 })!;
  const seed = integerOption(p, 'seed', { min: 0, max: 0xffffffff }) ?? 1;
  const config = await readConfig(configPath);
  const started = performance.now();
  let report: FleetReport;
  try {
    report = runFleet({ config, meters, tokensPerMeter, seed });
  } finally {
    config.vendingKey.wipe();
  }
  const seconds = (performance.now() - started) / 1000;
  if (flag(p, 'json')) {
    out(JSON.stringify({ ...report, seconds: Number(seconds.toFixed(3)) }, null, 2));
  } else {
    out(formatFleetTable(report));
    out('');
    out(
      `${meters} meters × ${tokensPerMeter} tokens (seed ${seed}) in ${seconds.toFixed(2)} s; ` +
        `electricity registers: ${meters - report.registerMismatches}/${meters} as expected`,
    );
    for (const e of report.examples) {
      out(`mismatch: meter ${e.meter} ${e.kind} ${e.token}: expected ${e.expected}, got ${e.got}`);
    }
  }
  return report.mismatches === 0 ? EXIT.ok : EXIT.failed;
}
