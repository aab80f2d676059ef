package dev.tokenservices.orchestrator.support;

import static io.restassured.RestAssured.given;

import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One browser's cookie jar against the orchestrator: keeps what {@code Set-Cookie} says (name,
 * value, path; {@code Max-Age=0} removes) and sends each cookie only to the paths it was set for,
 * as browsers do. Redirects are not followed: each step is the test's.
 */
public final class Browser {

    private record Stored(String value, String path) {
    }

    private final Map<String, Stored> jar = new LinkedHashMap<>();

    public Response get(String path, Map<String, ?> query) {
        Response response = given().redirects().follow(false).cookies(cookiesFor(path)).queryParams(query).get(path);
        store(response);
        return response;
    }

    public Response post(String path, Map<String, ?> form) {
        Response response = given().redirects().follow(false).cookies(cookiesFor(path)).contentType("application/x-www-form-urlencoded")
                .formParams(form).post(path);
        store(response);
        return response;
    }

    public void put(String name, String value, String path) {
        jar.put(name, new Stored(value, path));
    }

    public String cookie(String name) {
        Stored stored = jar.get(name);
        return stored == null ? null : stored.value();
    }

    /** Names of the cookies held, in the order they were first set. */
    public List<String> names() {
        return new ArrayList<>(jar.keySet());
    }

    public Map<String, String> cookiesFor(String path) {
        Map<String, String> sent = new LinkedHashMap<>();
        jar.forEach((name, stored) -> {
            if (path.equals(stored.path()) || path.startsWith(stored.path().endsWith("/") ? stored.path() : stored.path() + "/")) {
                sent.put(name, stored.value());
            }
        });
        return sent;
    }

    public void store(Response response) {
        for (String line : response.headers().getValues("Set-Cookie")) {
            String[] parts = line.split(";");
            int eq = parts[0].indexOf('=');
            String name = parts[0].substring(0, eq).trim();
            String value = parts[0].substring(eq + 1).trim();
            String path = "/";
            boolean expired = value.isEmpty();
            for (int i = 1; i < parts.length; i++) {
                String attribute = parts[i].trim();
                if (attribute.regionMatches(true, 0, "Path=", 0, 5)) {
                    path = attribute.substring(5);
                } else if (attribute.equalsIgnoreCase("Max-Age=0")) {
                    expired = true;
                }
            }
            if (expired) {
                jar.remove(name);
            } else {
                jar.put(name, new Stored(value, path));
            }
        }
    }
}
