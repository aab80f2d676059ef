package dev.tokenservices.portal.web;

import dev.tokenservices.testsupport.ContextPropagationPlan;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.context.SmallRyeThreadContext;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** Mutiny's steps run without context capture (application.properties, "context propagation"). */
@QuarkusTest
class ContextPropagationTest {

    @Inject
    SmallRyeThreadContext threadContext;

    @Test
    void noContextIsCapturedPropagatedOrCleared() {
        ContextPropagationPlan.assertNothingCaptured(threadContext);
    }
}
