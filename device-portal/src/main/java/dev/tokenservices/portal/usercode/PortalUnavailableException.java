package dev.tokenservices.portal.usercode;

/** Redis did not answer in time: the page says to try again shortly (503). */
public class PortalUnavailableException extends RuntimeException {

    public PortalUnavailableException(Throwable cause) {
        super("the portal cannot reach its store", cause);
    }
}
