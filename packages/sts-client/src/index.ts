// sts-client: the typed SDK of the STS token service and the Nectar request signing it shares with it.
// nectar-compat.md §4 (REST API, auth scheme); the service imports signing and verifying from here.
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
