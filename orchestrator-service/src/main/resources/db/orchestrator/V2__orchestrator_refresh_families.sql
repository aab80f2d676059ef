-- The orchestrator's refresh-token families (the shared refresh-family model, same columns as the
-- token service's refresh_family/refresh_token). A token is usable only while its family row is
-- neither revoked nor past its absolute expiry (orchestrator.refresh-token-max-lifetime, fixed at
-- login). payload is the login behind the family, sealed (AES-256-GCM under the master key, the
-- family id bound): it holds the token service's refresh tokens. Tokens are stored only as SHA-256.
CREATE TABLE IF NOT EXISTS orchestrator_refresh_family (
    family_id   text PRIMARY KEY,
    client_id   text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    payload     text NOT NULL
);
CREATE INDEX IF NOT EXISTS orchestrator_refresh_family_expires_at ON orchestrator_refresh_family (expires_at);
CREATE TABLE IF NOT EXISTS orchestrator_refresh_token (
    token_hash  text PRIMARY KEY,
    family_id   text NOT NULL REFERENCES orchestrator_refresh_family (family_id),
    client_id   text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX IF NOT EXISTS orchestrator_refresh_token_family ON orchestrator_refresh_token (family_id);
CREATE INDEX IF NOT EXISTS orchestrator_refresh_token_expires_at ON orchestrator_refresh_token (expires_at);
