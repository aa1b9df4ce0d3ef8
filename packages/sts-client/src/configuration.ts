// Configurations in the service: the upload bundle's files as the POST body, and the stored record.
// nectar-compat.md §2 (bundle files), §4 (POST/GET /v1/configurations); the vending key never comes back.

/** The bundle's files by name (as `sts-keygen bundle` writes them), text or bytes. */
export type BundleFiles = Readonly<Record<string, string | Uint8Array>>;

/** A configuration as the service describes it (no key material: a KCV and method at most). */
export interface Configuration {
  ref: string;
  name: string | undefined;
  userRef: string | undefined;
  activated: boolean;
  createdAt: Date | undefined;
  /** The whole record as the service sent it (snake_case), for fields beyond Nectar's. */
  record: Readonly<Record<string, unknown>>;
}

/** Which body field each bundle file goes in. The first three are Nectar's; the rest, the strong profile's. */
export const BUNDLE_FIELDS = {
  'encrypted_sts_config_with_iv_base64.txt': 'data',
  'encrypted_digest.txt': 'digest',
  'encrypted_symmetric.txt': 'key',
  'encrypted_mac.txt': 'mac',
  'profile.txt': 'profile',
} as const;
const REQUIRED = [
  'encrypted_sts_config_with_iv_base64.txt',
  'encrypted_digest.txt',
  'encrypted_symmetric.txt',
];

/**
 * The POST /v1/configurations body `{data, digest, key}` (+ `mac`, `profile` for the strong profile)
 * from the bundle's files. Other files of the folder (VERIFY.md) are left out; a missing one of the
 * three is named.
 */
export function uploadBody(bundle: BundleFiles): Record<string, string> {
  if (bundle === null || typeof bundle !== 'object')
    throw new TypeError('bundle must be an object of file contents');
  for (const name of REQUIRED) {
    if (!(name in bundle)) throw new TypeError(`bundle lacks ${name}`);
  }
  const body: Record<string, string> = {};
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const [name, field] of Object.entries(BUNDLE_FIELDS)) {
    const content = bundle[name];
    if (content === undefined) continue;
    if (typeof content === 'string') body[field] = content;
    else if (content instanceof Uint8Array) body[field] = decoder.decode(content);
    else throw new TypeError(`bundle file ${name} must be a string or a Uint8Array`);
  }
  return body;
}

/** A configuration record of an answer as a Configuration. */
export function configurationFromRecord(record: unknown): Configuration {
  if (
    typeof record !== 'object' ||
    record === null ||
    typeof (record as { ref?: unknown }).ref !== 'string'
  ) {
    throw new TypeError('configuration record lacks its ref');
  }
  const r = record as Record<string, unknown>;
  return {
    ref: r.ref as string,
    name: typeof r.name === 'string' ? r.name : undefined,
    userRef: typeof r.user_ref === 'string' ? r.user_ref : undefined,
    activated: r.activated === true,
    createdAt: dateOf(r.created_at),
    record: r,
  };
}

export function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
