package dev.tokenservices.token.subject;

import dev.tokenservices.shared.oauth.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.HashMap;
import java.util.Map;

/** The resolvers by token type; two resolvers claiming one type stop start-up. */
@ApplicationScoped
public class SubjectTokens {

    private final Map<String, SubjectTokenResolver> byType;

    public SubjectTokens(Instance<SubjectTokenResolver> resolvers) {
        Map<String, SubjectTokenResolver> map = new HashMap<>();
        for (SubjectTokenResolver resolver : resolvers) {
            for (String type : resolver.tokenTypes()) {
                if (map.putIfAbsent(type, resolver) != null) {
                    throw new IllegalStateException("token type " + type + " has two resolvers");
                }
            }
        }
        this.byType = Map.copyOf(map);
    }

    /**
     * @param parameter the parameter name the token came in, for the error description
     * @param clientId  the authenticated client presenting it
     */
    public Uni<Subject> resolve(String token, String tokenType, String parameter, String clientId) {
        SubjectTokenResolver resolver = byType.get(tokenType);
        if (resolver == null) {
            throw OAuthException.invalidRequest(parameter + "_type '" + clip(tokenType) + "' is not supported; use "
                    + TokenTypes.ID_TOKEN + ", " + TokenTypes.JWT + " or " + TokenTypes.ACCESS_TOKEN);
        }
        return Uni.createFrom().deferred(() -> resolver.resolve(token, tokenType, clientId))
                .onFailure(OAuthException.class).transform(e -> {
                    OAuthException o = (OAuthException) e;
                    return o.status() == 400
                            ? new OAuthException(o.error(), parameter + " is not acceptable: " + o.description(), 400)
                            : o;
                });
    }

    private static String clip(String value) {
        return value.length() > 80 ? value.substring(0, 80) : value;
    }
}
