// sts-config: read, check, normalise and write STS configuration files; check DRNs against them.
// Nectar's file format (nectar-compat §1) with stricter, cross-field rules; see README.md.

export {
  formatDiagnostic,
  type Position,
  type StsConfigCode,
  type StsConfigDiagnostic,
  type StsConfigTextDiagnostic,
} from './diagnostics.ts';
export { checkDrn, type DrnCheck, type DrnCheckCode } from './drn.ts';
export { FIELD_KEYS, type FieldKey } from './fields.ts';
export { formatStsConfig } from './format.ts';
export { configFromJson } from './json.ts';
export { type ParseOptions, parseStsConfig } from './parse.ts';
export { SecretBytes } from './secret.ts';
export type {
  BaseDate,
  EncryptionAlgorithm,
  IssuerIdentificationNo,
  KeyType,
  StsConfig,
  StsConfigResult,
  StsConfigTextResult,
  SupportedDkga,
} from './types.ts';
