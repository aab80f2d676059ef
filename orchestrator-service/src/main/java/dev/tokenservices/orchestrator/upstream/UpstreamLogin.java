package dev.tokenservices.orchestrator.upstream;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.langtag.LangTag;
import com.nimbusds.langtag.LangTagException;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Display;
import com.nimbusds.openid.connect.sdk.LogoutRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.claims.ACR;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The orchestrator as a relying party of an upstream IdP, through the Nimbus OAuth 2.0 / OIDC SDK:
 * discovery (OIDC Discovery §4), the authorization code flow with PKCE S256 (RFC 7636) and full
 * id_token validation (OIDC Core §3.1.3.7: signature via the IdP's JWKS, iss, aud, azp, nonce, exp),
 * and logout at the IdP (RP-Initiated Logout 1.0). The SDK's HTTP is blocking, so every call runs on a worker thread.
 */
@ApplicationScoped
public class UpstreamLogin {

    private static final Logger LOG = Logger.getLogger(UpstreamLogin.class);
    private static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    private final int timeoutMillis;
    private final int clockSkewSeconds;
    private final String callbackUri;
    private final Clock clock;
    private final Map<String, Provider> providers = new ConcurrentHashMap<>();

    public UpstreamLogin(OrchestratorConfig config, Clock clock) {
        this.timeoutMillis = (int) config.dependencyTimeout().toMillis();
        this.clockSkewSeconds = (int) config.clockSkew().toSeconds();
        this.callbackUri = config.issuer() + "/callback";
        this.clock = clock;
    }

    /** A discovered provider and its id_token validator (which caches the JWKS). */
    private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator) {
    }

    /**
     * What of the client's request is passed on to the upstream IdP (OIDC Core §3.1.2.1), each
     * validated at our /authorize; null (or {@code maxAge} -1) when the client sent none.
     */
    public record Parameters(String prompt, long maxAge, String loginHint, String acrValues, String uiLocales, String display) {
    }

    /** The URL to send the browser to (OIDC Core §3.1.2.1), discovering the IdP first if needed. */
    public Uni<URI> authorizationUrl(UpstreamIdpEntry idp, String state, String nonce, String codeVerifier, Parameters parameters) {
        return blocking(() -> {
            Provider provider = provider(idp);
            AuthenticationRequest.Builder request = new AuthenticationRequest.Builder(ResponseType.CODE,
                    Scope.parse(idp.scope()), new ClientID(idp.clientId()), URI.create(callbackUri))
                    .endpointURI(provider.metadata().getAuthorizationEndpointURI())
                    .state(new State(state))
                    .nonce(new Nonce(nonce))
                    .codeChallenge(new CodeVerifier(codeVerifier), CodeChallengeMethod.S256);
            try {
                if (parameters.prompt() != null) {
                    request.prompt(Prompt.parse(parameters.prompt()));
                }
                if (parameters.maxAge() >= 0) {
                    request.maxAge((int) Math.min(Integer.MAX_VALUE, parameters.maxAge()));
                }
                if (parameters.loginHint() != null) {
                    request.loginHint(parameters.loginHint());
                }
                if (parameters.acrValues() != null) {
                    request.acrValues(java.util.Arrays.stream(parameters.acrValues().split(" ")).map(ACR::new).toList());
                }
                if (parameters.uiLocales() != null) {
                    List<LangTag> locales = new ArrayList<>();
                    for (String tag : parameters.uiLocales().split(" ")) {
                        locales.add(LangTag.parse(tag));
                    }
                    request.uiLocales(locales);
                }
                if (parameters.display() != null) {
                    request.display(Display.parse(parameters.display()));
                }
            } catch (com.nimbusds.oauth2.sdk.ParseException | LangTagException e) {
                // validated at /authorize already
                throw new IllegalArgumentException("an upstream parameter is not valid: " + e.getMessage());
            }
            return request.build().toURI();
        });
    }

    /**
     * Where to send the browser to end its session at the IdP (RP-Initiated Logout 1.0 §2): the
     * IdP's {@code end_session_endpoint} with {@code id_token_hint}, {@code client_id},
     * {@code post_logout_redirect_uri} and {@code state}. Empty when the IdP advertises no such
     * endpoint, or cannot be discovered now (the logout then finishes here).
     */
    public Uni<Optional<URI>> endSessionUrl(UpstreamIdpEntry idp, String idTokenHint, String postLogoutRedirectUri, String state) {
        return blocking(() -> {
            Provider provider;
            try {
                provider = provider(idp);
            } catch (UpstreamException e) {
                LOG.infof("upstream IdP %s not reachable for logout; its session stays: %s", idp.id(), e.getMessage());
                return Optional.<URI>empty();
            }
            URI endpoint = provider.metadata().getEndSessionEndpointURI();
            if (endpoint == null) {
                return Optional.<URI>empty();
            }
            JWT hint = null;
            if (idTokenHint != null) {
                try {
                    hint = JWTParser.parse(idTokenHint);
                } catch (java.text.ParseException e) {
                    hint = null;
                }
            }
            return Optional.of(new LogoutRequest(endpoint, hint, null, new ClientID(idp.clientId()), URI.create(postLogoutRedirectUri),
                    new State(state), null).toURI());
        });
    }

    /** Whether the IdP sends {@code iss} in its authorization responses (RFC 9207 §3). */
    public boolean sendsIssParameter(UpstreamIdpEntry idp) {
        Provider provider = providers.get(idp.id());
        return provider != null && provider.metadata().supportsAuthorizationResponseIssuerParam();
    }

    /** Redeems the upstream code and validates the id_token; the identity it proves. */
    public Uni<Identity> redeem(UpstreamIdpEntry idp, String code, String codeVerifier, String nonce) {
        return blocking(() -> {
            Provider provider = provider(idp);
            TokenRequest request = new TokenRequest(provider.metadata().getTokenEndpointURI(), authentication(idp, provider),
                    new AuthorizationCodeGrant(new AuthorizationCode(code), URI.create(callbackUri), new CodeVerifier(codeVerifier)));
            HTTPRequest http = request.toHTTPRequest();
            http.setConnectTimeout(timeoutMillis);
            http.setReadTimeout(timeoutMillis);
            HTTPResponse response;
            try {
                response = http.send();
            } catch (IOException e) {
                throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the token endpoint of " + idp.id() + " is not reachable");
            }
            if (response.getStatusCode() >= 500) {
                throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the token endpoint of " + idp.id() + " answered " + response.getStatusCode());
            }
            TokenResponse parsed;
            try {
                parsed = OIDCTokenResponseParser.parse(response);
            } catch (com.nimbusds.oauth2.sdk.ParseException e) {
                throw new UpstreamException(UpstreamException.Kind.REJECTED, "the token response of " + idp.id() + " is not valid");
            }
            if (!parsed.indicatesSuccess()) {
                ErrorObject error = ((TokenErrorResponse) parsed).getErrorObject();
                throw new UpstreamException(UpstreamException.Kind.REJECTED, idp.id() + " refused the code: " + error.getCode());
            }
            JWT idToken = ((OIDCTokenResponse) parsed).getOIDCTokens().getIDToken();
            if (idToken == null) {
                throw new UpstreamException(UpstreamException.Kind.REJECTED, idp.id() + " returned no id_token");
            }
            JWTClaimsSet claims;
            try {
                claims = provider.validator().validate(idToken, new Nonce(nonce)).toJWTClaimsSet();
            } catch (com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException | com.nimbusds.oauth2.sdk.ParseException e) {
                LOG.infof("upstream id_token from %s refused: %s", idp.id(), e.getMessage());
                throw new UpstreamException(UpstreamException.Kind.REJECTED, "the id_token of " + idp.id() + " is not valid: " + e.getMessage());
            }
            // OIDC Core §3.1.3.7 (4, 5): when azp is present it must be our client_id
            Object azp = claims.getClaim("azp");
            if (azp != null && !idp.clientId().equals(azp)) {
                throw new UpstreamException(UpstreamException.Kind.REJECTED, "the id_token of " + idp.id() + " was issued to another party (azp)");
            }
            return identity(idp, idToken.getParsedString(), claims);
        });
    }

    private Identity identity(UpstreamIdpEntry idp, String idToken, JWTClaimsSet claims) {
        long now = clock.instant().getEpochSecond();
        Object authTime = claims.getClaim("auth_time");
        Object acr = claims.getClaim("acr");
        List<String> amr = new ArrayList<>();
        if (claims.getClaim("amr") instanceof List<?> list) {
            list.forEach(v -> amr.add(String.valueOf(v)));
        }
        return new Identity(idp.id(), idp.issuer(), claims.getSubject(), claims.toJSONObject(), idToken,
                claims.getExpirationTime().toInstant().getEpochSecond(),
                authTime instanceof Number n ? n.longValue() : now, acr instanceof String s ? s : null, amr);
    }

    private ClientAuthentication authentication(UpstreamIdpEntry idp, Provider provider) {
        Secret secret = new Secret(idp.clientSecret() == null ? "" : idp.clientSecret());
        List<ClientAuthenticationMethod> methods = provider.metadata().getTokenEndpointAuthMethods();
        if (methods != null && !methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                && methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST)) {
            return new ClientSecretPost(new ClientID(idp.clientId()), secret);
        }
        return new ClientSecretBasic(new ClientID(idp.clientId()), secret);
    }

    /** Discovers the IdP once; a failed discovery is retried at the next login. */
    private Provider provider(UpstreamIdpEntry idp) {
        Provider cached = providers.get(idp.id());
        if (cached != null) {
            return cached;
        }
        OIDCProviderMetadata metadata;
        try {
            metadata = OIDCProviderMetadata.resolve(new Issuer(idp.issuer()), timeoutMillis, timeoutMillis);
        } catch (IOException e) {
            throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the upstream IdP " + idp.id() + " is not reachable");
        } catch (com.nimbusds.oauth2.sdk.GeneralException e) {
            throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the discovery document of " + idp.id() + " is not valid: " + e.getMessage());
        }
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        if (metadata.getIDTokenJWSAlgs() != null) {
            metadata.getIDTokenJWSAlgs().stream().filter(ASYMMETRIC::contains).forEach(algorithms::add);
        }
        if (algorithms.isEmpty()) {
            algorithms.add(JWSAlgorithm.RS256);
        }
        JWKSource<SecurityContext> jwks;
        try {
            jwks = JWKSourceBuilder.create(metadata.getJWKSetURI().toURL(),
                    new DefaultResourceRetriever(timeoutMillis, timeoutMillis, 512 * 1024)).retrying(false).build();
        } catch (java.net.MalformedURLException e) {
            throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the jwks_uri of " + idp.id() + " is not a URL");
        }
        IDTokenValidator validator = new IDTokenValidator(metadata.getIssuer(), new ClientID(idp.clientId()),
                new JWSVerificationKeySelector<>(algorithms, jwks), null);
        validator.setMaxClockSkew(clockSkewSeconds);
        if (!metadata.getIssuer().getValue().equals(idp.issuer())) {
            throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the discovery document of " + idp.id() + " names another issuer");
        }
        Provider provider = new Provider(metadata, validator);
        providers.put(idp.id(), provider);
        LOG.infof("upstream IdP %s discovered (%s), id_token algorithms %s", idp.id(), idp.issuer(), algorithms);
        return provider;
    }

    private <T> Uni<T> blocking(java.util.function.Supplier<T> work) {
        return Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
