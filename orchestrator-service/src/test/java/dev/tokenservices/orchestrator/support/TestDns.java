package dev.tokenservices.orchestrator.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.util.List;
import java.util.Map;

/**
 * A real DNS server (UDP, RFC 1035) on the loopback interface that answers A and AAAA queries for a few
 * names, the way an attacker's zone would: public-looking names that resolve to loopback, private or
 * link-local addresses. Unknown names are NXDOMAIN. The orchestrator under test resolves client
 * metadata hosts here ({@code orchestrator.cimd.dns-server}).
 */
public class TestDns implements QuarkusTestResourceLifecycleManager {

    /** name → addresses (IPv4 and IPv6 literals). */
    public static final Map<String, List<String>> ZONE = Map.of(
            "loopback.cimd.test", List.of("127.0.0.1"),
            "intranet.cimd.test", List.of("10.1.2.3"),
            "metadata.cimd.test", List.of("169.254.169.254"),
            "mixed.cimd.test", List.of("93.184.216.34", "127.0.0.1"),
            "six.cimd.test", List.of("::1"),
            "mapped.cimd.test", List.of("::ffff:a9fe:a9fe"));

    private static DatagramSocket socket;

    @Override
    public synchronized Map<String, String> start() {
        try {
            if (socket == null) {
                socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
                Thread server = new Thread(TestDns::serve, "test-dns");
                server.setDaemon(true);
                server.start();
            }
            return Map.of("orchestrator.cimd.dns-server", "127.0.0.1:" + socket.getLocalPort());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        // kept for the next Quarkus start of this test run
    }

    private static void serve() {
        byte[] buffer = new byte[512];
        while (true) {
            try {
                DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                socket.receive(query);
                byte[] answer = answer(buffer, query.getLength());
                socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
            } catch (SocketException closed) {
                return;
            } catch (Exception e) {
                // a query we cannot read goes unanswered, as with any resolver
            }
        }
    }

    private static byte[] answer(byte[] q, int length) throws Exception {
        int at = 12;
        StringBuilder name = new StringBuilder();
        while (q[at] != 0) {
            int label = q[at] & 0xff;
            name.append(name.length() == 0 ? "" : ".").append(new String(q, at + 1, label, java.nio.charset.StandardCharsets.US_ASCII));
            at += label + 1;
        }
        at++;
        int type = ((q[at] & 0xff) << 8) | (q[at + 1] & 0xff);
        int questionEnd = at + 4;
        List<String> known = ZONE.get(name.toString().toLowerCase(java.util.Locale.ROOT));
        List<byte[]> records = new java.util.ArrayList<>();
        if (known != null) {
            for (String address : known) {
                byte[] bytes = InetAddress.getByName(address).getAddress();
                if (address.contains(":") && bytes.length == 4) {
                    // Java reads ::ffff:a.b.c.d as IPv4; the zone means the 16-byte IPv6 form
                    byte[] mapped = new byte[16];
                    mapped[10] = (byte) 0xff;
                    mapped[11] = (byte) 0xff;
                    System.arraycopy(bytes, 0, mapped, 12, 4);
                    bytes = mapped;
                }
                if ((type == 1 && bytes.length == 4) || (type == 28 && bytes.length == 16)) {
                    records.add(bytes);
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(q, 0, 2);
        out.write(0x84 | (q[2] & 0x01)); // QR, AA, RD as asked
        out.write(known == null ? 0x83 : 0x80); // RA; NXDOMAIN for unknown names
        out.write(new byte[] {0, 1, 0, (byte) records.size(), 0, 0, 0, 0});
        out.write(q, 12, questionEnd - 12);
        for (byte[] record : records) {
            out.write(new byte[] {(byte) 0xc0, 12, 0, (byte) type, 0, 1, 0, 0, 0, 30, 0, (byte) record.length});
            out.write(record);
        }
        return out.toByteArray();
    }
}
