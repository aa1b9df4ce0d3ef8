-- sts-service on PostgreSQL, schema version 1: the tables of the SQLite store, plus what several
-- instances share: a TID counter row per meter, the audit chain's head row, entry ids linking ledger rows.

CREATE TABLE credentials (
  key text PRIMARY KEY,
  tenant text NOT NULL,
  name text NOT NULL,
  permissions text NOT NULL,
  sealed_secret bytea NOT NULL,
  created_at text NOT NULL,
  revoked_at text
);

-- A nonce is single-use per credential while its Date is acceptable; expired rows are purged.
CREATE TABLE nonces (
  credential text NOT NULL,
  nonce text NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (credential, nonce)
);
CREATE INDEX nonces_expiry ON nonces (expires_at);

CREATE TABLE public_keys (
  tenant text NOT NULL,
  ref text NOT NULL,
  name text NOT NULL,
  pem text NOT NULL,
  fingerprint text NOT NULL,
  activated boolean NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (tenant, ref)
);

CREATE TABLE configurations (
  tenant text NOT NULL,
  ref text NOT NULL,
  profile text NOT NULL,
  summary text NOT NULL,
  sealed bytea NOT NULL,
  signer_ref text NOT NULL,
  activated boolean NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (tenant, ref)
);

-- The configuration a key change moved a meter to.
CREATE TABLE meters (
  tenant text NOT NULL,
  meter text NOT NULL,
  config_ref text NOT NULL,
  updated_at text NOT NULL,
  PRIMARY KEY (tenant, meter)
);

-- The last TID handed out per meter: one row lock per meter, held for one statement, hands every
-- instance a different TID (the unique constraint on tokens still has the last word).
CREATE TABLE meter_tids (
  tenant text NOT NULL,
  meter text NOT NULL,
  last_tid integer NOT NULL,
  PRIMARY KEY (tenant, meter)
);

-- The ledger. `entry` links the rows to the audit entry that covers them, `pos` is their order in it.
CREATE TABLE tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entry uuid NOT NULL,
  pos integer NOT NULL,
  ref text NOT NULL UNIQUE,
  tenant text NOT NULL,
  meter text NOT NULL,
  config_ref text NOT NULL,
  token_no text NOT NULL,
  token_type text NOT NULL,
  class integer NOT NULL,
  subclass integer NOT NULL,
  tid integer,
  value text,
  user_ref text NOT NULL,
  request_id text NOT NULL,
  created_at text NOT NULL,
  -- The rule of the ledger: a meter never gets two tokens with one TID (NULL TIDs are distinct).
  CONSTRAINT tokens_tid UNIQUE (tenant, meter, tid)
);
CREATE INDEX tokens_entry ON tokens (entry, pos);

CREATE TABLE idempotency (
  tenant text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status integer NOT NULL,
  body text NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (tenant, key)
);

CREATE TABLE audit (
  seq bigint PRIMARY KEY,
  entry uuid NOT NULL UNIQUE,
  at text NOT NULL,
  tenant text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text NOT NULL,
  detail text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);

-- The head of the chain, one row: every append updates it, so appends from every instance queue on
-- its row lock and the chain stays one chain.
CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (id, seq, prev_hash, hash) VALUES (1, 0, '', repeat('0', 64));
