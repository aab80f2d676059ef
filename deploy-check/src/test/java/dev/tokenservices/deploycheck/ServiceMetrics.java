package dev.tokenservices.deploycheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The metrics the services expose at {@code /q/metrics}, as Prometheus sample names: the application's
 * own, read from the Micrometer registrations in the services' main sources, and the framework's
 * (JVM, HTTP server, Redis and SQL pools…), from {@code framework-metrics.txt}, a list taken from a
 * scrape of the packaged services.
 */
final class ServiceMetrics {

    static final List<String> MODULES = List.of("token-service", "orchestrator-service", "device-portal");
    /** Modules every service carries: a meter registered there may appear at any of them. */
    static final List<String> LIBRARIES = List.of("oauth-core", "shared");

    enum Type { COUNTER, TIMER, GAUGE, SUMMARY }

    /**
     * One registered meter: its Micrometer name, its type, whether a timer publishes histogram buckets,
     * and where it is registered.
     */
    record Meter(String name, Type type, boolean histogram, String where) {

        /** The Prometheus name of the family, as Micrometer's Prometheus naming convention makes it. */
        String family() {
            String base = name.replaceAll("[^a-zA-Z0-9_:]", "_");
            return switch (type) {
                case COUNTER -> base.endsWith("_total") ? base : base + "_total";
                case TIMER -> base.endsWith("_seconds") ? base : base + "_seconds";
                case GAUGE, SUMMARY -> base;
            };
        }

        /** The sample names a query can select. */
        Set<String> samples() {
            String family = family();
            return switch (type) {
                case COUNTER, GAUGE -> Set.of(family);
                case TIMER, SUMMARY -> histogram
                        ? Set.of(family + "_count", family + "_sum", family + "_max", family + "_bucket")
                        : Set.of(family + "_count", family + "_sum", family + "_max");
            };
        }
    }

    // Counter.builder("x"), Timer.builder("x"), Gauge.builder("x"), DistributionSummary.builder("x")
    private static final Pattern BUILDER = Pattern.compile(
            "\\b(Counter|Timer|Gauge|DistributionSummary)\\.builder\\(\\s*\"([^\"]+)\"");
    // registry.counter("x", ...), registry.timer("x", ...), registry.gauge("x", ...), registry.summary("x", ...)
    private static final Pattern SHORTCUT = Pattern.compile("\\.(counter|timer|gauge|summary)\\(\\s*\"([^\"]+)\"");
    // @Counted("x") / @Timed(value = "x", histogram = true)
    private static final Pattern ANNOTATION = Pattern.compile("@(Counted|Timed)\\(([^)]*)\\)");
    private static final Pattern ANNOTATION_NAME = Pattern.compile("(?:value\\s*=\\s*)?\"([^\"]+)\"");

    private ServiceMetrics() {
    }

    /** Every meter registered in the main sources of the three services. */
    static List<Meter> applicationMeters() {
        List<Meter> meters = new ArrayList<>();
        for (String module : Stream.concat(MODULES.stream(), LIBRARIES.stream()).toList()) {
            Path root = Manifests.REPO.resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    meters.addAll(meters(Files.readString(f, StandardCharsets.UTF_8), Manifests.REPO.relativize(f).toString()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return meters;
    }

    /** The meters one source file registers. */
    static List<Meter> meters(String source, String where) {
        List<Meter> out = new ArrayList<>();
        Matcher m = BUILDER.matcher(source);
        while (m.find()) {
            Type type = switch (m.group(1)) {
                case "Counter" -> Type.COUNTER;
                case "Timer" -> Type.TIMER;
                case "Gauge" -> Type.GAUGE;
                default -> Type.SUMMARY;
            };
            // the builder chain runs to its register(...)
            int end = source.indexOf(".register(", m.end());
            String chain = end < 0 ? "" : source.substring(m.end(), end);
            out.add(new Meter(m.group(2), type, chain.contains("publishPercentileHistogram"), where));
        }
        m = SHORTCUT.matcher(source);
        while (m.find()) {
            Type type = switch (m.group(1)) {
                case "counter" -> Type.COUNTER;
                case "timer" -> Type.TIMER;
                case "gauge" -> Type.GAUGE;
                default -> Type.SUMMARY;
            };
            out.add(new Meter(m.group(2), type, false, where));
        }
        m = ANNOTATION.matcher(source);
        while (m.find()) {
            Matcher name = ANNOTATION_NAME.matcher(m.group(2));
            if (name.find()) {
                boolean timed = m.group(1).equals("Timed");
                out.add(new Meter(name.group(1), timed ? Type.TIMER : Type.COUNTER,
                        timed && m.group(2).matches("(?s).*histogram\\s*=\\s*true.*"), where));
            }
        }
        return out;
    }

    /** The framework's sample names (JVM, process, system, HTTP server, Redis, SQL and worker pools, Netty). */
    static Set<String> frameworkSamples() {
        Set<String> names = new TreeSet<>();
        try (var in = ServiceMetrics.class.getResourceAsStream("/framework-metrics.txt")) {
            if (in == null) {
                throw new IllegalStateException("framework-metrics.txt is not on the test class path");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** Every sample name the services expose. */
    static Set<String> exposedSamples() {
        Set<String> names = new TreeSet<>(frameworkSamples());
        applicationMeters().forEach(meter -> names.addAll(meter.samples()));
        return names;
    }

    // ------------------------------------------------------------------ PromQL

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*]");
    private static final Pattern LABEL_LIST = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan", "Inf", "NaN");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)\\s*$",
            Pattern.DOTALL);

    /**
     * The metric names a PromQL expression selects: identifiers that are neither functions nor
     * keywords, once strings, label matchers, range selectors and by/without/on(…) label lists are
     * removed. Grafana's {@code $variables} only appear inside matchers and ranges here.
     */
    static Set<String> metricNames(String expr) {
        String s = STRING.matcher(expr).replaceAll(" ");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = LABEL_LIST.matcher(s).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String id = m.group();
            char before = m.start() == 0 ? ' ' : s.charAt(m.start() - 1);
            if (Character.isDigit(before) || before == '.' || before == '$' || KEYWORDS.contains(id)) {
                continue;   // 1e3, 0.5, $variable, keyword
            }
            int next = m.end();
            while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
                next++;
            }
            if (next < s.length() && s.charAt(next) == '(') {
                continue;   // a function or an aggregation
            }
            names.add(id);
        }
        return names;
    }

    /** The metric names a Grafana template variable's query selects ({@code label_values(metric, label)} or PromQL). */
    static Set<String> templateMetricNames(String query) {
        Matcher m = LABEL_VALUES.matcher(query);
        if (m.matches()) {
            return metricNames(m.group(1));
        }
        if (query.strip().matches("label_values\\(\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)")) {
            return Set.of();   // label_values(label): no metric
        }
        return metricNames(query);
    }
}
