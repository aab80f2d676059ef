package dev.tokenservices.token.grant;

import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.core.client.RegisteredClient;
import io.smallrye.mutiny.Uni;
import java.util.Set;

/**
 * One grant type at the token endpoint. The endpoint has already authenticated the client and
 * checked that it may use this grant; the handler validates its own parameters and describes the
 * token, which {@code AccessTokenIssuer} signs.
 */
public interface GrantHandler {

    /** The {@code grant_type} value this handler serves. */
    String grantType();

    /** The request parameters this grant reads (beyond client authentication); others are ignored. */
    Set<String> parameters();

    Uni<TokenResponse> handle(FormRequest request, RegisteredClient client);
}
