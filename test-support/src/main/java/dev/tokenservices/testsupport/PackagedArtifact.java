package dev.tokenservices.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;

/**
 * Which build a {@code @QuarkusIntegrationTest} runs against: Quarkus records it in the module's
 * {@code target/quarkus-artifact.properties} ({@code type=native} after a {@code -Dnative} build, else
 * {@code jar}), and runs the ITs against that artifact. The ITs run with the module as working directory.
 */
public final class PackagedArtifact {

    private PackagedArtifact() {
    }

    /** Whether the ITs run against the native executable. */
    public static boolean isNative() {
        Path file = Path.of("target", "quarkus-artifact.properties");
        if (!Files.exists(file)) {
            throw new IllegalStateException(file.toAbsolutePath() + " is missing: Quarkus writes it when it packages the module");
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "native".equals(properties.getProperty("type"));
    }

    /**
     * The {@code ts_crypto_provider_info} line a packaged service publishes here: in a native executable
     * the JDK signs ({@code reason="native-image"}); on the JVM, on Linux x86_64 or arm64 (the CPUs the
     * Amazon Corretto Crypto Provider's library is built for), that provider signs ({@code reason="loaded"}).
     */
    public static String expectedCryptoProviderLabels() {
        if (isNative()) {
            return "provider=\"JDK\",reason=\"native-image\"";
        }
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (os.contains("linux") && (arch.equals("amd64") || arch.equals("aarch64"))) {
            return "provider=\"AmazonCorrettoCryptoProvider 2.5.0\",reason=\"loaded\"";
        }
        return "provider=\"JDK\",reason=\"unavailable\"";
    }

    /** The start-up log line of a packaged service (Quarkus keeps its output in target/quarkus.log). */
    public static String cryptoProviderLogLine() {
        Path log = Path.of("target", "quarkus.log");
        try {
            return Files.readAllLines(log).stream().filter(line -> line.contains("crypto provider: ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no 'crypto provider:' line in " + log.toAbsolutePath()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks that a packaged service's {@code /q/metrics} text and its start-up log line name the
     * provider that signs in this build ({@link #expectedCryptoProviderLabels()}).
     */
    public static void assertSignsWithExpectedProvider(String metrics) {
        String info = metrics.lines().filter(line -> line.startsWith("ts_crypto_provider_info{")).findFirst()
                .orElseThrow(() -> new AssertionError("ts_crypto_provider_info is not published"));
        if (!info.contains(expectedCryptoProviderLabels()) || !info.endsWith(" 1.0")) {
            throw new AssertionError("expected " + expectedCryptoProviderLabels() + ", published " + info);
        }
        String logged = cryptoProviderLogLine();
        String expected = isNative() ? "crypto provider: JDK providers (the native provider is not used: a native executable"
                : info.contains("reason=\"loaded\"") ? "(native AWS-LC) is the first JCA provider" : "JDK providers";
        if (!logged.contains(expected)) {
            throw new AssertionError("expected the start-up line to say '" + expected + "': " + logged);
        }
    }
}
