package dev.tokenservices.portal.usercode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonValue;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

/** Who decides: sub, the vouching issuer, and only the listed identity claims. */
class ApproverIdentityTest {

    private static JsonWebToken token(Map<String, Object> claims) {
        return new JsonWebToken() {
            @Override
            public String getName() {
                return (String) claims.get("sub");
            }

            @Override
            public Set<String> getClaimNames() {
                return claims.keySet();
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> T getClaim(String name) {
                return (T) claims.get(name);
            }
        };
    }

    private static Map<String, Object> ann() {
        Map<String, Object> claims = new HashMap<>();
        claims.put("iss", "https://orchestrator.example");
        claims.put("sub", "ann-001");
        claims.put("email", "ann@example.com");
        claims.put("email_verified", true);
        claims.put("name", "Ann Example");
        claims.put("groups", Json.createArrayBuilder().add("staff").build());
        claims.put("nonce", "n-0S6_WzA2Mj");
        return claims;
    }

    @Test
    void withoutAnIdpClaimTheIssuerVouches() {
        Approval approval = ApproverIdentity.of(token(ann())).orElseThrow();
        assertEquals("ann-001", approval.subject());
        assertEquals("https://orchestrator.example", approval.idp());
    }

    @Test
    void anIdpClaimNamesTheUpstreamIssuer() {
        Map<String, Object> claims = ann();
        claims.put("idp", Json.createValue("https://accounts.google.com"));
        assertEquals("https://accounts.google.com", ApproverIdentity.of(token(claims)).orElseThrow().idp());
    }

    @Test
    void onlyIdentityClaimsAreKeptWithTheirTypes() {
        Map<String, Object> claims = ann();
        claims.put("email_verified", JsonValue.FALSE);
        claims.put("given_name", Json.createValue("Ann"));
        assertEquals("{\"email\":\"ann@example.com\",\"email_verified\":false,\"name\":\"Ann Example\",\"given_name\":\"Ann\"}",
                ApproverIdentity.of(token(claims)).orElseThrow().claimsJson());
    }

    @Test
    void noSubjectMeansNobodyToRecord() {
        Map<String, Object> claims = ann();
        claims.remove("sub");
        assertTrue(ApproverIdentity.of(token(claims)).isEmpty());
    }

    @Test
    void theDisplayNamePrefersTheNameThenUsernameThenEmail() {
        Map<String, Object> claims = ann();
        assertEquals("Ann Example", ApproverIdentity.displayName(token(claims)));
        claims.remove("name");
        claims.put("preferred_username", "ann");
        assertEquals("ann", ApproverIdentity.displayName(token(claims)));
        claims.remove("preferred_username");
        assertEquals("ann@example.com", ApproverIdentity.displayName(token(claims)));
    }
}
