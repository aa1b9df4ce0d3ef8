// sts-crypto: the STS ciphers, decoder-key derivations, CRC, KCV and the upload-bundle envelope.
// IEC 62055-41 clauses are named in each file; see docs/ARCHITECTURE.md for the conventions.

export type { PreparedBlockCipher } from './block-cipher.ts';
export {
  BUNDLE_DOES_NOT_VERIFY,
  BUNDLE_FILES,
  BUNDLE_KEY_BYTES,
  type BundleParts,
  type BundleProfile,
  BundleVerificationError,
  decodeBase64Text,
  encodeBase64Lines,
  type OpenOptions,
  openBundle,
  openWithKey,
  pkcs1Type1Encode,
  pkcs1Type2Unpad,
  recoverType1,
  type SealOptions,
  STRONG_PROFILE_LINE,
  sealBundle,
} from './bundle.ts';
export { bytesToHex, hexToBytes, wipe } from './bytes.ts';
export { crc16, crc16C, tokenCrcField } from './crc16.ts';
export {
  type DecoderKeyDeriver,
  type DecoderKeyParams,
  type Dkga,
  deriveDecoderKey,
  prepareDecoderKeyDerivation,
} from './decoder-key.ts';
export { desDecrypt, desEncrypt, prepareDesKey } from './des.ts';
export { type KcvMethod, kcv, kcvMethodForDecoderKey, kcvMethodForVendingKey } from './kcv.ts';
export type { BaseDate, EncryptionAlgorithm } from './key-attributes.ts';
export { luhnCheckDigit } from './luhn.ts';
export { misty1Decrypt, misty1Encrypt, prepareMisty1Key } from './misty1.ts';
export { controlBlock, meterPan, panBlock } from './pan.ts';
export {
  checkShareSet,
  type DecodeShareResult,
  decodeShare,
  encodeShare,
  formatShareProblem,
  SHARE_HEADER,
  Share,
  type ShareInfo,
  type ShareProblem,
} from './shares.ts';
export { prepareStaKey, type StaTables, staDecrypt, staEncrypt } from './sta.ts';
