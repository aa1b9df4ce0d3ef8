// sts-client: the typed SDK of the STS token service and the Nectar request signing it shares with it.
// nectar-compat.md §4 (REST API, auth scheme); the service imports signing and verifying from here.

// The idiomatic surface
export { type BatchItem, type BatchOptions, type BatchResult, batchLine } from './batch.ts';
export { type CallOptions, Configurations, PublicKeys, StsClient, Tokens } from './client.ts';
export { BUNDLE_FIELDS, type BundleFiles, type Configuration, uploadBody } from './configuration.ts';
export { type ClientErrorCode, isStsApiError, StsApiError } from './errors.ts';
// Nectar's Java-SDK surface
export { ConfigurationsFactory, Nectar, PublicKeysFactory, TokensFactory } from './nectar.ts';
export type { PublicKey } from './public-key.ts';
// Request signing, shared with sts-service
export { parseRequestDate } from './request-date.ts';
export {
  md5Hex,
  newNonce,
  parseAuthorization,
  type SignRequestParams,
  signRequest,
  type VerifySignatureParams,
  verifySignature,
} from './signing.ts';
export {
  nectarTokenBody,
  TOKEN_REQUEST_TYPES,
  type Token,
  type TokenRequest,
  tokenIdText,
} from './token-request.ts';
export type { ClientOptions } from './transport.ts';
