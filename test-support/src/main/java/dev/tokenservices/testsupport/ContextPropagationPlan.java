package dev.tokenservices.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.context.SmallRyeThreadContext;
import io.smallrye.context.impl.ThreadContextProviderPlan;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import org.eclipse.microprofile.context.ThreadContext;
import org.eclipse.microprofile.context.spi.ThreadContextProvider;

/**
 * What each service's application.properties says under "context propagation", as a check: Mutiny's
 * steps run without context capture. A plan that propagates or clears any context makes every step
 * take and restore snapshots, which the profiles measured at a tenth of an exchange's CPU and a
 * quarter of a login's.
 */
public final class ContextPropagationPlan {

    private ContextPropagationPlan() {
    }

    /** Fails unless {@code threadContext} (the service's, injected) leaves every context as the thread has it. */
    public static void assertNothingCaptured(SmallRyeThreadContext threadContext) {
        ThreadContextProviderPlan plan = threadContext.getPlan();
        assertEquals(List.of(), types(plan.propagatedProviders), "contexts propagated around each step");
        assertEquals(List.of(), types(plan.clearedProviders), "contexts cleared around each step");
        assertTrue(types(plan.unchangedProviders).contains(ThreadContext.CDI), "CDI's context is left as the thread has it");
        Function<String, String> step = String::trim;
        assertSame(step, threadContext.contextualFunction(step), "a step runs as it is, not wrapped in a snapshot");
    }

    private static List<String> types(Collection<ThreadContextProvider> providers) {
        return providers.stream().map(ThreadContextProvider::getThreadContextType).sorted().toList();
    }
}
