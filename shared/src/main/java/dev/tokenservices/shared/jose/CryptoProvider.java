package dev.tokenservices.shared.jose;

import java.security.Provider;
import java.security.Security;
import org.jboss.logging.Logger;

/**
 * Installs the Amazon Corretto Crypto Provider (AWS-LC) as the first JCA provider when it loads:
 * ES256 signing costs ~19 µs with it against ~640 µs with the JDK's own provider on JDK 17.
 * Where it cannot load (another platform, a native image), the JDK's providers are used, and the
 * start-up log says why.
 */
public final class CryptoProvider {

    private static final Logger LOG = Logger.getLogger(CryptoProvider.class);
    private static volatile String active;

    private CryptoProvider() {
    }

    /** Idempotent; returns the name of the provider that signs. */
    public static synchronized String install() {
        if (active != null) {
            return active;
        }
        try {
            Class<?> accp = Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider");
            Provider provider = (Provider) accp.getField("INSTANCE").get(null);
            accp.getMethod("assertHealthy").invoke(provider);
            if (Security.getProvider(provider.getName()) == null) {
                Security.insertProviderAt(provider, 1);
            }
            active = provider.getName() + " " + provider.getVersionStr();
            LOG.infof("crypto provider: %s (native AWS-LC) is the first JCA provider", active);
        } catch (Throwable e) {
            active = "JDK";
            LOG.infof("crypto provider: JDK providers (the native provider is not available here: %s)", causes(e));
        }
        return active;
    }

    /** The exception and its causes, outermost first: an ExceptionInInitializerError alone says nothing. */
    static String causes(Throwable e) {
        StringBuilder out = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            out.append(" <- ").append(c);
        }
        return out.toString();
    }

    public static String active() {
        return active == null ? install() : active;
    }
}
