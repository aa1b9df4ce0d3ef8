// Sealing at rest: AES-256-GCM under the service's master key, with what the secret belongs to as AAD.
// A sealed blob is version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16); moving it to another tenant or ref fails to open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
export const MASTER_KEY_BYTES = 32;

/** Seal `plain` under `masterKey` bound to `aad` (e.g. "config\0TENANT\0REF"). */
export function seal(masterKey: Uint8Array, plain: Uint8Array, aad: string): Uint8Array {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', masterKey, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const body = c.update(plain);
  const tail = c.final();
  const tag = c.getAuthTag();
  const out = new Uint8Array(1 + 12 + body.length + tail.length + 16);
  out[0] = VERSION;
  out.set(iv, 1);
  out.set(body, 13);
  out.set(tail, 13 + body.length);
  out.set(tag, 13 + body.length + tail.length);
  body.fill(0);
  return out;
}

/** Open a sealed blob; undefined when it was altered, sealed under another key or bound to other AAD. */
export function unseal(masterKey: Uint8Array, sealed: Uint8Array, aad: string): Uint8Array | undefined {
  if (sealed.length < 29 || sealed[0] !== VERSION) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', masterKey, sealed.subarray(1, 13));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    const body = d.update(sealed.subarray(13, sealed.length - 16));
    try {
      const tail = d.final();
      const out = new Uint8Array(body.length + tail.length);
      out.set(body);
      out.set(tail, body.length);
      return out;
    } finally {
      body.fill(0);
    }
  } catch {
    return undefined;
  }
}

/** The associated data of a sealed configuration and of a sealed API secret. */
export const configAad = (tenant: string, ref: string): string => `sts-service config v1\0${tenant}\0${ref}`;
export const secretAad = (key: string): string => `sts-service credential v1\0${key}`;
