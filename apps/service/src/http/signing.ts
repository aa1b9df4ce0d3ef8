// Nectar's request signature (nectar-compat §4), the contract sts-client's signing.ts implements.
// A stand-in until packages/sts-client lands: the service then imports these four from 'sts-client'.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Upper-case hex MD5 of the body (Nectar's Content-MD5; of '' for GET/DELETE). */
export function md5Hex(body: Uint8Array | string): string {
  return createHash('md5').update(body).digest('hex').toUpperCase();
}

function stringToSign(p: {
  method: string;
  path: string;
  contentMd5: string;
  contentType: string;
  date: string;
  nonce: string;
}): string {
  return `${p.method}${p.path}${p.contentMd5}${p.contentType}${p.date}${p.nonce}`;
}

/** The headers of a signed request. */
export async function signRequest(p: {
  method: string;
  path: string;
  body: Uint8Array | string;
  contentType: string;
  date: string;
  nonce: string;
  key: string;
  secret: string;
}): Promise<Record<string, string>> {
  const contentMd5 = md5Hex(p.body);
  const hex = createHmac('sha256', p.secret)
    .update(stringToSign({ ...p, contentMd5 }))
    .digest('hex');
  return {
    authorization: `nectar ${p.key}:${Buffer.from(hex).toString('base64')}`,
    'content-md5': contentMd5,
    'content-type': p.contentType,
    date: p.date,
    nonce: p.nonce,
  };
}

/** True when `signature` is the base64 of the request's HMAC hex, with or without leading zeros; constant time. */
export async function verifySignature(p: {
  method: string;
  path: string;
  contentMd5: string;
  contentType: string;
  date: string;
  nonce: string;
  secret: string;
  signature: string;
}): Promise<boolean> {
  const hex = createHmac('sha256', p.secret).update(stringToSign(p)).digest('hex');
  const given = Buffer.from(p.signature, 'base64').toString('latin1');
  let stripped = hex;
  while (stripped.length > 1 && stripped.startsWith('0')) stripped = stripped.slice(1);
  const full = Buffer.from(hex, 'latin1');
  const short = Buffer.from(stripped, 'latin1');
  const g = Buffer.alloc(64);
  g.write(given.slice(0, 64), 'latin1');
  const a = timingSafeEqual(g, full) && given.length === 64;
  const s = Buffer.alloc(64);
  short.copy(s);
  const b = timingSafeEqual(g, s) && given.length === short.length;
  return a || b;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ms of an HTTP date (with or without zone, UTC then) or a Java Date.toString(); undefined otherwise. */
export function parseRequestDate(text: string): number | undefined {
  let m = /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?: GMT| UTC)?$/.exec(text);
  if (m !== null) return utc(m[3]!, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{2}) (\d{2}):(\d{2}):(\d{2}) (UTC|GMT) (\d{4})$/.exec(text);
  if (m !== null) return utc(m[7]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!);
  return undefined;
}

function utc(y: string, mon: string, d: string, h: string, mi: string, s: string): number | undefined {
  const month = MONTHS.indexOf(mon);
  if (month < 0) return undefined;
  const ms = Date.UTC(+y, month, +d, +h, +mi, +s);
  return new Date(ms).getUTCDate() === +d ? ms : undefined;
}
