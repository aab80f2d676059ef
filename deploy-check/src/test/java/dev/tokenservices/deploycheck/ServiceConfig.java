package dev.tokenservices.deploycheck;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What a service's own configuration (application.properties, sources) says about it. */
final class ServiceConfig {

    /** Quarkus run-time settings the manifests set as environment variables (documented in deploy/README.md). */
    static final Set<String> QUARKUS_RUNTIME_ENV = Set.of(
            "QUARKUS_SHUTDOWN_TIMEOUT", "QUARKUS_REDIS_CLIENT_TYPE", "QUARKUS_REDIS_MASTER_NAME");

    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(:?)");

    final String module;
    final Properties properties = new Properties();
    private final String sources;

    ServiceConfig(String module) {
        this.module = module;
        Path file = Manifests.REPO.resolve(module).resolve("src/main/resources/application.properties");
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder text = new StringBuilder();
        for (String dir : List.of(module + "/src/main/java", "shared/src/main/java")) {
            try (Stream<Path> files = Files.walk(Manifests.REPO.resolve(dir))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    text.append(Files.readString(f)).append('\n');
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        sources = text.toString();
    }

    String get(String key) {
        String v = properties.getProperty(key);
        if (v == null) {
            throw new AssertionError(module + ": application.properties has no " + key);
        }
        return v.trim();
    }

    String getOr(String key, String dflt) {
        String v = properties.getProperty(key);
        return v == null ? dflt : v.trim();
    }

    /** The value with ${NAME:default} expressions replaced by their defaults. */
    static String withDefaults(String value) {
        String v = value;
        Pattern expr = Pattern.compile("\\$\\{[A-Za-z0-9_.-]+:([^${}]*)}");
        for (Matcher m = expr.matcher(v); m.find(); m = expr.matcher(v)) {
            v = v.substring(0, m.start()) + m.group(1) + v.substring(m.end());
        }
        return v;
    }

    int httpPort() {
        return Integer.parseInt(withDefaults(get("quarkus.http.port")));
    }

    /** The management interface's port (health, metrics), which must be enabled. */
    int managementPort() {
        if (!"true".equals(getOr("quarkus.management.enabled", "false"))) {
            throw new AssertionError(module + ": quarkus.management.enabled is not true: health and metrics would be on the public port");
        }
        return Integer.parseInt(withDefaults(get("quarkus.management.port")));
    }

    String image() {
        return get("quarkus.container-image.group") + "/"
                + getOr("quarkus.container-image.name", get("quarkus.application.name")) + ":"
                + get("quarkus.container-image.tag");
    }

    /** /q/health on the management port (or wherever its root path and health were moved). */
    String healthRoot() {
        return managementRoot() + "/" + strip(getOr("quarkus.smallrye-health.root-path", "health"));
    }

    String metricsPath() {
        return managementRoot() + "/" + strip(getOr("quarkus.micrometer.export.prometheus.path", "metrics"));
    }

    private String managementRoot() {
        return "/" + strip(getOr("quarkus.management.root-path", "q"));
    }

    private static String strip(String s) {
        return s.replaceAll("^/+|/+$", "");
    }

    private boolean profileKey(Object key) {
        return key.toString().startsWith("%");
    }

    /** Environment variables this service reads, as its configuration or sources say. */
    boolean knows(String env) {
        if (QUARKUS_RUNTIME_ENV.contains(env)) {
            return true;
        }
        for (String name : properties.stringPropertyNames()) {
            if (profileKey(name)) {
                continue;
            }
            if (name.replaceAll("[^A-Za-z0-9]", "_").toUpperCase().equals(env)) {
                return true; // the env form of a property (MicroProfile Config)
            }
        }
        if (referenced().contains(env)) {
            return true;
        }
        // read by the code: a config mapping documented with the name, System.getenv("NAME"), ...
        return Pattern.compile("\\b" + Pattern.quote(env) + "\\b").matcher(sources).find();
    }

    /** Every ${NAME} in the (non-profile) properties. */
    Set<String> referenced() {
        Set<String> names = new TreeSet<>();
        for (String key : properties.stringPropertyNames()) {
            if (!profileKey(key)) {
                Matcher m = ENV_REF.matcher(properties.getProperty(key));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    /** ${NAME} without a default in the (non-profile) properties: start-up fails without them. */
    Set<String> required() {
        Set<String> names = new HashSet<>();
        for (String key : properties.stringPropertyNames()) {
            if (!profileKey(key)) {
                Matcher m = ENV_REF.matcher(properties.getProperty(key));
                while (m.find()) {
                    if (m.group(2).isEmpty()) {
                        names.add(m.group(1));
                    }
                }
            }
        }
        return names;
    }
}
