package dev.tokenservices.shared.jose;

import java.security.Provider;
import java.security.Security;
import java.util.concurrent.Callable;
import org.jboss.logging.Logger;

/**
 * Installs the Amazon Corretto Crypto Provider (AWS-LC) as the first JCA provider when it loads:
 * ES256 signing costs ~19 µs with it against ~640 µs with the JDK's own provider on JDK 17.
 * Where it cannot load (another platform, the other CPU's library), the JDK's providers are used,
 * and the start-up log says why. A native executable does not try it: see {@link #NATIVE_IMAGE_WHY}.
 */
public final class CryptoProvider {

    /** The JDK's providers sign. */
    public static final String JDK = "JDK";
    /** Reasons, as the metric's {@code reason} label: the native provider signs. */
    public static final String LOADED = "loaded";
    /** The JDK signs because this is a native executable. */
    public static final String NATIVE_IMAGE = "native-image";
    /** The JDK signs because the native provider did not load or failed its self-tests. */
    public static final String UNAVAILABLE = "unavailable";

    /**
     * Measured with GraalVM 25.0.2 (README "Signing keys"): with its service classes, JNI and library
     * registered, the provider loads in the executable, but its self-test of HMAC fails with a
     * SecurityException: an image's JCA accepts a provider for Mac, Cipher or KeyAgreement only if
     * that very provider object was verified while the image was built, and this one can only be
     * made at run time (its initialisers load the JNI library and start a cleanup thread).
     */
    static final String NATIVE_IMAGE_WHY = "a native executable: its JCA accepts only the JCE providers verified while the image "
            + "was built, and this one is made at run time (it loads a JNI library), so it fails its own HMAC self-test";

    private static final Logger LOG = Logger.getLogger(CryptoProvider.class);
    private static volatile Choice active;

    /** The provider that signs ({@link #JDK} or the native one's name and version), the reason, and the details. */
    record Choice(String provider, String reason, String why) {
    }

    private CryptoProvider() {
    }

    /** Idempotent; returns the name of the provider that signs. */
    public static synchronized String install() {
        return choice().provider();
    }

    /** The provider that signs, as the metric {@code ts_crypto_provider_info} names it. */
    public static String active() {
        return choice().provider();
    }

    /** Why that one: {@link #LOADED}, {@link #NATIVE_IMAGE} or {@link #UNAVAILABLE}. */
    public static String reason() {
        return choice().reason();
    }

    private static synchronized Choice choice() {
        if (active == null) {
            active = choose(inNativeImage(), CryptoProvider::corretto);
            if (active.why() == null) {
                LOG.infof("crypto provider: %s (native AWS-LC) is the first JCA provider", active.provider());
            } else {
                LOG.infof("crypto provider: JDK providers (the native provider is not used: %s)", active.why());
            }
        }
        return active;
    }

    /**
     * In a native executable the JDK's providers, without trying the native one; elsewhere the native
     * one, installed first, when it loads and passes its self-tests, else the JDK's.
     */
    static Choice choose(boolean nativeImage, Callable<Provider> corretto) {
        if (nativeImage) {
            return new Choice(JDK, NATIVE_IMAGE, NATIVE_IMAGE_WHY);
        }
        try {
            Provider provider = corretto.call();
            if (Security.getProvider(provider.getName()) == null) {
                Security.insertProviderAt(provider, 1);
            }
            return new Choice(provider.getName() + " " + provider.getVersionStr(), LOADED, null);
        } catch (Throwable e) {
            return new Choice(JDK, UNAVAILABLE, causes(e));
        }
    }

    /** The provider, its self-tests passed, or an exception saying why not. */
    private static Provider corretto() throws ReflectiveOperationException {
        Class<?> accp = Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider");
        Provider provider = (Provider) accp.getField("INSTANCE").get(null);
        accp.getMethod("assertHealthy").invoke(provider);
        return provider;
    }

    /** GraalVM sets this property to {@code runtime} in a native executable ({@code buildtime} while it builds one). */
    static boolean inNativeImage() {
        return "runtime".equals(System.getProperty("org.graalvm.nativeimage.imagecode"));
    }

    /** The exception and its causes, outermost first: an ExceptionInInitializerError alone says nothing. */
    static String causes(Throwable e) {
        StringBuilder out = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            out.append(" <- ").append(c);
        }
        return out.toString();
    }
}
