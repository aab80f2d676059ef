-- Refresh-token families keep their payload (subject, identity provider, identity claims, the
-- originally granted scope) on the family row, as the shared refresh-family model does in both
-- services; tokens keep only their hash, family, client and times. Existing families take the
-- payload of their latest token.
ALTER TABLE refresh_family ADD COLUMN IF NOT EXISTS payload text;
UPDATE refresh_family f SET payload = (
    SELECT json_build_object('subject', t.subject, 'idp', t.idp, 'claims', t.claims, 'scope', t.scope)::text
    FROM refresh_token t WHERE t.family_id = f.family_id ORDER BY t.created_at DESC LIMIT 1)
WHERE f.payload IS NULL;
ALTER TABLE refresh_token DROP COLUMN IF EXISTS subject, DROP COLUMN IF EXISTS idp, DROP COLUMN IF EXISTS claims,
    DROP COLUMN IF EXISTS scope, DROP COLUMN IF EXISTS revoked_at;
