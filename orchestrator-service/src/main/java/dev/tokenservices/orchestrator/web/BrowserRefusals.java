package dev.tokenservices.orchestrator.web;

import dev.tokenservices.core.web.RefusalPages;
import dev.tokenservices.shared.http.MalformedRequests;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * Refused requests on the pages a browser is sent to ({@code /authorize}, {@code /callback},
 * {@code /logout}…) get an error page in the orchestrator's look; the API ({@code /token},
 * {@code /userinfo}, {@code /jwks}, discovery) keeps RFC 6749 §5.2 JSON.
 */
@ApplicationScoped
public class BrowserRefusals implements RefusalPages {

    /** Where people arrive in a browser; everything else is for programs. */
    private static final List<String> BROWSER_PATHS = List.of("/authorize", "/callback", "/logout", "/continue", "/demo");

    private final Pages pages;

    public BrowserRefusals(Pages pages) {
        this.pages = pages;
    }

    @Override
    public boolean forBrowser(String path) {
        for (String prefix : BROWSER_PATHS) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Response refused(MalformedRequests.Refusal refusal) {
        return switch (refusal) {
            case TOO_LONG -> pages.error(refusal.status(), "This address is too long",
                    "The address of this page is longer than this service accepts.");
            case BAD_ENCODING -> pages.error(refusal.status(), "This address is malformed",
                    "The address of this page is damaged: it has a '%' that is not followed by two hexadecimal digits.");
            case BAD_CHARACTER -> pages.error(refusal.status(), "This address is malformed",
                    "The address of this page is damaged: it has a character that should have been percent-encoded.");
            case BODY_TOO_LARGE -> pages.error(refusal.status(), "This request is too large",
                    "The form sent to this page is larger than this service accepts.");
        };
    }

    @Override
    public Response refused(int status) {
        return pages.error(status, "This request cannot be handled", "The request is malformed or too large.");
    }
}
