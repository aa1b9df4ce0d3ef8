// Key change token sets (class 2 sub 3, 4, 8, 9; sts-reference §3, §11): 2 tokens for a 64-bit new key,
// 4 for a 128-bit (MISTY1) one, all encrypted under the CURRENT key, no TID.
import type { PreparedDecoderKey, StsConfigLike } from './key.ts';
import type { AssembledKeyChange, DecodedKeyChange, EncodedToken, KeyChangeParams } from './types.ts';

/**
 * The key-change tokens that move a meter from `oldKey` to `params.newDecoderKey`:
 * [1st, 2nd] for an 8-byte key, [1st, 2nd, 3rd, 4th] for a 16-byte key.
 */
export function encodeKeyChange(_oldKey: PreparedDecoderKey, _params: KeyChangeParams): string[] {
  throw new Error('in progress');
}

/** Like encodeKeyChange, with type, Nectar name, class and subclass of each token (tid null). */
export function encodeKeyChangeDetailed(
  _oldKey: PreparedDecoderKey,
  _params: KeyChangeParams,
): EncodedToken[] {
  throw new Error('in progress');
}

/**
 * The key-change set for meter `drn` from `config` (current key) to `newConfig` (both derived with sts-crypto).
 * Throws TokenError `invalid-drn` / `invalid-config` / `invalid-key-change`.
 */
export function keyChangeFromConfigs(
  _config: StsConfigLike,
  _drn: string,
  _newConfig: StsConfigLike,
  _rollover?: boolean,
): EncodedToken[] {
  throw new Error('in progress');
}

/**
 * Put decoded sections back together (meter side). Needs sections 1 and 2 (and 3 and 4 for 128-bit keys),
 * in any order; returns null when the set is incomplete or a section repeats.
 */
export function assembleKeyChange(_sections: readonly DecodedKeyChange[]): AssembledKeyChange | null {
  throw new Error('in progress');
}
