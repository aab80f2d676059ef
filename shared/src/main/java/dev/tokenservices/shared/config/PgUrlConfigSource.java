package dev.tokenservices.shared.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Turns {@code PG_URL=postgresql://user[:password]@host:port/database} (the contract's single
 * variable) into Quarkus' datasource properties: the reactive URL that requests use and the JDBC URL
 * of the migrations. Without a user in the URL, the user is
 * {@code PGUSER} or the operating-system user, as for libpq. Only active when PG_URL is set.
 */
public class PgUrlConfigSource implements ConfigSource {

    private final Map<String, String> properties;

    public PgUrlConfigSource() {
        this(System.getenv("PG_URL"), System.getenv("PGUSER"));
    }

    public PgUrlConfigSource(String pgUrl, String pgUser) {
        this.properties = pgUrl == null || pgUrl.isBlank() ? Map.of() : parse(pgUrl.trim(), pgUser);
    }

    public static Map<String, String> parse(String pgUrl, String pgUser) {
        URI uri;
        try {
            uri = URI.create(pgUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PG_URL is not a URL of the form postgresql://user[:password]@host:port/database");
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("PG_URL must look like postgresql://user[:password]@host:port/database");
        }
        Map<String, String> out = new HashMap<>();
        String database = uri.getPath() == null || uri.getPath().length() <= 1 ? "tokenservices" : uri.getPath().substring(1);
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        String address = uri.getHost() + ":" + port + "/" + database;
        out.put("quarkus.datasource.reactive.url", "postgresql://" + address);
        // the JDBC pool only serves the schema migrations at start
        out.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + address);
        String user = pgUser != null ? pgUser : System.getProperty("user.name");
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            if (colon >= 0) {
                out.put("quarkus.datasource.password", decode(userInfo.substring(colon + 1)));
            }
        }
        out.put("quarkus.datasource.username", user);
        return Map.copyOf(out);
    }

    private static String decode(String value) {
        return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "PG_URL";
    }

    /** Above application.properties (250), below explicit system properties and QUARKUS_* variables. */
    @Override
    public int getOrdinal() {
        return 270;
    }
}
