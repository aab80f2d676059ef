package dev.tokenservices.token.issuance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenservices.token.config.TokenServiceConfig;
import dev.tokenservices.token.keys.KeyManager;
import dev.tokenservices.shared.jose.SigningKey;
import jakarta.enterprise.context.ApplicationScoped;
import dev.tokenservices.shared.jose.JwsSigner;
import dev.tokenservices.shared.json.JsonText;
import java.time.Clock;
import java.util.Map;

/**
 * The one place access tokens are made: RFC 9068 JWTs ({@code typ: at+jwt}; iss, sub, aud, exp,
 * iat, jti, client_id, scope; {@code cnf.jkt} when bound to a DPoP key, RFC 9449 §6.1) signed with the
 * active key. Grants describe a token in a
 * {@link TokenContext}; they never sign anything themselves.
 *
 * <p>Assembled directly rather than through a JOSE library ({@link JwsSigner}): the claims are
 * written once, and signing is the whole cost of a token.
 */
@ApplicationScoped
public class AccessTokenIssuer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String issuer;
    private final KeyManager keys;
    private final Clock clock;
    private final JwsSigner signer = new JwsSigner();

    public AccessTokenIssuer(TokenServiceConfig config, KeyManager keys, Clock clock) {
        this.issuer = config.issuer();
        this.keys = keys;
        this.clock = clock;
    }

    public IssuedToken issue(TokenContext context) {
        long now = clock.millis() / 1000;
        long exp = now + context.lifetimeSeconds();
        String jti = signer.randomId();
        StringBuilder claims = new StringBuilder(320).append('{');
        JsonText.field(claims, "iss", issuer).append(',');
        JsonText.field(claims, "sub", context.subject()).append(',');
        JsonText.string(claims, "aud").append(':');
        if (context.audiences().size() == 1) {
            JsonText.string(claims, context.audiences().get(0));
        } else {
            claims.append('[');
            for (int i = 0; i < context.audiences().size(); i++) {
                JsonText.string(i == 0 ? claims : claims.append(','), context.audiences().get(i));
            }
            claims.append(']');
        }
        claims.append(",\"exp\":").append(exp).append(",\"iat\":").append(now).append(',');
        JsonText.field(claims, "jti", jti).append(',');
        JsonText.field(claims, "client_id", context.clientId());
        if (!context.scopes().isEmpty()) {
            JsonText.field(claims.append(','), "scope", context.scopeString());
        }
        for (Map.Entry<String, Object> extra : context.extraClaims().entrySet()) {
            JsonText.string(claims.append(','), extra.getKey()).append(':').append(toJson(extra.getValue()));
        }
        context.jkt().ifPresent(jkt -> JsonText.field(claims.append(",\"cnf\":{"), "jkt", jkt).append('}'));
        claims.append('}');
        SigningKey key = keys.signingKey();
        String token = signer.sign(key, key.accessTokenHeader(), claims.toString());
        return new IssuedToken(token, jti, exp, context.lifetimeSeconds(), context.scopeString(), context.jkt().isPresent());
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("claim value cannot be written as JSON", e);
        }
    }
}
