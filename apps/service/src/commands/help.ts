// The help texts of sts-service and its commands.

export const MAIN_HELP = `sts-service: the STS token service (a virtual HSM): upload bundles in, tokens out over Nectar's REST API

usage: sts-service COMMAND [options]

commands:
  init --data DIR [--rsa-key FILE]          make a data folder: master key, service RSA key pair, database
  credentials create --data DIR --name NAME [--tenant T] [--permissions LIST]
  credentials list --data DIR               API keys (never their secrets)
  credentials revoke --data DIR --key KEY
  configs import --data DIR --tenant T --bundle BUNDLE_DIR --signer PUB
  serve --data DIR [--host 127.0.0.1] [--port 8080]
  audit verify --data DIR                   check the audit log's hash chain and the ledger it covers
  migrate --database URL                    apply the PostgreSQL schema migrations this release needs

every command takes --json (one JSON object on stdout) and --help. Every command that uses the store
takes --database postgres://USER@HOST:PORT/DB to use PostgreSQL (several instances on one database);
without it the store is DIR/service.db (SQLite). With --database, DIR holds only the key files.
exit codes: 0 ok, 1 a check failed (audit verify), 2 usage or bad input, 3 cannot write / data folder exists /
database unreachable or its schema version is not this release's, 70 internal error
`;

export const INIT_HELP = `usage: sts-service init --data DIR [--rsa-key FILE] [--json]

Makes DIR (mode 0700; it must not exist) with master.key (32 random bytes, 0600), service.key and
service.pub (a new RSA-4096 pair, or the PEM private key FILE made by 'sts-keygen rsa'), and service.db.
Prints the path of service.pub and its SHA-256 fingerprint: give both to whoever builds bundles.
With --database postgres://USER@HOST:PORT/DB: no service.db; the database is migrated instead (it
must be reachable before anything is written). Copy DIR (master.key, service.key, service.pub) to
every instance.
`;

export const CREDENTIALS_HELP = `usage: sts-service credentials create --data DIR --name NAME [--tenant T] [--permissions LIST] [--json]
       sts-service credentials list --data DIR [--json]
       sts-service credentials revoke --data DIR --key KEY [--json]

create prints a new API key and its secret once (--json: {"key","secret","tenant"}); the secret is
stored sealed under the master key. --tenant defaults to "default". --permissions is a comma list of
generate_token, get_token, decode_token, create_configurations, get_configurations,
activate_configurations, deactivate_configurations, create_public_keys, get_public_keys (default: all).
`;

export const CONFIGS_HELP = `usage: sts-service configs import --data DIR --tenant T --bundle BUNDLE_DIR --signer PUB [--json]

The offline path of a key ceremony: opens the bundle made by 'sts-keygen bundle' for this service's
service.pub, checks its digest with the signer's public key PUB, reads the configuration with
sts-config's rules and stores it sealed. Same checks as POST /v1/configurations. Prints its ref.
`;

export const SERVE_HELP = `usage: sts-service serve --data DIR [--host 127.0.0.1] [--port 8080] [--json]

Serves the REST API. --port 0 picks a free port. The first line on stdout is
"listening on http://HOST:PORT" (--json: {"url":"http://HOST:PORT"}). Binds loopback by default and
warns when told to bind elsewhere (put TLS in front of it). SIGTERM or SIGINT: stops accepting,
answers the requests in flight, wipes the keys and exits 0.
--database postgres://USER@HOST:PORT/DB: serve from PostgreSQL (any number of instances on one
database, each with a copy of DIR's key files); at most 10 connections per instance; while the
database is unreachable requests get 503 database-unavailable with Retry-After: 2, and the service
recovers by itself when it is back.
`;

export const AUDIT_HELP = `usage: sts-service audit verify --data DIR [--json]

Walks the audit log: each entry's hash over the one before it, no gap, and the ledger rows each
token entry covers. Exit 0 when untouched; exit 1 naming the first broken entry.
`;

export const MIGRATE_HELP = `usage: sts-service migrate --database postgres://USER@HOST:PORT/DB [--json]

Applies the schema migrations the database has not had yet, in order, in one transaction (two
runs at once take turns). 'serve' and the other commands refuse a database whose schema version is
older or newer than this release's (exit 3, one line). The password may be in the URL or in PGPASSWORD.
`;
