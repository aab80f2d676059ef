package dev.tokenservices.orchestrator.metrics;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tokenservices.orchestrator.support.Logins;
import dev.tokenservices.orchestrator.support.TestWorld;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/** A completed login as an operator sees it: one audit line naming client, IdP and user, and the counter. */
@QuarkusTest
@QuarkusTestResource(TestWorld.class)
class LoginAuditTest {

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Test
    void aCompletedLoginIsAnAuditLineAndCountedForItsClient() {
        List<String> lines = auditLinesOf(() -> {
            Logins.Login login = Logins.login("audit-carol");
            assertEquals(302, login.callback().statusCode());
            assertTrue(login.result().containsKey("code"), "the login ended with a code for the client");
        });
        assertEquals(List.of("login completed: client_id=test-app idp=test-idp subject=audit-carol"),
                lines.stream().filter(l -> l.contains("audit-carol")).toList());
        given().get(metrics).then().body(containsString("orchestrator_logins_completed_total{client_id=\"test-app\"}"));
    }

    @Test
    void aSubjectWithALineBreakCannotForgeAnAuditLine() {
        String forged = "audit-dave\n2026-12-08 01:00:00,000 INFO  [dev.tokenservices.audit] login completed: client_id=admin-app"
                + " idp=test-idp subject=admin";
        // a subject that a format would read as directives stays as it is: the line is no format
        String formatted = "audit-o'brien{0}%s%n";
        List<String> lines = auditLinesOf(() -> assertEquals(302, Logins.login(forged).callback().statusCode()));
        assertEquals(List.of("login completed: client_id=test-app idp=test-idp subject=\"audit-dave\\n2026-12-08 01:00:00,000 INFO "
                + " [dev.tokenservices.audit] login completed: client_id=admin-app idp=test-idp subject=admin\""),
                lines.stream().filter(l -> l.contains("audit-dave")).toList());
        List<String> plain = auditLinesOf(() -> assertEquals(302, Logins.login(formatted).callback().statusCode()));
        assertEquals(List.of("login completed: client_id=test-app idp=test-idp subject=audit-o'brien{0}%s%n"),
                plain.stream().filter(l -> l.contains("audit-o'brien")).toList());
    }

    private static List<String> auditLinesOf(Runnable flow) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(((ExtLogRecord) record).getFormattedMessage()); // the line as a handler writes it
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger audit = Logger.getLogger("dev.tokenservices.audit");
        audit.addHandler(capture);
        try {
            flow.run();
        } finally {
            audit.removeHandler(capture);
        }
        return lines;
    }
}
