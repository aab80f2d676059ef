-- Refresh-token families. A token is usable only while its family row is neither revoked nor past
-- its absolute expiry, so revoking a family is one row and a token that a rotation still in flight
-- inserts after the revocation is dead whatever the timing. expires_at is fixed when the user logs
-- in (ts.refresh.max-lifetime) and never slides: rotations cannot keep a family alive for ever.
CREATE TABLE IF NOT EXISTS refresh_family (
    family_id   text PRIMARY KEY,
    client_id   text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX IF NOT EXISTS refresh_family_expires_at ON refresh_family (expires_at);
-- Families of tokens issued before this table existed: their first token's time plus the default
-- absolute lifetime (90 days); a family with any revoked token is revoked as a whole.
INSERT INTO refresh_family (family_id, client_id, created_at, expires_at, revoked_at)
SELECT family_id, min(client_id), min(created_at), min(created_at) + interval '90 days', max(revoked_at)
FROM refresh_token GROUP BY family_id
ON CONFLICT (family_id) DO NOTHING;
