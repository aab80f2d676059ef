package dev.tokenservices.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written byte for byte on a socket, for requests no client library sends as given (a
 * broken {@code %} escape, a request line of 60 KiB, no {@code Host}, a lying {@code Content-Length}):
 * RestAssured and java.net.http re-encode or refuse them. Characters are sent as ISO-8859-1 bytes.
 */
public final class RawHttp {

    /** One response; {@code status} is -1 when the server closed the connection without answering. */
    public record Answer(int status, Map<String, String> headers, String body) {

        /** A header's value (names are case-insensitive), or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + (body.length() > 300 ? body.substring(0, 300) + "…" : body);
        }
    }

    private final String host;
    private final int port;

    /** @param base the server's URL, e.g. Quarkus' {@code @TestHTTPResource("/")} */
    public RawHttp(URL base) {
        this.host = base.getHost();
        this.port = base.getPort();
    }

    /** {@code GET target} with a {@code Host} header and {@code extraHeaders} (each ending in CRLF). */
    public Answer get(String target, String extraHeaders) throws IOException {
        return send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extraHeaders + "Connection: close\r\n\r\n");
    }

    /** {@code method target} with no body. */
    public Answer request(String method, String target) throws IOException {
        return send(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }

    /** A form POST whose {@code Content-Length} is the body's. */
    public Answer postForm(String target, String body) throws IOException {
        return send("POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
    }

    /** Sends the text as is and reads the first response (the request should ask for {@code Connection: close}). */
    public Answer send(String request) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return read(socket.getInputStream(), request.startsWith("HEAD "));
        }
    }

    private static Answer read(InputStream in, boolean head) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            return new Answer(-1, Map.of(), "");
        }
        int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        if (head || status == 204 || status == 304) {
            return new Answer(status, headers, "");
        }
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0;
                    size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                chunks.write(in.readNBytes(size));
                line(in);
            }
            body = chunks.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    /** A line without its CRLF, or null at the end of the stream before any byte. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return b < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
