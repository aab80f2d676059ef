package dev.tokenservices.token.audit;

import static dev.tokenservices.token.support.Fixtures.EXCHANGER;
import static dev.tokenservices.token.support.Fixtures.EXCHANGER_SECRET;
import static dev.tokenservices.token.support.Fixtures.form;
import static dev.tokenservices.token.support.TestWorld.issuer;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.token.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URL;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logging.MDC;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The audit events of a token exchange, as an operator sees them: the audit lines and the metrics. */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class AuditTrailTest {

    static final String EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    private final List<LogRecord> lines = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        Logger.getLogger("dev.tokenservices.audit").addHandler(capture);
    }

    @AfterEach
    void stop() {
        Logger.getLogger("dev.tokenservices.audit").removeHandler(capture);
    }

    @Test
    void eachAuthorityDecisionIsOneAuditLineAndAMetricAndNoTokenIsLogged() {
        String idToken = issuer.idToken("audit-ann");
        String token = form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", EXCHANGE).formParam("subject_token", idToken)
                .formParam("subject_token_type", "urn:ietf:params:oauth:token-type:id_token")
                .formParam("scope", "mod.read mod.write brk.read")
                .post("/token").then().statusCode(200).extract().path("access_token");

        List<String> decisions = lines.stream().map(LogRecord::getMessage).filter(m -> m.contains("sub=audit-ann")).sorted().toList();
        assertEquals(2, decisions.size(), decisions.toString());
        assertEquals("scope authority decision resource=https://api.example/broken client_id=exchanger sub=audit-ann idp="
                + issuer.issuer() + " requested=brk.read outcome=failure:status_500:drop granted= duration_ms=",
                decisions.get(0).substring(0, decisions.get(0).indexOf("duration_ms=") + "duration_ms=".length()));
        assertEquals("scope authority decision resource=https://api.example/modify client_id=exchanger sub=audit-ann idp="
                + issuer.issuer() + " requested=mod.read mod.write outcome=modify granted=mod.read duration_ms=",
                decisions.get(1).substring(0, decisions.get(1).indexOf("duration_ms=") + "duration_ms=".length()));
        // the same facts as fields of each line, for JSON logs
        List<ExtLogRecord> records = lines.stream().map(ExtLogRecord.class::cast).filter(r -> "audit-ann".equals(r.getMdc("subject")))
                .sorted(Comparator.comparing(r -> r.getMdc("resource"))).toList();
        assertEquals(2, records.size());
        ExtLogRecord broken = records.get(0);
        assertEquals(Level.INFO, broken.getLevel(), "an answer, if a 500, is no transport failure");
        assertEquals(Map.of("event", "scope_authority_decision", "resource", "https://api.example/broken", "client_id", "exchanger",
                "subject", "audit-ann", "idp", issuer.issuer(), "outcome", "failure:status_500:drop"),
                without(broken.getMdcCopy(), "duration_ms"));
        assertTrue(broken.getMdc("duration_ms").matches("\\d+\\.\\d"), broken.getMdc("duration_ms"));
        ExtLogRecord modify = records.get(1);
        assertEquals(Level.INFO, modify.getLevel());
        assertEquals("modify", modify.getMdc("outcome"));
        assertTrue(modify.getMessage().contains(" granted=mod.read "), modify.getMessage());
        assertEquals(null, MDC.get("resource"), "the fields are the line's own, not left in the MDC");
        for (LogRecord line : lines) {
            assertFalse(line.getMessage().contains(idToken) || line.getMessage().contains(token), "no token in an audit line");
            assertFalse(((ExtLogRecord) line).getMdcCopy().values().stream().anyMatch(v -> v.contains(idToken) || v.contains(token)),
                    "no token in an audit field");
        }
        RestAssured.given().get(metrics).then()
                .body(containsString("ts_authority_failures_total{reason=\"status_500\",resource=\"https://api.example/broken\"}"))
                .body(containsString("ts_authority_request_seconds_count{outcome=\"failure\",resource=\"https://api.example/broken\"}"))
                .body(containsString("ts_tokens_issued_total{client_id=\"exchanger\",grant_type=\"" + EXCHANGE + "\"}"));
    }

    @Test
    void aSubjectWithALineBreakCannotForgeAnAuditLineOrAField() {
        String forged = "mallory\n2026-12-08 01:00:00,000 INFO  [dev.tokenservices.audit] scope authority decision"
                + " resource=https://api.example/modify client_id=exchanger sub=admin outcome=accept granted=mod.write";
        form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET)
                .formParam("grant_type", EXCHANGE).formParam("subject_token", issuer.idToken(forged))
                .formParam("subject_token_type", "urn:ietf:params:oauth:token-type:id_token")
                .formParam("scope", "mod.read").post("/token").then().statusCode(200);

        LogRecord line = lines.stream().filter(r -> forged.equals(((ExtLogRecord) r).getMdc("subject"))).findFirst().orElseThrow();
        String text = line.getMessage();
        assertFalse(text.contains("\n") || text.contains("\r"), text);
        assertTrue(text.startsWith("scope authority decision resource=https://api.example/modify client_id=exchanger sub=\"mallory\\n2026"),
                text);
        assertTrue(text.contains(" granted=mod.write\" idp=" + issuer.issuer() + " requested=mod.read outcome=modify granted=mod.read "),
                "the forged fields stay inside the quoted subject: " + text);
    }

    private static Map<String, String> without(Map<String, String> fields, String key) {
        Map<String, String> rest = new HashMap<>(fields);
        rest.remove(key);
        return rest;
    }

    @Test
    void aRefusedTokenIsCountedByItsError() {
        form().auth().preemptive().basic(EXCHANGER, EXCHANGER_SECRET).formParam("grant_type", "password").post("/token")
                .then().statusCode(400);
        RestAssured.given().get(metrics).then()
                .body(containsString("ts_tokens_rejected_total{error=\"unsupported_grant_type\",grant_type=\"unknown\"}"))
                .body(containsString("ts_token_request_seconds_count{grant_type=\"unknown\",outcome=\"rejected\"}"));
    }
}
