-- The orchestrator's id_token signing keys: same columns and meaning as the token service's
-- signing_key table (see shared KeyRepository). private_key is AES-256-GCM(PKCS#8) under the
-- master key: 12-byte nonce followed by ciphertext, the kid bound as associated data.
CREATE TABLE IF NOT EXISTS orchestrator_signing_key (
    kid          text PRIMARY KEY,
    alg          text NOT NULL,
    public_jwk   text NOT NULL,
    private_key  bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    activates_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS orchestrator_signing_key_activates_at ON orchestrator_signing_key (activates_at);
