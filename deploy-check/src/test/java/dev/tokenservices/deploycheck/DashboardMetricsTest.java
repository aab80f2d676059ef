package dev.tokenservices.deploycheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard (deploy/monitoring/grafana-dashboard.json) only queries metrics the services
 * expose, shows every metric of the application's own, and the README names each of them.
 */
class DashboardMetricsTest {

    static final Path DASHBOARD = Manifests.DEPLOY.resolve("monitoring/grafana-dashboard.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DATASOURCE = "${DS_PROMETHEUS}";

    @Test
    void everyMetricTheDashboardQueriesIsExposed() {
        Set<String> exposed = ServiceMetrics.exposedSamples();
        Map<String, String> unknown = new LinkedHashMap<>();
        queries(dashboard()).forEach((where, names) -> names.stream()
                .filter(n -> !exposed.contains(n)).forEach(n -> unknown.put(n, where)));
        assertTrue(unknown.isEmpty(), "the dashboard queries metrics no service exposes (metric → panel): " + unknown
                + "\nexposed: " + exposed);
    }

    @Test
    void theDashboardShowsEveryApplicationMetric() {
        Set<String> used = new HashSet<>();
        queries(dashboard()).values().forEach(used::addAll);
        List<String> missing = new ArrayList<>();
        for (ServiceMetrics.Meter meter : ServiceMetrics.applicationMeters()) {
            if (meter.samples().stream().noneMatch(used::contains)) {
                missing.add(meter.family() + " (" + meter.where() + ")");
            }
        }
        assertTrue(missing.isEmpty(), "no dashboard panel shows " + missing);
    }

    @Test
    void theReadmeNamesEveryApplicationMetric() throws IOException {
        String readme = Files.readString(Manifests.REPO.resolve("README.md"), StandardCharsets.UTF_8);
        List<String> missing = ServiceMetrics.applicationMeters().stream().map(ServiceMetrics.Meter::family)
                .filter(family -> !readme.contains("`" + family)).distinct().toList();
        assertTrue(missing.isEmpty(), "README.md does not name " + missing);
    }

    @Test
    void theSourcesAreReadAndNamedLikeTheExporterNamesThem() {
        // Names as a scrape of the packaged services shows them.
        Set<String> exposed = ServiceMetrics.exposedSamples();
        for (String sample : List.of("ts_tokens_issued_total", "ts_tokens_rejected_total", "ts_token_request_seconds_bucket",
                "ts_authority_request_seconds_bucket", "ts_authority_failures_total", "ts_authority_circuit_open",
                "ts_crypto_provider_info", "orchestrator_logins_failed_total", "orchestrator_code_redemptions_total",
                "orchestrator_token_exchange_seconds_bucket", "portal_decisions_total", "portal_wrong_codes_total",
                "jvm_memory_used_bytes", "http_server_requests_seconds_count", "redis_pool_active", "sql_pool_active")) {
            assertTrue(exposed.contains(sample), sample + " is missing from " + exposed);
        }
        for (String wrong : List.of("ts_tokens_issued", "ts_tokens_issued_total_total", "portal_decisions_total_total",
                "orchestrator_token_exchange_seconds_seconds_count", "ts_crypto_provider_info_total",
                "http_server_requests_seconds_bucket")) {
            assertFalse(exposed.contains(wrong), wrong + " should not be exposed");
        }
        for (String framework : ServiceMetrics.frameworkSamples()) {
            assertFalse(framework.matches("(ts|orchestrator|portal)_.*"),
                    framework + ": application metrics are read from the sources, not listed as framework metrics");
        }
        List<ServiceMetrics.Meter> parsed = ServiceMetrics.meters("""
                Timer.builder("a.b").tag("x", "y")
                        .publishPercentileHistogram().register(registry);
                Counter.builder("c.d").register(registry);
                registry.counter("e_total", "k", v);
                @Timed(value = "f.g", histogram = true)
                """, "inline");
        assertEquals(List.of("a_b_seconds", "c_d_total", "e_total", "f_g_seconds"),
                parsed.stream().map(ServiceMetrics.Meter::family).toList());
        assertTrue(parsed.get(0).samples().contains("a_b_seconds_bucket"));
        assertFalse(ServiceMetrics.meters("Timer.builder(\"h\").register(r);", "inline").get(0).samples().contains("h_seconds_bucket"));
    }

    @Test
    void theCheckCatchesAMetricThatDoesNotExist() {
        Set<String> exposed = ServiceMetrics.exposedSamples();
        assertEquals(Set.of("ts_tokens_isued_total"), unknown(
                "sum by (grant_type) (rate(ts_tokens_isued_total{namespace=~\"$namespace\", error!=\"by\"}[$__rate_interval]))", exposed));
        assertEquals(Set.of("ts_token_request_seconds"), unknown(
                "histogram_quantile(0.99, sum by (le) (rate(ts_token_request_seconds[5m])))", exposed));
        assertEquals(Set.of("jvm_heap_bytes"), unknown("jvm_memory_used_bytes / on (pod) group_left jvm_heap_bytes", exposed));
        assertEquals(Set.of(), unknown("histogram_quantile(0.5, sum by (le, call) (rate(orchestrator_token_exchange_seconds_bucket"
                + "{pod=~\"$pod\"}[1m]))) * 1e3 or vector(0)", exposed));
        assertEquals(Set.of("jvm_bogus_total"), ServiceMetrics.templateMetricNames("label_values(jvm_bogus_total{a=\"b\"}, pod)"));
        assertEquals(Set.of(), ServiceMetrics.templateMetricNames("label_values(namespace)"));
    }

    @Test
    void theDashboardIsWellFormed() {
        JsonNode d = dashboard();
        assertEquals("tokenservices", d.path("uid").asText());
        Map<String, JsonNode> variables = new LinkedHashMap<>();
        d.path("templating").path("list").forEach(v -> variables.put(v.path("name").asText(), v));
        assertEquals(Set.of("DS_PROMETHEUS", "namespace", "pod"), variables.keySet());
        assertEquals("datasource", variables.get("DS_PROMETHEUS").path("type").asText());
        assertEquals("prometheus", variables.get("DS_PROMETHEUS").path("query").asText());
        Set<Integer> ids = new HashSet<>();
        int queried = 0;
        for (JsonNode panel : allPanels(d)) {
            String title = panel.path("title").asText();
            assertTrue(ids.add(panel.path("id").asInt()), "panel id " + panel.path("id") + " is used twice");
            JsonNode pos = panel.path("gridPos");
            assertTrue(pos.path("x").asInt() + pos.path("w").asInt() <= 24, title + ": wider than the 24-column grid");
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals(DATASOURCE, panel.path("datasource").path("uid").asText(), title + ": panel datasource");
            assertFalse(panel.path("targets").isEmpty(), title + ": no query");
            for (JsonNode target : panel.path("targets")) {
                assertEquals(DATASOURCE, target.path("datasource").path("uid").asText(), title + ": query datasource");
                String expr = target.path("expr").asText();
                assertFalse(ServiceMetrics.metricNames(expr).isEmpty(), title + ": a query selects no metric: " + expr);
                assertEquals(count(expr, '('), count(expr, ')'), title + ": unbalanced parentheses in " + expr);
                assertTrue(expr.contains("namespace=~\"$namespace\"") && expr.contains("pod=~\"$pod\""),
                        title + ": the query ignores the namespace/pod variables: " + expr);
                queried++;
            }
        }
        assertTrue(queried > 30, "too few queries: " + queried);
    }

    /** deploy/monitoring renders to one ConfigMap that Grafana's sidecar picks up, holding the dashboard as is. */
    @Test
    void theMonitoringKustomizationCarriesTheDashboard() throws IOException {
        Assumptions.assumeTrue(Manifests.kubectl().isPresent(), "kubectl is not installed: deploy/monitoring was not rendered");
        String kubectl = Manifests.kubectl().orElseThrow();
        List<HasMetadata> objects = Manifests.typedAll(
                Manifests.documents(Manifests.render(kubectl, Manifests.DEPLOY.resolve("monitoring"))), "deploy/monitoring");
        assertEquals(1, objects.size(), "deploy/monitoring renders " + objects.size() + " objects");
        ConfigMap cm = (ConfigMap) objects.get(0);
        assertEquals("1", cm.getMetadata().getLabels().get("grafana_dashboard"));
        assertEquals(JSON.readTree(Files.readString(DASHBOARD, StandardCharsets.UTF_8)),
                JSON.readTree(cm.getData().get("tokenservices.json")));
    }

    // ------------------------------------------------------------------

    private static Set<String> unknown(String expr, Set<String> exposed) {
        Set<String> out = new TreeSet<>(ServiceMetrics.metricNames(expr));
        out.removeAll(exposed);
        return out;
    }

    private static int count(String s, char c) {
        return (int) s.chars().filter(ch -> ch == c).count();
    }

    static JsonNode dashboard() {
        try {
            return JSON.readTree(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(DASHBOARD + " is not JSON: " + e.getMessage(), e);
        }
    }

    /** Panels at the top level and inside (collapsed) rows. */
    private static List<JsonNode> allPanels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            out.add(panel);
            panel.path("panels").forEach(out::add);
        }
        return out;
    }

    /** Where (panel title or variable) → the metric names its queries select. */
    private static Map<String, Set<String>> queries(JsonNode dashboard) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (JsonNode panel : allPanels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                out.computeIfAbsent("panel '" + panel.path("title").asText() + "'", k -> new TreeSet<>())
                        .addAll(ServiceMetrics.metricNames(target.path("expr").asText()));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode q = variable.path("query");
                String query = q.isTextual() ? q.asText() : q.path("query").asText();
                out.put("variable '" + variable.path("name").asText() + "'", ServiceMetrics.templateMetricNames(query));
            }
        }
        return out;
    }
}
