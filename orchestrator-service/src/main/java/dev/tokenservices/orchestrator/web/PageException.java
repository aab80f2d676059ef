package dev.tokenservices.orchestrator.web;

/**
 * An error shown to the person in the browser as an HTML page, never as a redirect: used where the
 * client or its redirect URI is not known to be genuine (OAuth 2.0 §4.1.2.1, RFC 9700 §4.1). When
 * the registered client is known, the page links back to it ({@link WayBack}).
 */
public final class PageException extends RuntimeException {

    private final int status;
    private final String title;
    private final transient WayBack back;

    public PageException(int status, String title, String message) {
        this(status, title, message, null);
    }

    /** @param back the way back to the registered client, or null when none is known */
    public PageException(int status, String title, String message, WayBack back) {
        super(message, null, false, false);
        this.status = status;
        this.title = title;
        this.back = back;
    }

    public static PageException badRequest(String message) {
        return new PageException(400, "This sign-in request cannot be handled", message);
    }

    public static PageException badRequest(String message, WayBack back) {
        return new PageException(400, "This sign-in request cannot be handled", message, back);
    }

    public static PageException unavailable(String message) {
        return new PageException(503, "Sign-in is temporarily unavailable", message);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The way back to the application, or null. */
    public WayBack back() {
        return back;
    }
}
