package dev.tokenservices.portal.usercode;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.json.JsonNumber;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who is deciding, taken from the id_token of the portal's login: {@code sub}; the issuer that
 * vouched for it ({@code idp} when the orchestrator names the upstream IdP, else {@code iss}); and a
 * few identity claims the scope authorities may use. Never the token itself.
 */
public final class ApproverIdentity {

    /** The identity claims copied onto the device record. */
    public static final List<String> CLAIMS = List.of("email", "email_verified", "name", "given_name", "family_name",
            "preferred_username");

    private static final ObjectMapper JSON = new ObjectMapper();

    private ApproverIdentity() {
    }

    /** Empty when the token names no subject or issuer (then nobody can be recorded as approver). */
    public static Optional<Approval> of(JsonWebToken idToken) {
        String subject = idToken.getSubject();
        String idp = text(idToken.getClaim("idp")).filter(s -> !s.isBlank()).orElse(idToken.getIssuer());
        if (subject == null || subject.isBlank() || idp == null || idp.isBlank()) {
            return Optional.empty();
        }
        ObjectNode claims = JSON.createObjectNode();
        for (String name : CLAIMS) {
            Object value = idToken.getClaim(name);
            if (value instanceof Boolean b) {
                claims.put(name, b);
            } else if (value == JsonValue.TRUE || value == JsonValue.FALSE) {
                claims.put(name, value == JsonValue.TRUE);
            } else {
                text(value).ifPresent(text -> claims.put(name, text));
            }
        }
        return Optional.of(new Approval(subject, idp, claims.toString()));
    }

    /** How the consent page names the signed-in user. */
    public static String displayName(JsonWebToken idToken) {
        for (String name : List.of("name", "preferred_username", "email")) {
            Optional<String> value = text(idToken.getClaim(name)).filter(s -> !s.isBlank());
            if (value.isPresent()) {
                return value.get();
            }
        }
        return idToken.getSubject();
    }

    /** The signed-in user's e-mail address, when the login's id_token carries one. */
    public static Optional<String> email(JsonWebToken idToken) {
        return text(idToken.getClaim("email")).filter(s -> !s.isBlank());
    }

    private static Optional<String> text(Object value) {
        if (value instanceof String s) {
            return Optional.of(s);
        }
        if (value instanceof JsonString s) {
            return Optional.of(s.getString());
        }
        if (value instanceof JsonNumber || value instanceof Number) {
            return Optional.of(value.toString());
        }
        return Optional.empty();
    }
}
