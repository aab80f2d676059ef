package dev.tokenservices.orchestrator.session;

import java.util.List;

/**
 * A client's authorization request after validation (OIDC Core §3.1.2.1, RFC 7636): the client and
 * redirect URI are registered, PKCE is S256, and {@code scopes} are what the client may ask for.
 *
 * @param maxAge -1 when absent
 * @param claims the {@code claims} parameter (OIDC Core §5.5), {@link ClaimsRequest#NONE} when absent
 */
public record AuthorizationRequest(String clientId, String redirectUri, List<String> scopes, String state, String nonce,
        String codeChallenge, String prompt, String loginHint, long maxAge, String idpHint, ClaimsRequest claims) {

    public boolean promptNone() {
        return "none".equals(prompt);
    }

    public boolean promptLogin() {
        return prompt != null && List.of(prompt.split(" ")).contains("login");
    }
}
