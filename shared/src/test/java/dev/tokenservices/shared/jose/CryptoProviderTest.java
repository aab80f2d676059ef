package dev.tokenservices.shared.jose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.Provider;
import java.security.Security;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Which JCA provider signs: the native one where it loads, the JDK's in a native executable or where it does not. */
class CryptoProviderTest {

    @Test
    void aNativeExecutableSignsWithTheJdkWithoutTryingTheNativeProvider() {
        AtomicBoolean tried = new AtomicBoolean();
        CryptoProvider.Choice choice = CryptoProvider.choose(true, () -> {
            tried.set(true);
            throw new AssertionError("not to be loaded in a native executable");
        });
        assertFalse(tried.get());
        assertEquals(CryptoProvider.JDK, choice.provider());
        assertEquals(CryptoProvider.NATIVE_IMAGE, choice.reason());
        assertTrue(choice.why().startsWith("a native executable"), choice.why());
    }

    @Test
    void onTheJvmTheNativeProviderSignsWhenItLoads() {
        CryptoProvider.Choice choice = CryptoProvider.choose(false, () -> new Provider("TestNativeProvider", "9.1", "test") {
        });
        try {
            assertEquals("TestNativeProvider 9.1", choice.provider());
            assertEquals(CryptoProvider.LOADED, choice.reason());
            assertNull(choice.why());
            assertEquals("TestNativeProvider", Security.getProviders()[0].getName(), "the first JCA provider");
        } finally {
            Security.removeProvider("TestNativeProvider");
        }
    }

    @Test
    void onTheJvmTheJdkSignsWhenTheNativeProviderFailsAndTheLogSaysWhy() {
        CryptoProvider.Choice choice = CryptoProvider.choose(false, () -> {
            throw new ExceptionInInitializerError(new IllegalStateException("Unable to load native library"));
        });
        assertEquals(CryptoProvider.JDK, choice.provider());
        assertEquals(CryptoProvider.UNAVAILABLE, choice.reason());
        assertEquals("java.lang.ExceptionInInitializerError <- java.lang.IllegalStateException: Unable to load native library",
                choice.why());
    }

    @Test
    void theseTestsRunOnTheJvm() {
        assertFalse(CryptoProvider.inNativeImage());
    }
}
