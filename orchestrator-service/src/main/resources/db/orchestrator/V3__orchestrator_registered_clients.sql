-- Clients registered at run time (RFC 7591 dynamic registration at /register), apart from the registry
-- file's entries. metadata is the registered client metadata as checked (JSON text). A client secret is
-- kept only as its SHA-256 (hex); public clients have none. integrity is an HMAC, under a key derived from
-- the master key, of the client_id, secret hash and metadata: a row written by anyone without the key
-- (a write to the database alone) is no client.
CREATE TABLE IF NOT EXISTS orchestrator_registered_client (
    client_id    text PRIMARY KEY,
    secret_hash  text,
    metadata     text NOT NULL,
    integrity    text NOT NULL,
    created_at   timestamptz NOT NULL
);
