-- The registry as imported from the registry file: one row per entry, upserted by id.
-- Client secrets are never stored; the client document holds the SHA-256 of the secret.
CREATE TABLE IF NOT EXISTS registry_client (
    client_id   text PRIMARY KEY,
    document    jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS registry_resource (
    resource    text PRIMARY KEY,
    document    jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS registry_trusted_issuer (
    issuer      text PRIMARY KEY,
    document    jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS registry_upstream_idp (
    id          text PRIMARY KEY,
    document    jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Signing keys. A key signs from activates_at until the next key's activates_at; it is published
-- from created_at until its successor has been active for the longest token lifetime.
-- private_key is AES-256-GCM(PKCS#8) under the master key: 12-byte nonce followed by ciphertext.
CREATE TABLE IF NOT EXISTS signing_key (
    kid          text PRIMARY KEY,
    alg          text NOT NULL,
    public_jwk   text NOT NULL,
    private_key  bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    activates_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS signing_key_activates_at ON signing_key (activates_at);
