package dev.tokenservices.testsupport;

import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Runs a test's database work as the services' start-up does: on a Vert.x context of its own, flagged
 * safe, as Hibernate Reactive requires. The services propagate no context around Mutiny steps
 * (application.properties, "context propagation"), so work subscribed on a test's own thread has none.
 */
public final class SafeContext {

    private SafeContext() {
    }

    /** The item of {@code work}, subscribed on a fresh safe Vert.x context; fails after 30 s without one. */
    public static <T> T await(Supplier<Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> work.get().ifNoItem().after(Duration.ofSeconds(30)).fail());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
