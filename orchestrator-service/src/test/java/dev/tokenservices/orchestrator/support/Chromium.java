package dev.tokenservices.orchestrator.support;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium laying out a page the service answered, as a phone would show it: the
 * page (its style sheet still loaded from the running service) in a frame {@code width} CSS pixels
 * wide, and what the browser measured there. The frame stands for the phone's viewport: headless
 * Chromium will not make its window narrower than 500 pixels; scroll bars are hidden, as on a phone.
 */
public final class Chromium {

    private static final Path EXECUTABLE = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    private static final Pattern TITLE = Pattern.compile("<title>MEASURED (\\d+) (\\d+) (\\d+)</title>");

    private Chromium() {
    }

    /**
     * @param scrollWidth   the page's {@code document.scrollingElement.scrollWidth}
     * @param clientWidth   its viewport's width (the frame's)
     * @param widestElement the right edge of the element reaching furthest right
     */
    public record Layout(int scrollWidth, int clientWidth, int widestElement) {
    }

    /** Lays {@code html} out {@code width} pixels wide; {@code base} is where its relative links point. */
    public static Layout layout(String html, URL base, int width) throws IOException, InterruptedException {
        if (!Files.isExecutable(EXECUTABLE)) {
            throw new AssertionError(EXECUTABLE + " is missing: apt-get install chromium (./test.sh installs it), or set CHROMIUM");
        }
        Path dir = Files.createTempDirectory("orchestrator-page");
        try {
            Files.writeString(dir.resolve("page.html"), html.replaceFirst("<head>", "<head>\n<base href=\"" + base + "\">"), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("phone.html"), """
                    <!DOCTYPE html><html><head><title>-</title></head><body style="margin:0">
                    <iframe id="phone" src="page.html" style="width:%dpx;height:844px;border:0"></iframe>
                    <script>
                    document.getElementById('phone').addEventListener('load', () => {
                      const page = document.getElementById('phone').contentDocument;
                      const widest = Math.max(...[...page.body.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right));
                      document.title = ['MEASURED', page.scrollingElement.scrollWidth, page.scrollingElement.clientWidth, Math.ceil(widest)].join(' ');
                    });
                    </script></body></html>
                    """.formatted(width), StandardCharsets.UTF_8);
            Process chromium = new ProcessBuilder(List.of(EXECUTABLE.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                    "--user-data-dir=" + dir.resolve("profile"), "--allow-file-access-from-files", "--virtual-time-budget=10000",
                    "--dump-dom", dir.resolve("phone.html").toUri().toString()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String dom = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!chromium.waitFor(60, TimeUnit.SECONDS)) {
                chromium.destroyForcibly();
                throw new AssertionError("chromium did not finish within 60 s");
            }
            Matcher m = TITLE.matcher(dom);
            if (!m.find()) {
                throw new AssertionError("chromium measured nothing (exit " + chromium.exitValue() + "): " + dom);
            }
            return new Layout(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
