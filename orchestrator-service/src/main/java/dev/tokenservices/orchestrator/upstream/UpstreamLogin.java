package dev.tokenservices.orchestrator.upstream;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.oauth2.sdk.ResponseMode;
import dev.tokenservices.core.jose.IdTokenHeaders;
import dev.tokenservices.core.jose.JwtKeys;
import dev.tokenservices.core.jose.JwtVerifier;
import dev.tokenservices.core.jose.SignedJwts;
import dev.tokenservices.orchestrator.web.Json;
import dev.tokenservices.shared.log.LogText;
import dev.tokenservices.shared.oauth.BasicCredentials;
import dev.tokenservices.shared.oauth.FormRequest;
import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.registry.ClientSecretKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.langtag.LangTag;
import com.nimbusds.langtag.LangTagException;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Display;
import com.nimbusds.openid.connect.sdk.LogoutRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.claims.ACR;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import dev.tokenservices.orchestrator.config.OrchestratorConfig;
import dev.tokenservices.orchestrator.session.Identity;
import dev.tokenservices.shared.registry.UpstreamIdpEntry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * and logout at the IdP (RP-Initiated Logout 1.0).
 *
 * <p>The SDK builds every request and reads every answer; none is sent through its own blocking
 * HTTP. {@link UpstreamHttp} sends them on the event loop of the request that needs them, so a login
 * holds no worker thread and never changes threads: discovery (once per IdP, again at the next login
 * after a failure), the token request, and the IdP's keys ({@link UpstreamKeys}). The keys are
 * fetched before the id_token is validated, never during: the validation then reads keys in memory
 * and runs on the event loop too. (Running the SDK's blocking key source only when it would fetch
 * is not simpler: whether it would cannot be asked of it, and a token naming a key it has not seen
 * makes it fetch in the middle of validating.) Once an IdP is discovered, the URLs that send the
 * browser there and to its logout are built at once, with no I/O.
 */
@ApplicationScoped
public class UpstreamLogin {

    private static final Logger LOG = Logger.getLogger(UpstreamLogin.class);

    /** How long a Sign in with Apple client secret JWT lives: made per request, so a few minutes are plenty. */
    private static final long CLIENT_SECRET_JWT_SECONDS = 300;

    private final Duration defaultTimeout;
    private final int clockSkewSeconds;
    private final String callbackUri;
    private final Clock clock;
    private final Map<String, Provider> providers = new ConcurrentHashMap<>();
    private final UpstreamHttp http;

    public UpstreamLogin(OrchestratorConfig config, Clock clock, UpstreamHttp http) {
        this.http = http;
        this.defaultTimeout = config.dependencyTimeout();
        this.clockSkewSeconds = (int) config.clockSkew().toSeconds();
        this.callbackUri = config.issuer() + "/callback";
        this.clock = clock;
    }

    /** A discovered provider, the id_token algorithms it may use, its keys and its id_token verifier. */
    private record Provider(OIDCProviderMetadata metadata, Set<JWSAlgorithm> algorithms, UpstreamKeys keys, JwtVerifier<Check> verifier) {
    }

    /** What one id_token validation is given besides the token: the IdP's keys among them, fetched beforehand. */
    private record Check(UpstreamIdpEntry idp, String nonce, Instant now, JWKSet keys) implements SecurityContext {
    }

    /** A claims rule broken; {@code allowed}: false when the token is sound but names an account the entry does not accept. */
    private static final class Refused extends BadJWTException {
        final boolean notAllowed;

        Refused(String message, boolean notAllowed) {
            super(message);
            this.notAllowed = notAllowed;
        }
    }

    private int timeoutMillis(UpstreamIdpEntry idp) {
        return (int) (idp.timeout() == null ? defaultTimeout : idp.timeout()).toMillis();
    }

    /**
     * What of the client's request is passed on to the upstream IdP (OIDC Core §3.1.2.1), each
     * validated at our /authorize; null (or {@code maxAge} -1) when the client sent none.
     */
    public record Parameters(String prompt, long maxAge, String loginHint, String acrValues, String uiLocales, String display) {
    }

    /** The URL to send the browser to (OIDC Core §3.1.2.1), discovering the IdP first if needed. */
    public Uni<URI> authorizationUrl(UpstreamIdpEntry idp, String state, String nonce, String codeVerifier, Parameters parameters) {
        return provider(idp).map(provider -> {
            AuthenticationRequest.Builder request = new AuthenticationRequest.Builder(ResponseType.CODE,
                    Scope.parse(idp.scope()), new ClientID(idp.clientId()), URI.create(callbackUri))
                    .endpointURI(provider.metadata().getAuthorizationEndpointURI())
                    .state(new State(state))
                    .nonce(new Nonce(nonce))
                    .codeChallenge(new CodeVerifier(codeVerifier), CodeChallengeMethod.S256);
            if (idp.formPost()) {
                request.responseMode(ResponseMode.FORM_POST);
            }
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
        return provider(idp).map(Optional::of).onFailure(UpstreamException.class).recoverWithItem(e -> {
            LOG.infof("upstream IdP %s not reachable for logout; its session stays: %s", idp.id(), e.getMessage());
            return Optional.empty();
        }).map(discovered -> {
            if (discovered.isEmpty()) {
                return Optional.<URI>empty();
            }
            URI endpoint = discovered.get().metadata().getEndSessionEndpointURI();
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
        return provider(idp).chain(provider -> {
            return http.send(tokenRequest(idp, provider, code, codeVerifier), timeoutMillis(idp))
                    .onFailure(IOException.class).transform(e -> {
                        LOG.infof("the token endpoint of %s is not reachable: %s", idp.id(), e.getMessage());
                        return new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the token endpoint of " + idp.id() + " is not reachable");
                    })
                    .map(response -> idToken(idp, response))
                    .chain(idToken -> validate(idp, provider, idToken, nonce)
                            .map(claims -> identity(idp, idToken.getParsedString(), claims)));
        });
    }

    /**
     * The token request (OIDC Core §3.1.3.1: RFC 6749 §4.1.3 with the PKCE verifier of RFC 7636 §4.5),
     * written here rather than by the SDK's {@code TokenRequest}, which wrote the form, parsed it back
     * and encoded the client's credentials again for every login (4.6 % of a callback's Java samples).
     * The client authenticates as the IdP takes it ({@link #authentication}): HTTP Basic with the form
     * encoded id and secret (RFC 6749 §2.3.1), or both in the body.
     */
    private HTTPRequest tokenRequest(UpstreamIdpEntry idp, Provider provider, String code, String codeVerifier) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", callbackUri);
        form.put("code_verifier", codeVerifier);
        HTTPRequest request = new HTTPRequest(HTTPRequest.Method.POST, provider.metadata().getTokenEndpointURI());
        request.setHeader("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8");
        request.setHeader("Accept", "application/json");
        Credentials credentials = authentication(idp, provider);
        if (credentials.inBody()) {
            form.put("client_id", credentials.client().clientId());
            form.put("client_secret", credentials.client().secret());
        } else {
            request.setHeader("Authorization", credentials.client().header());
        }
        request.setBody(FormRequest.body(form));
        return request;
    }

    /**
     * The signed id_token of a token response (OIDC Core §3.1.3.3), or why there is none: a 5xx is the
     * IdP unavailable; an error (RFC 6749 §5.2), a body that is no JSON object, or one without an
     * {@code id_token} that is a signed JWT is an answer that cannot be accepted. Nothing else of the
     * response is used (the upstream access token is not kept), so nothing else is read.
     */
    private static SignedJWT idToken(UpstreamIdpEntry idp, HTTPResponse response) {
        if (response.getStatusCode() >= 500) {
            throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the token endpoint of " + idp.id() + " answered " + response.getStatusCode());
        }
        Map<String, Object> body;
        try {
            body = Json.object(response.getBody() == null ? "" : response.getBody());
        } catch (IllegalArgumentException e) {
            throw new UpstreamException(UpstreamException.Kind.REJECTED, "the token response of " + idp.id() + " is not valid");
        }
        if (response.getStatusCode() != 200) {
            Object error = body.get("error");
            throw new UpstreamException(UpstreamException.Kind.REJECTED, idp.id() + " refused the code: "
                    + (error instanceof String code ? LogText.value(code) : "HTTP " + response.getStatusCode()));
        }
        if (!(body.get("id_token") instanceof String idToken)) {
            throw new UpstreamException(UpstreamException.Kind.REJECTED, idp.id() + " returned no id_token");
        }
        try {
            return SignedJwts.parse(idToken);
        } catch (java.text.ParseException e) {
            throw new UpstreamException(UpstreamException.Kind.REJECTED, "the id_token of " + idp.id() + " is not signed");
        }
    }

    /**
     * OIDC Core §3.1.3.7 with the entry's quirks: the header judged first (the same rules as token
     * exchange, {@link IdTokenHeaders}), then the signature with the IdP's keys, then the claims:
     * {@code iss} and what the entry's {@link dev.tokenservices.shared.registry.IssuerPolicy} asks
     * (aliases, tenants, hosted domain), {@code aud} and {@code azp}, {@code exp}, {@code iat},
     * {@code sub}, {@code nonce}.
     */
    private Uni<JWTClaimsSet> validate(UpstreamIdpEntry idp, Provider provider, SignedJWT idToken, String nonce) {
        Optional<String> header = IdTokenHeaders.refusal(idToken.getHeader());
        if (header.isPresent()) {
            LOG.infof("upstream id_token from %s refused: %s", idp.id(), header.get());
            throw new UpstreamException(UpstreamException.Kind.REJECTED, "the id_token of " + idp.id() + " is not valid: " + header.get());
        }
        return provider.keys().keysFor(idToken.getHeader(), provider.algorithms().contains(idToken.getHeader().getAlgorithm()))
                .map(keys -> verify(idp, provider, idToken, nonce, keys));
    }

    private JWTClaimsSet verify(UpstreamIdpEntry idp, Provider provider, SignedJWT idToken, String nonce, JWKSet keys) {
        try {
            return provider.verifier().verify(idToken, new Check(idp, nonce, clock.instant(), keys));
        } catch (Refused e) {
            LOG.infof("upstream id_token from %s refused: %s", idp.id(), e.getMessage());
            throw new UpstreamException(e.notAllowed ? UpstreamException.Kind.NOT_ALLOWED : UpstreamException.Kind.REJECTED,
                    e.getMessage());
        } catch (BadJOSEException e) {
            LOG.infof("upstream id_token from %s refused: %s", idp.id(), e.getMessage());
            throw new UpstreamException(UpstreamException.Kind.REJECTED, "the id_token of " + idp.id() + " is not valid: " + e.getMessage());
        }
    }

    /** The claims rules, once the signature has verified. */
    private void checkClaims(JWTClaimsSet claims, Check check) throws Refused {
        UpstreamIdpEntry idp = check.idp();
        Optional<String> policy = idp.policy().refusal(claims.getClaims());
        if (policy.isPresent()) {
            // a wrong iss is a broken token; a listed issuer's other tenant or domain is an account this entry does not accept
            boolean issuerWrong = policy.get().startsWith("iss ");
            throw new Refused(policy.get(), !issuerWrong);
        }
        List<String> audience = claims.getAudience() == null ? List.of() : claims.getAudience();
        if (!audience.contains(idp.clientId())) {
            throw new Refused("aud does not name our client_id", false);
        }
        // OIDC Core §3.1.3.7 (4, 5): when azp is present it must be our client_id
        Object azp = claims.getClaim("azp");
        if (azp != null && !idp.clientId().equals(azp)) {
            throw new Refused("the id_token was issued to another party (azp)", false);
        }
        Instant now = check.now();
        Duration skew = Duration.ofSeconds(clockSkewSeconds);
        if (claims.getExpirationTime() == null || !now.isBefore(claims.getExpirationTime().toInstant().plus(skew))) {
            throw new Refused("the id_token has expired", false);
        }
        if (claims.getIssueTime() == null || claims.getIssueTime().toInstant().isAfter(now.plus(skew))) {
            throw new Refused("iat is missing or in the future", false);
        }
        if (claims.getSubject() == null || claims.getSubject().isEmpty()) {
            throw new Refused("sub is missing", false);
        }
        Object tokenNonce = claims.getClaim("nonce");
        if (!(tokenNonce instanceof String n) || !Hashes.equal(n, check.nonce())) {
            throw new Refused("the nonce is not the one this login sent", false);
        }
    }

    private Identity identity(UpstreamIdpEntry idp, String idToken, JWTClaimsSet claims) {
        long now = clock.instant().getEpochSecond();
        Object authTime = claims.getClaim("auth_time");
        Object acr = claims.getClaim("acr");
        List<String> amr = new ArrayList<>();
        if (claims.getClaim("amr") instanceof List<?> list) {
            list.forEach(v -> amr.add(String.valueOf(v)));
        }
        // an alias names the same issuer; each tenant of a templated issuer is an issuer of its own
        String issuer = idp.policy().templated() ? claims.getIssuer() : idp.issuer();
        return new Identity(idp.id(), issuer, claims.getSubject(), claims.toJSONObject(), idToken,
                claims.getExpirationTime().toInstant().getEpochSecond(),
                authTime instanceof Number n ? n.longValue() : now, acr instanceof String s ? s : null, amr);
    }

    /** How the client authenticates at the IdP's token endpoint: its id and secret, in the body or as HTTP Basic. */
    private record Credentials(BasicCredentials client, boolean inBody) {
    }

    private Credentials authentication(UpstreamIdpEntry idp, Provider provider) {
        if (idp.clientSecretJwt() != null) {
            // Sign in with Apple takes its client secret in the form body
            return new Credentials(new BasicCredentials(idp.clientId(), clientSecretJwt(idp)), true);
        }
        String secret = idp.clientSecret() == null ? "" : idp.clientSecret();
        List<ClientAuthenticationMethod> methods = provider.metadata().getTokenEndpointAuthMethods();
        boolean post = methods != null && !methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                && methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST);
        return new Credentials(new BasicCredentials(idp.clientId(), secret), post);
    }

    /**
     * The client secret Sign in with Apple wants ("Creating a client secret"): a JWT signed ES256 with
     * the key Apple issued, {@code kid} its key id, {@code iss} the team id, {@code sub} our client_id,
     * {@code aud} the IdP's issuer, living {@value #CLIENT_SECRET_JWT_SECONDS} s (Apple allows up to
     * six months); made for each token request, so no long-lived bearer secret exists anywhere.
     */
    String clientSecretJwt(UpstreamIdpEntry idp) {
        UpstreamIdpEntry.ClientSecretJwt settings = idp.clientSecretJwt();
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(settings.issuer()).subject(idp.clientId())
                .audience(idp.issuer()).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(CLIENT_SECRET_JWT_SECONDS)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(settings.keyId()).build(), claims);
        try {
            jwt.sign(new ECDSASigner(ClientSecretKeys.parse(settings.key())));
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException("the client secret JWT of " + idp.id() + " could not be signed", e);
        }
        return jwt.serialize();
    }

    /**
     * The IdP, discovered once; a failed discovery is retried at the next login. Concurrent first
     * logins may each discover it; the last to finish is kept.
     */
    private Uni<Provider> provider(UpstreamIdpEntry idp) {
        Provider cached = providers.get(idp.id());
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return discover(idp).map(metadata -> {
            Provider provider = provider(idp, metadata);
            providers.put(idp.id(), provider);
            LOG.infof("upstream IdP %s discovered (%s), id_token algorithms %s", idp.id(), idp.issuer(), provider.algorithms());
            return provider;
        });
    }

    private Provider provider(UpstreamIdpEntry idp, OIDCProviderMetadata metadata) {
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        if (metadata.getIDTokenJWSAlgs() != null) {
            metadata.getIDTokenJWSAlgs().stream().filter(JwtVerifier.ASYMMETRIC::contains).forEach(algorithms::add);
        }
        if (algorithms.isEmpty()) {
            algorithms.add(JWSAlgorithm.RS256);
        }
        URI jwksUri = metadata.getJWKSetURI();
        if (jwksUri == null || !("https".equals(jwksUri.getScheme()) || "http".equals(jwksUri.getScheme())) || jwksUri.getHost() == null) {
            throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the jwks_uri of " + idp.id() + " is not a URL");
        }
        UpstreamKeys keys = new UpstreamKeys(idp.id(), jwksUri, timeoutMillis(idp), http, clock);
        JwtVerifier<Check> verifier = new JwtVerifier<>(Set.copyOf(algorithms), JwtVerifier.anyType(),
                JwtKeys.from(Check::keys), this::checkClaims);
        return new Provider(metadata, Set.copyOf(algorithms), keys, verifier);
    }

    /**
     * OpenID Connect Discovery §4 at the issuer's path (Okta's custom authorization servers and
     * Keycloak's realms have one): the document must name exactly the configured issuer; for a
     * templated issuer (Entra ID multi-tenant) it is found through its discovery tenant and names the
     * template itself, which is then no URL: the SDK reads it as that tenant's issuer.
     */
    private Uni<OIDCProviderMetadata> discover(UpstreamIdpEntry idp) {
        HTTPRequest request = new HTTPRequest(HTTPRequest.Method.GET, URI.create(idp.policy().discoveryUrl()));
        request.setAccept("application/json");
        return http.send(request, timeoutMillis(idp))
                .onFailure(IOException.class).transform(e -> {
                    LOG.infof("the upstream IdP %s is not reachable: %s", idp.id(), e.getMessage());
                    return new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the upstream IdP " + idp.id() + " is not reachable");
                })
                .map(response -> metadata(idp, response));
    }

    private static OIDCProviderMetadata metadata(UpstreamIdpEntry idp, HTTPResponse response) {
        if (response.getStatusCode() != 200) {
            throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the discovery document of " + idp.id() + " answered "
                    + response.getStatusCode());
        }
        try {
            Map<String, Object> document = response.getBodyAsJSONObject();
            if (!idp.issuer().equals(document.get("issuer"))) {
                throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the discovery document of " + idp.id() + " names another issuer");
            }
            document.put("issuer", idp.policy().discoveryIssuer());
            return OIDCProviderMetadata.parse(new net.minidev.json.JSONObject(document));
        } catch (com.nimbusds.oauth2.sdk.ParseException e) {
            throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "the discovery document of " + idp.id() + " is not valid: " + e.getMessage());
        }
    }
}
