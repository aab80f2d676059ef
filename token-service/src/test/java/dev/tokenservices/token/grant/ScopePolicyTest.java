package dev.tokenservices.token.grant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tokenservices.shared.oauth.OAuthException;
import dev.tokenservices.shared.registry.AuthMethod;
import dev.tokenservices.shared.registry.ClientEntry;
import dev.tokenservices.shared.registry.ResourceEntry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScopePolicyTest {

    private static final ResourceEntry INVOICES = new ResourceEntry("https://api.example/invoices", List.of("invoices.read", "invoices.write"), null);
    private static final ResourceEntry MEDIA = new ResourceEntry("https://api.example/media", List.of("media.play"), null);
    private static final Map<String, ResourceEntry> BY_SCOPE = Map.of("invoices.read", INVOICES, "invoices.write", INVOICES, "media.play", MEDIA);
    private final ScopePolicy policy = new ScopePolicy(BY_SCOPE::get,
            Map.of(INVOICES.resource(), INVOICES, MEDIA.resource(), MEDIA), "https://ts.example");

    private static ClientEntry client(String... scopes) {
        return new ClientEntry("c", null, "00", AuthMethod.CLIENT_SECRET_BASIC, Set.of("client_credentials"), Set.of(scopes), 300,
                List.of(), List.of(), null, true, dev.tokenservices.shared.jose.KeyAlgorithm.RS256, false, false);
    }

    @Test
    void withoutScopeTheClientGetsItsWholeAllowanceForEveryResourceInvolved() {
        ScopePolicy.Decision d = policy.decide(client("invoices.read", "media.play"), null, List.of());
        assertEquals(Set.of("invoices.read", "media.play"), d.scopes());
        assertEquals(Set.of(INVOICES.resource(), MEDIA.resource()), Set.copyOf(d.audiences()));
    }

    @Test
    void aScopeOutsideTheAllowanceIsInvalidScope() {
        OAuthException e = assertThrows(OAuthException.class, () -> policy.decide(client("invoices.read"), "invoices.write", List.of()));
        assertEquals("invalid_scope", e.error());
    }

    @Test
    void resourceSelectsTheAudienceAndNarrowsAnImplicitScope() {
        ScopePolicy.Decision d = policy.decide(client("invoices.read", "media.play"), null, List.of(MEDIA.resource()));
        assertEquals(Set.of("media.play"), d.scopes());
        assertEquals(List.of(MEDIA.resource()), d.audiences());
    }

    @Test
    void anExplicitScopeOfAnotherResourceIsInvalidScope() {
        OAuthException e = assertThrows(OAuthException.class,
                () -> policy.decide(client("invoices.read", "media.play"), "invoices.read", List.of(MEDIA.resource())));
        assertEquals("invalid_scope", e.error());
    }

    @Test
    void unknownMalformedOrForbiddenResourcesAreInvalidTarget() {
        assertEquals("invalid_target", assertThrows(OAuthException.class,
                () -> policy.decide(client("media.play"), null, List.of("https://api.example/unknown"))).error());
        assertEquals("invalid_target", assertThrows(OAuthException.class,
                () -> policy.decide(client("media.play"), null, List.of("https://api.example/media#x"))).error());
        assertEquals("invalid_target", assertThrows(OAuthException.class,
                () -> policy.decide(client("media.play"), null, List.of("relative/path"))).error());
        assertEquals("invalid_target", assertThrows(OAuthException.class,
                () -> policy.decide(client("media.play"), null, List.of(INVOICES.resource()))).error());
    }

    @Test
    void scopesOfNoResourceGiveATokenForTheIssuer() {
        ScopePolicy.Decision d = policy.decide(client("misc.flag"), null, List.of());
        assertEquals(List.of("https://ts.example"), d.audiences());
    }

    @Test
    void nothingToGrantIsInvalidScope() {
        assertEquals("invalid_scope", assertThrows(OAuthException.class, () -> policy.decide(client(), null, List.of())).error());
    }

    @Test
    void malformedScopeIsInvalidScope() {
        assertEquals("invalid_scope", assertThrows(OAuthException.class,
                () -> policy.decide(client("a"), "a \"b", List.of())).error());
    }
}
