// The commands of sts-service: init, credentials, configs import, serve, audit verify.
// Each returns its exit code and writes its result once, text or --json.
import { createPublicKey, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CliError, EXIT, readInput, readInputText, usageError } from 'sts-cli-kit';
import { BUNDLE_FILES } from 'sts-crypto';
import { importBundle } from '../api/configurations.ts';
import { verifyAudit } from '../audit.ts';
import { auditInput } from '../context.ts';
import { fingerprint, initDataDir } from '../data-dir.ts';
import { PERMISSIONS } from '../http/auth.ts';
import { ApiError } from '../http/envelope.ts';
import { optional, parseOptions, required } from './args.ts';
import { openKeyStore, openStore } from './local-keys.ts';
import { initWithDatabase } from './migrate.ts';

export interface Out {
  json: boolean;
  write(text: string): void;
  warn(text: string): void;
  /** A failed check: "sts-service: TEXT" on stderr. */
  fail(text: string): void;
}

function result(out: Out, text: string, data: unknown): void {
  out.write(out.json ? `${JSON.stringify(data)}\n` : text);
}

const CLOCK = { now: Date.now };

export async function initCommand(argv: string[], out: Out): Promise<number> {
  const v = parseOptions(
    argv,
    { data: { type: 'string' }, database: { type: 'string' }, 'rsa-key': { type: 'string' } },
    'sts-service init --help',
  );
  const dir = required(v, 'data');
  const rsa = optional(v, 'rsa-key');
  const pem = rsa === undefined ? undefined : await readInput(rsa, { what: 'RSA key', maxBytes: 64 * 1024 });
  const database = optional(v, 'database');
  const r: Awaited<ReturnType<typeof initDataDir>> & { database?: string; schemaVersion?: number } =
    database === undefined ? await initDataDir(dir, pem) : await initWithDatabase(dir, pem, database);
  pem?.fill(0);
  result(
    out,
    `data folder ${dir} ready\nservice key ${r.servicePub}\nfingerprint ${r.fingerprint}\n${r.database === undefined ? '' : `database ${r.database} at schema version ${r.schemaVersion}\n`}`,
    {
      data: dir,
      servicePub: r.servicePub,
      fingerprint: r.fingerprint,
      ...(r.database === undefined ? {} : { database: r.database, schemaVersion: r.schemaVersion }),
    },
  );
  return EXIT.ok;
}

const NAME_RE = /^[A-Za-z0-9 ._@-]{1,64}$/;
const TENANT_RE = /^[A-Za-z0-9._-]{1,64}$/;

export async function credentialsCommand(argv: string[], out: Out): Promise<number> {
  const [sub, ...rest] = argv;
  const hint = 'sts-service credentials --help';
  if (sub === 'create') {
    const v = parseOptions(
      rest,
      {
        data: { type: 'string' },
        database: { type: 'string' },
        name: { type: 'string' },
        tenant: { type: 'string' },
        permissions: { type: 'string' },
      },
      hint,
    );
    const dir = required(v, 'data');
    const name = required(v, 'name');
    if (!NAME_RE.test(name)) throw usageError('--name must be 1 to 64 letters, digits, spaces or ._@-');
    const tenant = optional(v, 'tenant') ?? 'default';
    if (!TENANT_RE.test(tenant)) throw usageError('--tenant must be 1 to 64 letters, digits or ._-');
    const list = optional(v, 'permissions');
    const permissions = list === undefined ? [...PERMISSIONS] : list.split(',').map((p) => p.trim());
    for (const p of permissions)
      if (!(PERMISSIONS as readonly string[]).includes(p))
        throw usageError(
          `unknown permission '${p.slice(0, 40)}' (the permissions are ${PERMISSIONS.join(', ')})`,
        );
    const store = await openStore(dir, optional(v, 'database'));
    const keys = await openKeyStore(dir);
    try {
      const key = `key_${randomBytes(12).toString('base64url')}`;
      const secretBytes = Buffer.from(randomBytes(32).toString('base64url'));
      const secret = secretBytes.toString();
      await store.insertCredential(
        {
          key,
          tenant,
          name,
          permissions,
          sealedSecret: keys.sealSecret(key, secretBytes),
          createdAt: new Date().toISOString(),
          revokedAt: null,
        },
        auditInput(CLOCK, tenant, 'cli', 'credential.created', key, { name, permissions }),
      );
      secretBytes.fill(0);
      result(out, `key ${key}\nsecret ${secret}\ntenant ${tenant}\n(the secret is shown this once)\n`, {
        key,
        secret,
        tenant,
      });
      return EXIT.ok;
    } finally {
      keys.destroy();
      await store.close();
    }
  }
  if (sub === 'list') {
    const v = parseOptions(rest, { data: { type: 'string' }, database: { type: 'string' } }, hint);
    const store = await openStore(required(v, 'data'), optional(v, 'database'));
    try {
      const list = (await store.credentials()).map((c) => ({
        key: c.key,
        name: c.name,
        tenant: c.tenant,
        permissions: c.permissions,
        created_at: c.createdAt,
        revoked_at: c.revokedAt,
      }));
      result(
        out,
        list
          .map(
            (c) =>
              `${c.key}  ${c.tenant}  ${c.name}  ${c.revoked_at === null ? 'active' : `revoked ${c.revoked_at}`}\n`,
          )
          .join('') || 'no credentials\n',
        { credentials: list },
      );
      return EXIT.ok;
    } finally {
      await store.close();
    }
  }
  if (sub === 'revoke') {
    const v = parseOptions(
      rest,
      { data: { type: 'string' }, database: { type: 'string' }, key: { type: 'string' } },
      hint,
    );
    const store = await openStore(required(v, 'data'), optional(v, 'database'));
    try {
      const key = required(v, 'key');
      const c = await store.credential(key);
      if (
        c === undefined ||
        !(await store.revokeCredential(key, auditInput(CLOCK, c.tenant, 'cli', 'credential.revoked', key)))
      )
        throw new CliError('not-found', `no active credential ${JSON.stringify(key.slice(0, 64))}`);
      result(out, `revoked ${key}\n`, { key, revoked: true });
      return EXIT.ok;
    } finally {
      await store.close();
    }
  }
  throw usageError(`expected create, list or revoke after credentials (see '${hint}')`);
}

export async function configsCommand(argv: string[], out: Out): Promise<number> {
  const [sub, ...rest] = argv;
  const hint = 'sts-service configs --help';
  if (sub !== 'import') throw usageError(`expected import after configs (see '${hint}')`);
  const v = parseOptions(
    rest,
    {
      data: { type: 'string' },
      database: { type: 'string' },
      tenant: { type: 'string' },
      bundle: { type: 'string' },
      signer: { type: 'string' },
    },
    hint,
  );
  const dir = required(v, 'data');
  const tenant = required(v, 'tenant');
  if (!TENANT_RE.test(tenant)) throw usageError('--tenant must be 1 to 64 letters, digits or ._-');
  const bundle = required(v, 'bundle');
  const signerFile = required(v, 'signer');
  const signerPem = await readInputText(signerFile, { what: 'signer key', maxBytes: 64 * 1024 });
  let print: string;
  try {
    print = fingerprint(createPublicKey({ key: signerPem, format: 'pem' }));
  } catch {
    throw new CliError('bad-input', `signer key ${signerFile} is not a PEM public key`);
  }
  let names: string[];
  try {
    names = readdirSync(bundle);
  } catch {
    throw new CliError('unreadable-file', `cannot read bundle folder ${bundle}`);
  }
  const file = (n: string) =>
    readInputText(path.join(bundle, n), { what: 'bundle file', maxBytes: 256 * 1024 });
  const texts = {
    data: await file(BUNDLE_FILES.data),
    digest: await file(BUNDLE_FILES.digest),
    key: await file(BUNDLE_FILES.symmetric),
    ...(names.includes(BUNDLE_FILES.mac) ? { mac: await file(BUNDLE_FILES.mac) } : {}),
    ...(names.includes(BUNDLE_FILES.profile) ? { profile: await file(BUNDLE_FILES.profile) } : {}),
  };
  const store = await openStore(dir, optional(v, 'database'));
  const keys = await openKeyStore(dir);
  try {
    const record = await importBundle(
      { store, now: Date.now, openBundle: async (a) => keys.openBundle(a) },
      tenant,
      'cli',
      texts,
      [{ ref: `file:${print}`, pem: signerPem }],
    );
    result(
      out,
      `configuration ${record.ref} imported for tenant ${tenant}: ${record.summary.name}, vending key KCV ${record.summary.vending_key_kcv} (${record.summary.vending_key_kcv_method})\n`,
      {
        ref: record.ref,
        tenant,
        name: record.summary.name,
        vending_key_kcv: record.summary.vending_key_kcv,
        vending_key_kcv_method: record.summary.vending_key_kcv_method,
      },
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ApiError) throw new CliError(e.code, e.message, EXIT.usage, e.details ?? []);
    throw e;
  } finally {
    keys.destroy();
    await store.close();
  }
}

export async function auditCommand(argv: string[], out: Out): Promise<number> {
  const [sub, ...rest] = argv;
  const hint = 'sts-service audit --help';
  if (sub !== 'verify') throw usageError(`expected verify after audit (see '${hint}')`);
  const v = parseOptions(rest, { data: { type: 'string' }, database: { type: 'string' } }, hint);
  const store = await openStore(required(v, 'data'), optional(v, 'database'));
  try {
    const r = await verifyAudit(store);
    if (r.ok) {
      result(out, `audit log intact: ${r.entries} entries, ${r.tokens} ledger rows\n`, {
        ok: true,
        entries: r.entries,
        tokens: r.tokens,
      });
      return EXIT.ok;
    }
    if (out.json) result(out, '', { ok: false, entries: r.entries, seq: r.seq, problem: r.problem });
    else out.fail(`audit log broken: ${r.problem}`);
    return EXIT.failed;
  } finally {
    await store.close();
  }
}
