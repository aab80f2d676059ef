-- The registry is no longer imported into PostgreSQL: every instance serves the registry file it
-- reads (and re-reads when it changes), so a client removed from the file is gone everywhere and an
-- instance started with an older file cannot undo a newer one. The imported copies go.
DROP TABLE IF EXISTS registry_client;
DROP TABLE IF EXISTS registry_resource;
DROP TABLE IF EXISTS registry_trusted_issuer;
DROP TABLE IF EXISTS registry_upstream_idp;
