package dev.tokenservices.orchestrator.metadata;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.TestDns;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Names are judged by the addresses they resolve to, not by how public they look: a real DNS server
 * ({@link TestDns}) answers for an attacker's zone, and every name that resolves to loopback, a private
 * or link-local address (or to several addresses, one of them such) is refused before any connection.
 */
@QuarkusTest
@TestProfile(MetadataDocumentResolverTest.ResolvedByDns.class)
class MetadataDocumentResolverTest {

    public static class ResolvedByDns implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestWorld.class), new TestResourceEntry(TestDns.class));
        }
    }

    private static ServerSocket loopback;

    @BeforeAll
    static void listen() throws Exception {
        loopback = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    }

    @AfterAll
    static void close() throws Exception {
        loopback.close();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "loopback.cimd.test | 127.0.0.1 is a loopback address",
        "mixed.cimd.test | 127.0.0.1 is a loopback address",
        "intranet.cimd.test | 10.1.2.3 is a private (RFC 1918) address",
        "metadata.cimd.test | 169.254.169.254 is a link-local address",
        "six.cimd.test | is a loopback address",
        "mapped.cimd.test | 169.254.169.254 is a link-local address",
        "nowhere.cimd.test | does not resolve"})
    void aNameIsJudgedByTheAddressesItResolvesTo(String host, String reason) throws Exception {
        String html = MetadataDocumentAddressTest.refusedPage("https://" + host.trim() + ":" + loopback.getLocalPort() + "/client.json");
        assertTrue(html.contains(reason.trim()), html);
        assertTrue(html.contains("the host " + host.trim() + " "), html);
        loopback.setSoTimeout(50);
        assertThrows(SocketTimeoutException.class, () -> loopback.accept().close(), "the orchestrator connected");
    }
}
