package dev.tokenservices.token.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.Registry;
import dev.tokenservices.shared.registry.ResourceEntry;
import dev.tokenservices.shared.registry.TrustedIssuerEntry;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The registry in PostgreSQL, one JSON document per entry. Importing upserts by id; the database is
 * the source of truth that every instance loads into memory.
 */
@ApplicationScoped
public class RegistryRepository {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            // scopes keep their registry order, which is the order a token lists them in
            .registerModule(new com.fasterxml.jackson.databind.module.SimpleModule()
                    .addAbstractTypeMapping(java.util.Set.class, java.util.LinkedHashSet.class));

    private final Pool pool;

    public RegistryRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Void> importRegistry(Registry registry) {
        return pool.withTransaction(conn -> upsert(conn, "registry_client", "client_id", registry.clients(), ClientEntry::clientId)
                .chain(() -> upsert(conn, "registry_resource", "resource", registry.resources(), ResourceEntry::resource))
                .chain(() -> upsert(conn, "registry_trusted_issuer", "issuer", registry.trustedIssuers(), TrustedIssuerEntry::issuer))
                .chain(() -> upsert(conn, "registry_upstream_idp", "id",
                        registry.upstreamIdps().stream().map(UpstreamIdpEntry::withoutSecret).toList(), UpstreamIdpEntry::id)));
    }

    public Uni<Registry> load() {
        return select("registry_client", ClientEntry.class)
                .chain(clients -> select("registry_resource", ResourceEntry.class)
                        .chain(resources -> select("registry_trusted_issuer", TrustedIssuerEntry.class)
                                .chain(issuers -> select("registry_upstream_idp", UpstreamIdpEntry.class)
                                        .map(idps -> new Registry(clients, resources, issuers, idps)))));
    }

    private <T> Uni<Void> upsert(SqlConnection conn, String table, String idColumn, List<T> entries, Function<T, String> id) {
        if (entries.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> batch = new ArrayList<>();
        for (T entry : entries) {
            batch.add(Tuple.of(id.apply(entry), new io.vertx.core.json.JsonObject(toJson(entry))));
        }
        return conn.preparedQuery("INSERT INTO " + table + " (" + idColumn + ", document, updated_at) VALUES ($1, $2, now())"
                        + " ON CONFLICT (" + idColumn + ") DO UPDATE SET document = EXCLUDED.document, updated_at = now()")
                .executeBatch(batch)
                .replaceWithVoid();
    }

    private <T> Uni<List<T>> select(String table, Class<T> type) {
        return pool.query("SELECT document::text AS document FROM " + table).execute().map(rows -> {
            List<T> out = new ArrayList<>();
            for (Row row : rows) {
                try {
                    out.add(JSON.readValue(row.getString("document"), type));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("registry row in " + table + " cannot be read: " + e.getOriginalMessage());
                }
            }
            return out;
        });
    }

    private static String toJson(Object entry) {
        try {
            return JSON.writeValueAsString(entry);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
