package dev.tokenservices.shared.oauth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** RFC 6749 §2.3.1 client credentials in the Basic scheme: base64 of form-urlencoded id ':' form-urlencoded secret. */
public record BasicCredentials(String clientId, String secret) {

    /**
     * @param encoded what follows {@code Basic } in the Authorization header
     * @throws OAuthException {@code invalid_client} when it is not such credentials
     */
    public static BasicCredentials parse(String encoded) {
        try {
            String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw OAuthException.invalidClient("the Authorization header is not valid Basic credentials");
            }
            return new BasicCredentials(URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
                    URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw OAuthException.invalidClient("the Authorization header is not valid Basic credentials");
        }
    }

    /** The Authorization header value that {@link #parse} reads back: {@code Basic } and the encoded pair. */
    public String header() {
        String pair = FormRequest.encode(clientId) + ":" + FormRequest.encode(secret);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
}
