package dev.tokenservices.orchestrator.session;

import dev.tokenservices.orchestrator.logout.IdTokenHints;
import java.util.List;

/**
 * A client's authorization request after validation (OIDC Core §3.1.2.1, RFC 7636): the client and
 * redirect URI are registered, and {@code scopes} are what the client may ask for. Whether the code
 * is protected as the client must (PKCE S256, or {@code nonce} for a client registered with
 * {@code require_pkce: false}) is checked after {@code prompt} (see {@code AuthorizationRequests}).
 *
 * @param codeChallenge       the PKCE challenge, or null
 * @param codeChallengeMethod as sent, or null
 * @param maxAge              -1 when absent
 * @param acrValues           passed upstream (OIDC Core §3.1.2.1), or null
 * @param uiLocales           passed upstream, or null
 * @param display             passed upstream, or null
 * @param idTokenHint         who an {@code id_token_hint} of ours names, or null; never sent upstream
 * @param claims              the {@code claims} parameter (OIDC Core §5.5), {@link ClaimsRequest#NONE} when absent
 * @param dpopJkt             the JWK SHA-256 thumbprint the code is bound to (RFC 9449 §10: {@code dpop_jkt}, or the
 *                            key of the DPoP proof sent to /par), or null
 * @param resources           the APIs the request named ({@code resource}, RFC 8707), each once; none when it named none
 */
public record AuthorizationRequest(String clientId, String redirectUri, List<String> scopes, String state, String nonce,
        String codeChallenge, String prompt, String loginHint, long maxAge, String idpHint, String codeChallengeMethod,
        String acrValues, String uiLocales, String display, IdTokenHints.Hint idTokenHint, ClaimsRequest claims, String dpopJkt,
        List<String> resources) {

    public AuthorizationRequest {
        // requests stored before resources were kept read with none
        resources = resources == null ? List.of() : List.copyOf(resources);
    }

    public boolean promptNone() {
        return "none".equals(prompt);
    }

    /**
     * prompt=login, consent or select_account: the user must interact, which only the upstream IdP
     * can offer, so the SSO session is not reused.
     */
    public boolean promptsInteraction() {
        return prompt != null && !promptNone();
    }

    public boolean promptLogin() {
        return prompt != null && List.of(prompt.split(" ")).contains("login");
    }
}
