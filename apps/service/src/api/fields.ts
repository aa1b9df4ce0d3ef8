// Reading request fields: one message per wrong field, naming it (400 invalid-field / missing-field).
import { ApiError } from '../http/envelope.ts';

export function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function str(r: Record<string, unknown>, name: string, maxLength = 200): string {
  const v = r[name];
  if (v === undefined || v === null) throw new ApiError(400, 'missing-field', `${name} is required`);
  if (typeof v !== 'string')
    throw new ApiError(400, 'invalid-field', `${name} must be a string, got ${kind(v)}`);
  if (v.length > maxLength)
    throw new ApiError(400, 'invalid-field', `${name} is longer than ${maxLength} characters`);
  return v;
}

export function optBool(r: Record<string, unknown>, name: string): boolean | undefined {
  const v = r[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new ApiError(400, 'invalid-field', `${name} must be true or false, got ${kind(v)}`);
}

/** Like optBool, and 0 or 1 too: Nectar's Java SDK sends some flags (`ro`) as a JSON number. */
export function optBoolOrBit(r: Record<string, unknown>, name: string): boolean | undefined {
  const v = r[name];
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'number')
    throw new ApiError(400, 'invalid-field', `${name} must be true, false, 0 or 1, got ${v}`);
  if (v === undefined || v === null || typeof v === 'boolean' || v === 'true' || v === 'false')
    return optBool(r, name);
  throw new ApiError(400, 'invalid-field', `${name} must be true, false, 0 or 1, got ${kind(v)}`);
}

export function onlyFields(r: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(r))
    if (!allowed.includes(k))
      throw new ApiError(400, 'unknown-field', `unknown field ${JSON.stringify(k.slice(0, 40))} in ${what}`);
}

/** `ref` of the query string, required. */
export function queryRef(q: URLSearchParams): string {
  const ref = q.get('ref');
  if (ref === null || ref === '')
    throw new ApiError(400, 'missing-field', 'the query parameter ref is required');
  if (ref.length > 100) throw new ApiError(400, 'invalid-field', 'ref is longer than 100 characters');
  return ref;
}

export function notFound(what: string, ref: string): ApiError {
  return new ApiError(404, 'not-found', `no ${what} ${JSON.stringify(ref)}`);
}
