-- Refresh tokens, stored only as SHA-256 of the token. Every use rotates: the used row is marked and
-- a new row joins the same family; presenting a used token again revokes the whole family.
CREATE TABLE IF NOT EXISTS refresh_token (
    token_hash  text PRIMARY KEY,
    family_id   text NOT NULL,
    client_id   text NOT NULL,
    subject     text NOT NULL,
    idp         text NOT NULL,
    claims      jsonb NOT NULL,
    scope       text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX IF NOT EXISTS refresh_token_family ON refresh_token (family_id);
CREATE INDEX IF NOT EXISTS refresh_token_expires_at ON refresh_token (expires_at);
