// A running service over a fresh data folder, with credentials of two tenants and a signer key.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configFromJson, formatStsConfig } from 'sts-config';
import { encodeBase64Lines, sealBundle } from 'sts-crypto';
import {
  type Credential,
  call,
  cli,
  createCredential,
  type Reply,
  rsaFiles,
  type Server,
  startServer,
  tempDir,
} from './helpers.ts';

export interface Fixture {
  dir: string;
  data: string;
  server: Server;
  a: Credential;
  b: Credential;
  service: { key: string; pub: string };
  signer: { key: string; pub: string; pubPem: string };
  cleanup(): Promise<void>;
}

export async function startFixture(): Promise<Fixture> {
  const t = tempDir();
  const data = path.join(t.dir, 'data');
  const service = rsaFiles(t.dir, 'service');
  const signer = rsaFiles(t.dir, 'signer');
  const init = await cli(['init', '--data', data, '--rsa-key', service.key]);
  if (init.code !== 0) throw new Error(init.stderr);
  const a = await createCredential(data, 'alice', ['--tenant', 'tenant-a']);
  const b = await createCredential(data, 'bob', ['--tenant', 'tenant-b']);
  const server = await startServer(data);
  for (const c of [a, b]) {
    const r = await call(server, c, 'POST', '/v1/public_keys', {
      name: 'ceremony',
      key: signer.pubPem,
      activated: true,
    });
    if (r.status !== 200) throw new Error(r.text);
  }
  return {
    dir: t.dir,
    data,
    server,
    a,
    b,
    service,
    signer,
    async cleanup() {
      await server.stop();
      t.cleanup();
    },
  };
}

/** The upload body of a config object (vector form), sealed for the service by sts-crypto's sealBundle. */
export function bundleBody(
  f: Pick<Fixture, 'signer' | 'service'>,
  config: Record<string, unknown>,
): Record<string, string> {
  const r = configFromJson(config);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const text = formatStsConfig(r.config);
  const parts = sealBundle({
    config: new TextEncoder().encode(text),
    signingKey: createPrivateKey(readFileSync(f.signer.key)),
    recipientKey: createPublicKey(readFileSync(f.service.pub)),
  });
  return {
    data: encodeBase64Lines(parts.data),
    digest: encodeBase64Lines(parts.digest),
    key: encodeBase64Lines(parts.symmetric),
  };
}

export async function upload(f: Fixture, cred: Credential, config: Record<string, unknown>): Promise<string> {
  const r = await call(f.server, cred, 'POST', '/v1/configurations', bundleBody(f, config));
  if (r.status !== 200) throw new Error(r.text);
  return (r.body.data!.data as { ref: string }).ref;
}

export interface TokenView {
  token_no: string;
  tid: number | null;
  ref: string;
  token_type: string;
  created_at: string;
}

export function tokensOf(r: Reply): TokenView[] {
  if (r.status !== 200) throw new Error(r.text);
  return r.body.data!.data as TokenView[];
}

/** A 2014 base-date configuration (TIDs for today). */
export const CONFIG_2014 = {
  name: 'today',
  key_expiry_no: 255,
  encryption_algorithm: 'sta',
  token_carrier_type: 'numeric',
  decoder_key_generation_algorithm: '02',
  tariff_index: '01',
  key_revision_no: 1,
  vending_key: 'abababababababab',
  supply_group_code: '123456',
  key_type: 2,
  base_date: 2014,
  issuer_identification_no: '600727',
};
