// GET /openapi.json: the API described by hand in OpenAPI 3.1; a test checks it against real responses.
// Paths, fields and the envelope follow Nectar's (nectar-compat §4); status codes are real.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const envelope = (data: unknown) => ({
  type: 'object',
  required: ['status', 'data'],
  properties: { status: ref('Status'), data: { type: 'object', required: ['data'], properties: { data } } },
});
const ok = (data: unknown, description = 'OK') => ({
  description,
  content: { 'application/json': { schema: envelope(data) } },
});
const errors = Object.fromEntries(
  ['400', '401', '403', '404', '409', '413', '422', '500'].map((s) => [
    s,
    { description: 'error', content: { 'application/json': { schema: ref('Error') } } },
  ]),
);
const refQuery = { name: 'ref', in: 'query', required: true, schema: { type: 'string' } };
const signed = [{ nectar: [] }];
const body = (schema: unknown) => ({ required: true, content: { 'application/json': { schema } } });

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'sts-service',
    version: '0.1.0',
    description:
      "STS token service with Nectar's REST API: bundles in, tokens out. Every /v1 request but /v1/service_key is signed: Authorization: nectar KEY:SIG, Content-MD5, Content-Type, Date, nonce.",
  },
  components: {
    securitySchemes: { nectar: { type: 'apiKey', in: 'header', name: 'Authorization' } },
    schemas: {
      Status: {
        type: 'object',
        required: ['code', 'message', 'request_id'],
        properties: {
          code: { type: 'integer' },
          message: { type: 'string' },
          request_id: { type: 'string' },
        },
      },
      Error: {
        type: 'object',
        required: ['status', 'error'],
        properties: {
          status: ref('Status'),
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              details: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
      PublicKey: {
        type: 'object',
        required: ['ref', 'name', 'key', 'fingerprint', 'activated', 'created_at'],
        properties: {
          ref: { type: 'string' },
          name: { type: 'string' },
          key: { type: 'string' },
          fingerprint: { type: 'string' },
          activated: { type: 'boolean' },
          created_at: { type: 'string', format: 'date-time' },
        },
      },
      Configuration: {
        type: 'object',
        required: [
          'ref',
          'name',
          'activated',
          'profile',
          'signer_ref',
          'vending_key_kcv',
          'vending_key_kcv_method',
          'created_at',
        ],
        properties: {
          ref: { type: 'string' },
          name: { type: 'string' },
          activated: { type: 'boolean' },
          profile: { enum: ['nectar', 'strong'] },
          signer_ref: { type: 'string' },
          vending_key_kcv: { type: 'string' },
          vending_key_kcv_method: { type: 'string' },
          created_at: { type: 'string', format: 'date-time' },
          key_expiry_no: { type: 'integer' },
          encryption_algorithm: { type: 'string' },
          token_carrier_type: { type: 'string' },
          decoder_key_generation_algorithm: { type: 'string' },
          tariff_index: { type: 'string' },
          key_revision_no: { type: 'integer' },
          supply_group_code: { type: 'string' },
          key_type: { type: 'integer' },
          base_date: { type: 'integer' },
          issuer_identification_no: { type: 'string' },
          vending_key_bits: { type: 'integer' },
        },
      },
      Token: {
        type: 'object',
        required: [
          'ref',
          'token_no',
          'user_ref',
          'token_type',
          'meter_no',
          'created_at',
          'class',
          'subclass',
          'tid',
        ],
        properties: {
          ref: { type: 'string' },
          token_no: { type: 'string', pattern: '^[0-9]{20}$' },
          user_ref: { type: 'string' },
          token_type: { type: 'string' },
          meter_no: { type: 'string' },
          created_at: { type: 'string', format: 'date-time' },
          class: { type: 'string' },
          subclass: { type: 'string' },
          tid: { type: ['integer', 'null'] },
          config_ref: { type: 'string' },
          value: { type: ['string', 'null'] },
        },
      },
      TokenRequest: {
        type: 'object',
        required: ['class', 'subclass', 'decoder_reference_number', 'config_ref'],
        additionalProperties: false,
        properties: {
          class: { type: 'string' },
          subclass: { type: 'string' },
          type: { const: 'native' },
          token_id: {
            type: 'string',
            description: 'yyyy-MM-ddTHH:mm, UTC unless a zone is given; absent: next free minute',
          },
          random_no: { type: 'integer', minimum: 0, maximum: 15 },
          is_stid: { type: 'boolean' },
          debug: { type: 'boolean' },
          decoder_reference_number: { type: 'string' },
          config_ref: { type: 'string' },
          amount: { type: 'number' },
          control: {
            type: ['integer', 'string'],
            description: 'a number, or decimal digits in a string (Java SDK)',
          },
          manufacturer_code: {
            type: ['string', 'integer'],
            description:
              '"00" (class 1 subclass 0) or "0000" (subclass 1); a number is zero-padded (Java SDK)',
          },
          maximum_power_limit: { type: 'integer' },
          register: { type: 'integer' },
          tariff_rate: { type: 'integer' },
          pad: { type: 'integer' },
          mppul: { type: 'integer' },
          wm_factor: { type: 'integer' },
          new_config_ref: { type: 'string' },
          ro: { type: ['boolean', 'integer'], description: 'true/false, or 1/0 (Java SDK)' },
        },
      },
    },
  },
  paths: {
    '/healthz': { get: { responses: { '200': ok({ type: 'object' }) } } },
    '/v1/service_key': {
      get: {
        summary: "The service's bundle-receiving RSA public key (PEM) and its SHA-256 fingerprint",
        responses: { '200': ok({ type: 'object', required: ['key', 'fingerprint'] }) },
      },
    },
    '/v1/public_keys': {
      post: {
        security: signed,
        requestBody: body({
          type: 'object',
          required: ['name', 'key'],
          properties: { name: { type: 'string' }, key: { type: 'string' }, activated: { type: 'boolean' } },
        }),
        responses: { '200': ok(ref('PublicKey')), ...errors },
      },
      get: {
        security: signed,
        parameters: [
          { name: 'activated', in: 'query', schema: { type: 'boolean' } },
          { name: 'ref', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': ok({ oneOf: [{ type: 'array', items: ref('PublicKey') }, ref('PublicKey')] }),
          ...errors,
        },
      },
      put: {
        security: signed,
        parameters: [refQuery],
        responses: { '200': ok(ref('PublicKey')), ...errors },
      },
      delete: {
        security: signed,
        parameters: [refQuery],
        responses: { '200': ok(ref('PublicKey')), ...errors },
      },
    },
    '/v1/configurations': {
      post: {
        security: signed,
        requestBody: body({
          type: 'object',
          required: ['data', 'digest', 'key'],
          properties: {
            data: { type: 'string' },
            digest: { type: 'string' },
            key: { type: 'string' },
            mac: { type: 'string' },
            profile: { type: 'string' },
          },
        }),
        responses: { '200': ok(ref('Configuration')), ...errors },
      },
      get: {
        security: signed,
        summary: "A configuration by ref; without ref, the tenant's configurations (not detailed)",
        parameters: [
          { name: 'ref', in: 'query', schema: { type: 'string' } },
          { name: 'detailed', in: 'query', schema: { type: 'boolean' } },
        ],
        responses: {
          '200': ok({ oneOf: [ref('Configuration'), { type: 'array', items: ref('Configuration') }] }),
          ...errors,
        },
      },
      put: {
        security: signed,
        parameters: [refQuery],
        responses: { '200': ok(ref('Configuration')), ...errors },
      },
      delete: {
        security: signed,
        parameters: [refQuery],
        responses: { '200': ok(ref('Configuration')), ...errors },
      },
    },
    '/v1/tokens': {
      post: {
        security: signed,
        parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } }],
        requestBody: body(ref('TokenRequest')),
        responses: { '200': ok({ type: 'array', items: ref('Token') }), ...errors },
      },
      get: {
        security: signed,
        summary: "A token by ref; with meter instead, that meter's last tokens in the ledger, newest first",
        parameters: [
          { name: 'ref', in: 'query', schema: { type: 'string' } },
          { name: 'meter', in: 'query', schema: { type: 'string', pattern: '^[0-9]{1,20}$' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 20 } },
        ],
        responses: {
          '200': ok({ oneOf: [ref('Token'), { type: 'array', items: ref('Token') }] }),
          ...errors,
        },
      },
    },
    '/v1/tokens/{token_no}': {
      post: {
        security: signed,
        parameters: [{ name: 'token_no', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: body({
          type: 'object',
          required: ['decoder_reference_number', 'config_ref'],
          properties: {
            decoder_reference_number: { type: 'string' },
            config_ref: { type: 'string' },
            debug: { type: 'boolean' },
          },
        }),
        responses: {
          '200': ok({ type: 'object', required: ['token_no', 'class', 'subclass', 'type'] }),
          ...errors,
        },
      },
    },
    '/v1/tokens/batch': {
      post: {
        security: signed,
        summary: "JSON Lines in and out: sts-vend's batch requests with config_ref instead of config",
        requestBody: { required: true, content: { 'application/x-ndjson': { schema: { type: 'string' } } } },
        responses: {
          '200': {
            description: 'one JSON line per request line, in order',
            content: { 'application/x-ndjson': { schema: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
  },
} as const;
