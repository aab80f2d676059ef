package dev.tokenservices.orchestrator.registration;

import dev.tokenservices.core.client.RegisteredClient;
import dev.tokenservices.core.guard.DependencyGuard;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.metadata.ClientMetadata;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.crypto.RecordSeal;
import dev.tokenservices.shared.jose.KeyEncryption;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Clients registered at /register (RFC 7591), in PostgreSQL ({@code orchestrator_registered_client}),
 * apart from the registry file's entries. Their ids carry a prefix of their own, so that only those are
 * looked up here, and only while registration is on ({@code ORCHESTRATOR_REGISTRATION_TOKEN} set):
 * turning it off turns every registered client off. A secret is stored as its SHA-256 only; each row
 * carries an HMAC under the master key, and a row without a valid one is no client. What a client may
 * do is checked again at every lookup, under today's {@code ORCHESTRATOR_REGISTRATION_MAX_SCOPE}.
 */
@ApplicationScoped
public class RegisteredClients {

    private static final Logger LOG = Logger.getLogger(RegisteredClients.class);
    /** The ids handed out: this prefix and 128 random bits. */
    static final String PREFIX = "reg_";
    private static final Pattern ID = Pattern.compile("reg_[A-Za-z0-9_-]{22}");

    private final Pool pool;
    private final boolean enabled;
    private final Set<String> maxScope;
    private final RecordSeal seal;
    private final DependencyGuard guard;
    private final Clock clock;

    public RegisteredClients(Pool pool, OrchestratorConfig config, KeyEncryption masterKey, Clock clock) {
        this.pool = pool;
        this.enabled = config.registration().token().isPresent();
        this.maxScope = ClientMetadata.scopes(config.registration().maxScope());
        this.seal = masterKey.recordSeal("orchestrator registered clients");
        this.guard = new DependencyGuard("PostgreSQL", config.dependencyTimeout(), "the orchestrator cannot reach its database; try again later");
        this.clock = clock;
    }

    public boolean enabled() {
        return enabled;
    }

    public Set<String> maxScope() {
        return maxScope;
    }

    /** Whether an id is one of ours at all; no other id is looked up in the database. */
    public static boolean isRegisteredId(String clientId) {
        return ID.matcher(clientId).matches();
    }

    public Uni<Void> store(String clientId, String secretHash, ClientMetadata.Checked checked) {
        String metadata = Json.write(checked.registered());
        return guard.call(pool.preparedQuery("INSERT INTO orchestrator_registered_client (client_id, secret_hash, metadata, integrity, created_at) "
                        + "VALUES ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(clientId, secretHash, metadata, seal.mac(integrity(clientId, secretHash, metadata)),
                        OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))))
                .replaceWithVoid();
    }

    public Uni<Optional<RegisteredClient>> find(String clientId) {
        if (!enabled || !isRegisteredId(clientId)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return guard.call(pool.preparedQuery("SELECT secret_hash, metadata, integrity FROM orchestrator_registered_client WHERE client_id = $1")
                        .execute(Tuple.of(clientId)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    return client(clientId, rows.iterator().next());
                });
    }

    private Optional<RegisteredClient> client(String clientId, Row row) {
        String secretHash = row.getString("secret_hash");
        String metadata = row.getString("metadata");
        if (!seal.verify(integrity(clientId, secretHash, metadata), row.getString("integrity"))) {
            LOG.warnf("registered client %s: its row does not carry a valid integrity MAC (written without the master key); ignored", clientId);
            return Optional.empty();
        }
        ClientMetadata.Checked checked = ClientMetadata.check(ClientMetadata.parse(metadata, "stored metadata"),
                ClientMetadata.Origin.REGISTRATION, null, maxScope);
        return Optional.of(RegisteredClient.of(checked.entry(clientId, secretHash, null)));
    }

    /** What the MAC covers, each part length-prefixed so that no two rows share it. */
    private static String integrity(String clientId, String secretHash, String metadata) {
        String hash = secretHash == null ? "" : secretHash;
        return clientId.length() + ":" + clientId + "|" + hash.length() + ":" + hash + "|" + metadata;
    }
}
