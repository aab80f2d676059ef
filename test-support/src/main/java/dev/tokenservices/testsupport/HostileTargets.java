package dev.tokenservices.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Request targets a fuzzer would send: the service's paths with broken and odd escapes, dot segments,
 * raw bytes above 0x7F, repeated and empty parameters, and lengths around the 16 KiB limit. Seeded,
 * so that a failure can be replayed. Characters stand for ISO-8859-1 bytes (see {@link RawHttp}).
 */
public final class HostileTargets {

    private static final String[] PIECES = {
        "%", "%z", "%zz", "%4", "%4g", "%00", "%0a", "%0d%0a", "%ff", "%fe%ff", "%c3%28", "%2e%2e", "%2F", "%5c", "%25", "%%",
        "..", "/", "//", "?", "&", "=", "==", "#", ";", "+", "a", "xyz", "client_id=", "redirect_uri=", "user_code=",
        "\u00e9", "\u00ff", "\u0080", "~", "!", "$", "'", "(", "*", ",", ":", "@", "[", "]", "{", "|", "}", "^", "`", "\""
    };

    private HostileTargets() {
    }

    /** {@code count} targets starting with one of {@code paths}; about one in ten is longer than 16 KiB. */
    public static List<String> generate(long seed, List<String> paths, int count) {
        Random random = new Random(seed);
        List<String> targets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder target = new StringBuilder(paths.get(random.nextInt(paths.size())));
            int pieces = 1 + random.nextInt(12);
            for (int p = 0; p < pieces; p++) {
                target.append(PIECES[random.nextInt(PIECES.length)]);
            }
            if (random.nextInt(10) == 0) {
                String filler = PIECES[random.nextInt(PIECES.length)];
                target.append("?x=").append(filler.repeat(1 + (16_500 + random.nextInt(40_000)) / filler.length()));
            }
            targets.add(target.toString());
        }
        return targets;
    }
}
