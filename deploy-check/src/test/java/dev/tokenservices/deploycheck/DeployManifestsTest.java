package dev.tokenservices.deploycheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenservices.shared.registry.RegistryFile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deployment, checked offline: the overlays render with {@code kubectl kustomize} (when kubectl is
 * installed), every object is a valid Kubernetes object (fabric8 model, unknown fields are errors), and
 * what the manifests say agrees with each service's own application.properties.
 */
class DeployManifestsTest {

    /** service → required environment variables (beyond the registry's ${NAME}s). */
    static final Map<String, List<String>> SERVICES = new LinkedHashMap<>();
    static {
        SERVICES.put("token-service", List.of("TS_REGISTRY", "PG_URL", "REDIS_URL", "TS_KEY_ENCRYPTION_KEY",
                "TOKEN_SERVICE_ISSUER", "DEVICE_PORTAL_URL"));
        SERVICES.put("orchestrator-service", List.of("TS_REGISTRY", "PG_URL", "REDIS_URL", "TS_KEY_ENCRYPTION_KEY",
                "ORCHESTRATOR_ISSUER", "TOKEN_SERVICE_URL", "ORCHESTRATOR_SECRET"));
        SERVICES.put("device-portal", List.of("TS_REGISTRY", "REDIS_URL", "DEVICE_PORTAL_URL", "PORTAL_OIDC_ISSUER",
                "DEVICE_PORTAL_SECRET"));
    }
    static final Map<String, String> PUBLIC_URL = Map.of(
            "token-service", "TOKEN_SERVICE_ISSUER",
            "orchestrator-service", "ORCHESTRATOR_ISSUER",
            "device-portal", "DEVICE_PORTAL_URL");

    static final Map<String, ServiceConfig> CONFIG = new HashMap<>();
    static Optional<String> kubectl;

    @BeforeAll
    static void setUp() {
        SERVICES.keySet().forEach(s -> CONFIG.put(s, new ServiceConfig(s)));
        kubectl = Manifests.kubectl();
        System.out.println(kubectl.map(k -> "deploy-check: rendering with " + k)
                .orElse("deploy-check: kubectl is not installed: overlays are NOT rendered; only the files are validated"));
    }

    // ------------------------------------------------------------------ always: the files themselves

    @Test
    void everyManifestFileIsAValidKubernetesObject() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Manifests.DEPLOY)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        Set<Path> generatorSources = new TreeSet<>();
        for (Path k : files) {
            if (k.getFileName().toString().equals("kustomization.yaml")) {
                for (String f : list(Manifests.documents(k).get(0), "configMapGenerator", "files")) {
                    generatorSources.add(k.getParent().resolve(f.contains("=") ? f.substring(f.indexOf('=') + 1) : f).normalize());
                }
            }
        }
        int objects = 0;
        for (Path f : files) {
            if (f.getFileName().toString().equals("kustomization.yaml") || generatorSources.contains(f.normalize())) {
                continue;
            }
            objects += Manifests.typedAll(Manifests.documents(f), Manifests.DEPLOY.relativize(f).toString()).size();
        }
        assertTrue(objects > 20, "too few objects found: " + objects);
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void kustomizationReferencesExistAndPatchesHitObjects(String dir) {
        Path root = Manifests.DEPLOY.resolve(dir);
        Set<String> objects = objectsOf(root);
        JsonNode k = Manifests.documents(root.resolve("kustomization.yaml")).get(0);
        for (String patch : list(k, "patchesStrategicMerge")) {
            Path file = root.resolve(patch);
            assertTrue(Files.isRegularFile(file), dir + ": patch " + patch + " does not exist");
            for (JsonNode doc : Manifests.documents(file)) {
                String id = doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
                assertTrue(objects.contains(id), dir + ": patch " + patch + " targets " + id + ", which is not among " + objects);
            }
        }
        for (String f : list(k, "configMapGenerator", "files")) {
            assertTrue(Files.isRegularFile(root.resolve(f)), dir + ": generator file " + f + " does not exist");
        }
    }

    /** kind/name of every object a kustomization lists (following bases), without rendering anything. */
    private static Set<String> objectsOf(Path root) {
        Set<String> ids = new TreeSet<>();
        JsonNode k = Manifests.documents(root.resolve("kustomization.yaml")).get(0);
        for (String base : list(k, "bases")) {
            Path dir = root.resolve(base).normalize();
            assertTrue(Files.isDirectory(dir), root + ": base " + base + " does not exist");
            ids.addAll(objectsOf(dir));
        }
        for (String r : list(k, "resources")) {
            Path file = root.resolve(r).normalize();
            if (Files.isDirectory(file)) {
                ids.addAll(objectsOf(file));
                continue;
            }
            assertTrue(Files.isRegularFile(file), root + ": resource " + r + " does not exist");
            for (JsonNode doc : Manifests.documents(file)) {
                ids.add(doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText());
            }
        }
        for (JsonNode gen : k.path("configMapGenerator")) {
            ids.add("ConfigMap/" + gen.path("name").asText());
        }
        return ids;
    }

    private static List<String> list(JsonNode k, String field) {
        List<String> out = new ArrayList<>();
        k.path(field).forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> list(JsonNode k, String field, String inner) {
        List<String> out = new ArrayList<>();
        k.path(field).forEach(g -> g.path(inner).forEach(n -> out.add(n.asText())));
        return out;
    }

    @Test
    void theStrictValidationCatchesMistakes() {
        String typo = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: 1\n  replicaz: 2\n";
        AssertionError e = assertThrows(AssertionError.class, () -> Manifests.typed(Manifests.documents(typo).get(0), "typo"));
        assertTrue(e.getMessage().contains("replicaz"), e.getMessage());
        String nested = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n    - name: a\n      image: b\n"
                + "      securityContext: {readOnlyRootFileSystem: true}\n";
        e = assertThrows(AssertionError.class, () -> Manifests.typed(Manifests.documents(nested).get(0), "nested"));
        assertTrue(e.getMessage().contains("readOnlyRootFileSystem"), e.getMessage());
        String kind = "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n";
        assertThrows(AssertionError.class, () -> Manifests.typed(Manifests.documents(kind).get(0), "kind"));
        String type = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: many}\n";
        assertThrows(AssertionError.class, () -> Manifests.typed(Manifests.documents(type).get(0), "type"));
        assertFalse(placeholder("hunter2-but-longer-0123456789abcdef"));
        assertFalse(placeholder("change-me-Zx81kq0PLm2vA9sd03Kd"));
        assertFalse(placeholder("postgresql://u:s3cretPassw0rd@db:5432/x"));
        assertTrue(placeholder("postgresql://u:change-me-db-password@db:5432/x"));
    }

    // ------------------------------------------------------------------ rendered overlays

    static Map<String, List<HasMetadata>> rendered = new HashMap<>();

    static List<HasMetadata> render(String dir) {
        Assumptions.assumeTrue(kubectl.isPresent(),
                "kubectl is not installed: deploy/" + dir + " was not rendered (install kubectl, or Debian's kubernetes-client)");
        return rendered.computeIfAbsent(dir, d -> Manifests.typedAll(
                Manifests.documents(Manifests.render(kubectl.get(), Manifests.DEPLOY.resolve(d))), "kubectl kustomize deploy/" + d));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void rendersAndAgreesWithTheServices(String dir) {
        List<HasMetadata> objects = render(dir);
        for (HasMetadata o : objects) {
            if (!o.getKind().equals("Namespace")) {
                assertEquals("tokenservices", o.getMetadata().getNamespace(), o.getKind() + "/" + o.getMetadata().getName());
            }
        }
        Map<String, String> sharedEnv = configMap(objects, "tokenservices-env").getData();
        for (String service : SERVICES.keySet()) {
            checkService(dir, objects, service, sharedEnv);
        }
        for (String key : sharedEnv.keySet()) {
            assertTrue(CONFIG.values().stream().anyMatch(c -> c.knows(key)),
                    dir + ": tokenservices-env sets " + key + ", which no service reads");
        }
        checkIngress(dir, objects, sharedEnv);
        checkNetworkPolicies(dir, objects);
        checkRegistry(dir, objects, sharedEnv);
        for (HasMetadata o : objects) {
            PodSpec pod = podSpec(o);
            if (pod != null) {
                checkHardened(dir + ": " + o.getKind() + "/" + o.getMetadata().getName(), pod);
            }
            if (o instanceof Secret s) {
                checkPlaceholders(dir, s);
            }
        }
        HorizontalPodAutoscaler hpa = one(objects, HorizontalPodAutoscaler.class, "token-service");
        assertEquals("token-service", hpa.getSpec().getScaleTargetRef().getName());
    }

    private void checkService(String dir, List<HasMetadata> objects, String service, Map<String, String> sharedEnv) {
        ServiceConfig config = CONFIG.get(service);
        String where = dir + ": " + service;
        Deployment d = one(objects, Deployment.class, service);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertEquals(1, pod.getContainers().size(), where);
        Container c = pod.getContainers().get(0);
        // image = the Jib configuration of the service
        assertEquals(config.image(), c.getImage(), where + ": image differs from quarkus.container-image.* in application.properties");
        // port
        int port = config.httpPort();
        assertEquals(1, c.getPorts().size(), where);
        assertEquals(port, c.getPorts().get(0).getContainerPort(), where + ": containerPort differs from quarkus.http.port");
        String portName = c.getPorts().get(0).getName();
        // probes on the health endpoints
        String health = config.healthRoot();
        checkProbe(where + " startupProbe", c.getStartupProbe(), health + "/started", portName, port);
        checkProbe(where + " livenessProbe", c.getLivenessProbe(), health + "/live", portName, port);
        checkProbe(where + " readinessProbe", c.getReadinessProbe(), health + "/ready", portName, port);
        // Prometheus annotations
        Map<String, String> annotations = d.getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"), where);
        assertEquals(String.valueOf(port), annotations.get("prometheus.io/port"), where);
        assertEquals(config.metricsPath(), annotations.get("prometheus.io/path"), where);
        // Service
        Service svc = one(objects, Service.class, service);
        assertEquals(d.getSpec().getSelector().getMatchLabels(), svc.getSpec().getSelector(), where + ": Service selector");
        ServicePort sp = svc.getSpec().getPorts().get(0);
        assertEquals(port, sp.getPort(), where + ": Service port");
        assertEquals(portName, sp.getTargetPort().getStrVal(), where + ": Service targetPort");
        // PodDisruptionBudget
        PodDisruptionBudget pdb = one(objects, PodDisruptionBudget.class, service);
        assertEquals(d.getSpec().getSelector().getMatchLabels(), pdb.getSpec().getSelector().getMatchLabels(), where + ": PDB selector");
        // graceful shutdown: preStop sleep + Quarkus' shutdown timeout fit in the grace period
        assertNotNull(c.getLifecycle(), where + ": no preStop");
        List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
        assertEquals("sleep", preStop.get(0), where + ": preStop");
        long shutdown = Duration.parse("PT" + sharedEnv.getOrDefault("QUARKUS_SHUTDOWN_TIMEOUT", "0s").toUpperCase()).toSeconds();
        assertTrue(pod.getTerminationGracePeriodSeconds() > Long.parseLong(preStop.get(1)) + shutdown,
                where + ": terminationGracePeriodSeconds must exceed the preStop sleep plus QUARKUS_SHUTDOWN_TIMEOUT");
        // environment: every name is one the service reads; every name it needs is there
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : c.getEnvFrom()) {
            assertNotNull(from.getConfigMapRef(), where + ": envFrom only from ConfigMaps");
            configMap(objects, from.getConfigMapRef().getName()).getData().forEach(env::put);
        }
        Set<String> registryVariables = registryVariables(objects);
        for (EnvVar e : c.getEnv()) {
            assertTrue(config.knows(e.getName()) || registryVariables.contains(e.getName()),
                    where + ": env " + e.getName() + " is read neither by the service nor by the registry it loads");
            env.put(e.getName(), e.getValue() == null ? "<from " + e.getValueFrom() + ">" : e.getValue());
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                checkSecretRef(dir, objects, where + " env " + e.getName(), e.getValueFrom().getSecretKeyRef());
            }
        }
        for (String required : SERVICES.get(service)) {
            assertTrue(config.knows(required), where + ": the check's own list names " + required + ", which the service does not read");
            assertTrue(env.containsKey(required), where + ": env " + required + " is not set");
        }
        for (String required : config.required()) {
            assertTrue(env.containsKey(required), where + ": application.properties needs ${" + required + "}, which is not set");
        }
        for (String variable : registryVariables(objects)) {
            EnvVar e = c.getEnv().stream().filter(v -> v.getName().equals(variable)).findFirst()
                    .orElseThrow(() -> new AssertionError(where + ": the registry uses ${" + variable + "}, which is not set"));
            assertNotNull(e.getValueFrom() == null ? null : e.getValueFrom().getSecretKeyRef(),
                    where + ": ${" + variable + "} must come from a Secret (secretKeyRef)");
        }
        for (String secretName : List.of("TS_KEY_ENCRYPTION_KEY", "PG_URL", "DEVICE_PORTAL_SECRET", "ORCHESTRATOR_SECRET")) {
            c.getEnv().stream().filter(v -> v.getName().equals(secretName)).forEach(v -> assertNotNull(
                    v.getValueFrom() == null ? null : v.getValueFrom().getSecretKeyRef(), where + ": " + secretName + " must come from a Secret"));
        }
        // the registry: mounted where TS_REGISTRY says
        String registryPath = env.get("TS_REGISTRY");
        VolumeMount mount = c.getVolumeMounts().stream().filter(m -> registryPath.startsWith(m.getMountPath() + "/")).findFirst()
                .orElseThrow(() -> new AssertionError(where + ": nothing mounted at " + registryPath));
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        ConfigMap registry = configMap(objects, volume.getConfigMap().getName());
        assertTrue(registry.getMetadata().getName().startsWith("tokenservices-registry"), where);
        assertTrue(registry.getData().containsKey(registryPath.substring(mount.getMountPath().length() + 1)), where + ": no " + registryPath);
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")), where + ": no writable /tmp");
    }

    private static void checkProbe(String where, Probe probe, String path, String portName, int port) {
        assertNotNull(probe, where + " is missing");
        HTTPGetAction get = probe.getHttpGet();
        assertNotNull(get, where + " is not an HTTP probe");
        assertEquals(path, get.getPath(), where);
        String p = get.getPort().getStrVal() != null ? get.getPort().getStrVal() : String.valueOf(get.getPort().getIntVal());
        assertTrue(p.equals(portName) || p.equals(String.valueOf(port)), where + ": port " + p);
    }

    private static void checkSecretRef(String dir, List<HasMetadata> objects, String where, SecretKeySelector ref) {
        if (!dir.equals("overlays/dev") || Boolean.TRUE.equals(ref.getOptional())) {
            return; // base and prod ship no Secret: the operator creates them (deploy/README.md)
        }
        Secret s = objects.stream().filter(o -> o instanceof Secret && o.getMetadata().getName().equals(ref.getName()))
                .map(Secret.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError(dir + ": " + where + " refers to Secret " + ref.getName() + ", which is not there"));
        assertTrue(secretValues(s).containsKey(ref.getKey()), dir + ": " + where + ": Secret " + ref.getName() + " has no key " + ref.getKey());
    }

    private void checkIngress(String dir, List<HasMetadata> objects, Map<String, String> sharedEnv) {
        List<Ingress> ingresses = objects.stream().filter(Ingress.class::isInstance).map(Ingress.class::cast).toList();
        assertEquals(1, ingresses.size(), dir + ": one Ingress");
        Ingress ingress = ingresses.get(0);
        Set<String> tlsHosts = new TreeSet<>();
        ingress.getSpec().getTls().forEach(t -> tlsHosts.addAll(t.getHosts()));
        for (String service : SERVICES.keySet()) {
            URI url = URI.create(sharedEnv.get(PUBLIC_URL.get(service)));
            assertEquals("https", url.getScheme(), dir + ": " + PUBLIC_URL.get(service) + " behind the TLS ingress");
            IngressRule rule = ingress.getSpec().getRules().stream().filter(r -> url.getHost().equals(r.getHost())).findFirst()
                    .orElseThrow(() -> new AssertionError(dir + ": no Ingress rule for " + url.getHost() + " (" + PUBLIC_URL.get(service) + ")"));
            assertTrue(tlsHosts.contains(url.getHost()), dir + ": no TLS for " + url.getHost());
            var backend = rule.getHttp().getPaths().get(0).getBackend().getService();
            assertEquals(service, backend.getName(), dir + ": host " + url.getHost());
            Service svc = one(objects, Service.class, service);
            assertTrue(svc.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals(backend.getPort().getName())
                    || p.getPort().equals(backend.getPort().getNumber())), dir + ": Ingress backend port of " + service);
        }
        assertEquals("https://" + URI.create(sharedEnv.get("ORCHESTRATOR_ISSUER")).getHost(), sharedEnv.get("PORTAL_OIDC_ISSUER"),
                dir + ": the portal logs in at the orchestrator");
        URI internal = URI.create(sharedEnv.get("TOKEN_SERVICE_URL"));
        Service ts = one(objects, Service.class, internal.getHost());
        assertEquals(internal.getPort(), ts.getSpec().getPorts().get(0).getPort(), dir + ": TOKEN_SERVICE_URL port");
    }

    private void checkNetworkPolicies(String dir, List<HasMetadata> objects) {
        List<NetworkPolicy> policies = objects.stream().filter(NetworkPolicy.class::isInstance).map(NetworkPolicy.class::cast).toList();
        assertTrue(policies.stream().anyMatch(p -> empty(p.getSpec().getPodSelector().getMatchLabels())
                && empty(p.getSpec().getPodSelector().getMatchExpressions()) && empty(p.getSpec().getIngress())
                && p.getSpec().getPolicyTypes().contains("Ingress")),
                dir + ": no default-deny ingress policy");
        for (String service : SERVICES.keySet()) {
            NetworkPolicy p = one(objects, NetworkPolicy.class, service);
            assertEquals(service, p.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/name"), dir);
            assertEquals(CONFIG.get(service).httpPort(), p.getSpec().getIngress().get(0).getPorts().get(0).getPort().getIntVal(), dir);
        }
        NetworkPolicy ts = one(objects, NetworkPolicy.class, "token-service");
        Set<String> fromPods = new TreeSet<>();
        ts.getSpec().getIngress().forEach(r -> r.getFrom().forEach(f -> {
            if (f.getPodSelector() != null && f.getNamespaceSelector() == null) {
                fromPods.add(f.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"));
            }
        }));
        assertEquals(Set.of("orchestrator-service", "device-portal"), fromPods, dir + ": token-service reachable from these pods");
        for (String store : List.of("redis", "postgres")) {
            NetworkPolicy p = one(objects, NetworkPolicy.class, store);
            assertEquals(store, p.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/name"), dir);
            p.getSpec().getIngress().forEach(r -> r.getFrom().forEach(f -> {
                assertEquals(null, f.getNamespaceSelector(), dir + ": " + store + " only from this namespace");
                assertEquals(null, f.getIpBlock(), dir + ": " + store + " only from pods");
                f.getPodSelector().getMatchExpressions().forEach(e -> assertTrue(SERVICES.keySet().containsAll(e.getValues()),
                        dir + ": " + store + " reachable from " + e.getValues()));
            }));
        }
    }

    private void checkRegistry(String dir, List<HasMetadata> objects, Map<String, String> sharedEnv) {
        ConfigMap cm = registryConfigMap(objects);
        String yaml = cm.getData().get("registry.yaml");
        Map<String, String> env = new HashMap<>();
        objects.stream().filter(Secret.class::isInstance).map(Secret.class::cast).forEach(s -> env.putAll(secretValues(s)));
        for (String v : registryVariables(objects)) {
            env.putIfAbsent(v, "change-me-a-placeholder-of-32-characters");
        }
        List<String> warnings = new ArrayList<>();
        // the services' own parser: the same validation as at start-up
        RegistryFile.parse("deploy " + dir + " registry.yaml", yaml, env::get, warnings::add);
        JsonNode registry = Manifests.documents(yaml).get(0);
        String callback = sharedEnv.get("DEVICE_PORTAL_URL") + "/callback";
        boolean portal = false;
        for (JsonNode client : registry.path("clients")) {
            if (client.path("client_id").asText().equals("device-portal")) {
                portal = true;
                assertTrue(list(client, "redirect_uris").contains(callback), dir + ": the device-portal client needs redirect URI " + callback);
            }
            if (client.path("client_id").asText().equals("orchestrator")) {
                assertEquals("${ORCHESTRATOR_SECRET}", client.path("client_secret").asText(), dir);
            }
        }
        assertTrue(portal, dir + ": the registry has no device-portal client");
    }

    private static ConfigMap registryConfigMap(List<HasMetadata> objects) {
        return objects.stream().filter(o -> o instanceof ConfigMap && o.getMetadata().getName().startsWith("tokenservices-registry"))
                .map(ConfigMap.class::cast).findFirst().orElseThrow(() -> new AssertionError("no ConfigMap tokenservices-registry"));
    }

    private static Set<String> registryVariables(List<HasMetadata> objects) {
        Set<String> names = new TreeSet<>();
        // values only: comments are never read by the services either
        collectVariables(Manifests.documents(registryConfigMap(objects).getData().get("registry.yaml")).get(0), names);
        return names;
    }

    private static void collectVariables(JsonNode node, Set<String> out) {
        if (node.isTextual()) {
            Matcher m = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}").matcher(node.asText());
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        node.forEach(child -> collectVariables(child, out));
    }

    /** Limits, non-root, read-only root file system, no privilege escalation, no capabilities, seccomp. */
    private static void checkHardened(String where, PodSpec pod) {
        PodSecurityContext psc = pod.getSecurityContext();
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken(), where + ": automountServiceAccountToken");
        List<Container> all = new ArrayList<>(pod.getContainers());
        if (pod.getInitContainers() != null) {
            all.addAll(pod.getInitContainers());
        }
        for (Container c : all) {
            String w = where + " container " + c.getName();
            SecurityContext sc = c.getSecurityContext();
            assertNotNull(sc, w + ": no securityContext");
            boolean nonRoot = Boolean.TRUE.equals(sc.getRunAsNonRoot()) || (psc != null && Boolean.TRUE.equals(psc.getRunAsNonRoot()));
            assertTrue(nonRoot, w + ": runAsNonRoot");
            Long uid = sc.getRunAsUser() != null ? sc.getRunAsUser() : psc == null ? null : psc.getRunAsUser();
            assertTrue(uid == null || uid != 0, w + ": runAsUser 0");
            assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), w + ": readOnlyRootFilesystem");
            assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), w + ": allowPrivilegeEscalation");
            assertTrue(sc.getCapabilities() != null && sc.getCapabilities().getDrop().contains("ALL"), w + ": capabilities drop ALL");
            assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(), w + ": adds capabilities");
            assertFalse(Boolean.TRUE.equals(sc.getPrivileged()), w + ": privileged");
            String seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile().getType()
                    : psc != null && psc.getSeccompProfile() != null ? psc.getSeccompProfile().getType() : null;
            assertEquals("RuntimeDefault", seccomp, w + ": seccompProfile");
            assertNotNull(c.getResources(), w + ": no resources");
            for (String r : List.of("cpu", "memory")) {
                Map<String, Quantity> limits = c.getResources().getLimits();
                Map<String, Quantity> requests = c.getResources().getRequests();
                assertTrue(limits != null && limits.containsKey(r), w + ": no " + r + " limit");
                assertTrue(requests != null && requests.containsKey(r), w + ": no " + r + " request");
                assertTrue(Quantity.getAmountInBytes(requests.get(r)).compareTo(Quantity.getAmountInBytes(limits.get(r))) <= 0,
                        w + ": " + r + " request above its limit");
            }
        }
    }

    // ------------------------------------------------------------------ secrets

    static final Pattern PLACEHOLDER = Pattern.compile("change-me-[a-z0-9]+(?:-[a-z0-9]+)*");

    /** An obvious placeholder: change-me-words, its base64, or a URL without a real password. */
    static boolean placeholder(String value) {
        if (PLACEHOLDER.matcher(value).matches()) {
            // no random-looking segment hiding behind the prefix (letters and digits mixed, 8+ long)
            for (String segment : value.split("-")) {
                if (segment.length() >= 8 && segment.matches(".*[a-z].*") && segment.matches(".*[0-9].*")) {
                    return false;
                }
            }
            return true;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
            if (!decoded.equals(value) && decoded.startsWith("change-me-") && placeholder(decoded.replaceAll("[^a-z0-9-]", ""))) {
                return true;
            }
        } catch (IllegalArgumentException notBase64) {
            // fall through
        }
        if (value.matches("[a-z][a-z0-9+.-]*://.*")) {
            URI uri = URI.create(value);
            String userInfo = uri.getRawUserInfo();
            boolean noSecretInQuery = uri.getRawQuery() == null || !uri.getRawQuery().toLowerCase().matches(".*(pass|secret|token|key).*");
            if (noSecretInQuery && (userInfo == null || !userInfo.contains(":"))) {
                return true;
            }
            return noSecretInQuery && placeholder(userInfo.substring(userInfo.indexOf(':') + 1));
        }
        return false;
    }

    private static Map<String, String> secretValues(Secret s) {
        Map<String, String> values = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            values.putAll(s.getStringData());
        }
        return values;
    }

    private static void checkPlaceholders(String where, Secret s) {
        secretValues(s).forEach((k, v) -> assertTrue(placeholder(v),
                where + ": Secret " + s.getMetadata().getName() + " key " + k + " holds a real-looking value; "
                        + "examples must be obvious placeholders (change-me-...)"));
    }

    @Test
    void noSecretFileHoldsARealLookingValue() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Manifests.DEPLOY)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).toList();
        }
        int secrets = 0;
        for (Path f : files) {
            for (JsonNode doc : Manifests.documents(f)) {
                if (doc.path("kind").asText().equals("Secret")) {
                    checkPlaceholders(Manifests.DEPLOY.relativize(f).toString(), (Secret) Manifests.typed(doc, f.toString()));
                    secrets++;
                }
            }
        }
        assertTrue(secrets >= 3, "the dev overlay's example Secrets were not found");
    }

    // ------------------------------------------------------------------ per overlay

    @Test
    void devIsTheWholeInstall() {
        List<HasMetadata> objects = render("overlays/dev");
        for (String service : SERVICES.keySet()) {
            assertEquals(1, one(objects, Deployment.class, service).getSpec().getReplicas(), service + " replicas in dev");
        }
        StatefulSet redis = one(objects, StatefulSet.class, "redis");
        assertEquals(1, redis.getSpec().getReplicas());
        List<String> args = redis.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        int aof = args.indexOf("--appendonly");
        assertTrue(aof >= 0 && args.get(aof + 1).equals("yes"), "Redis needs AOF persistence: " + args);
        assertEquals(1, redis.getSpec().getVolumeClaimTemplates().size(), "Redis keeps its AOF on a PVC");
        StatefulSet pg = one(objects, StatefulSet.class, "postgres");
        assertEquals(1, pg.getSpec().getReplicas());
        assertEquals(1, pg.getSpec().getVolumeClaimTemplates().size(), "PostgreSQL on a PVC");
        // the datastore URLs the services get point at these in-cluster services
        Secret stores = one(objects, Secret.class, "tokenservices-datastores");
        Map<String, String> v = secretValues(stores);
        assertEquals("redis", URI.create(v.get("REDIS_URL")).getHost());
        assertEquals(6379, URI.create(v.get("REDIS_URL")).getPort());
        assertEquals("postgres", URI.create(v.get("PG_URL")).getHost());
        one(objects, Service.class, "redis");
        one(objects, Service.class, "postgres");
        // the master key placeholder is usable: base64 of 32 bytes
        byte[] key = Base64.getDecoder().decode(secretValues(one(objects, Secret.class, "tokenservices-secrets")).get("TS_KEY_ENCRYPTION_KEY"));
        assertEquals(32, key.length, "TS_KEY_ENCRYPTION_KEY must be base64 of 32 bytes or the services refuse it");
        String pgPassword = secretValues(one(objects, Secret.class, "tokenservices-postgres")).get("POSTGRES_PASSWORD");
        assertEquals(pgPassword, URI.create(v.get("PG_URL")).getUserInfo().split(":", 2)[1], "PG_URL's password is PostgreSQL's");
    }

    @Test
    void prodUsesExternalDatastoresAndThreeTokenServices() {
        List<HasMetadata> objects = render("overlays/prod");
        assertTrue(objects.stream().noneMatch(o -> o instanceof Secret), "prod ships no Secret: the operator creates them");
        assertTrue(objects.stream().noneMatch(o -> o instanceof StatefulSet), "prod runs no Redis/PostgreSQL of its own");
        assertEquals(3, one(objects, Deployment.class, "token-service").getSpec().getReplicas());
        assertTrue(one(objects, HorizontalPodAutoscaler.class, "token-service").getSpec().getMinReplicas() >= 3);
        assertTrue(configMap(objects, "tokenservices-env").getData().containsKey("QUARKUS_REDIS_CLIENT_TYPE"));
        Set<String> datastoreKeys = new TreeSet<>();
        objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .flatMap(d -> d.getSpec().getTemplate().getSpec().getContainers().stream())
                .flatMap(c -> c.getEnv().stream())
                .filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null
                        && e.getValueFrom().getSecretKeyRef().getName().equals("tokenservices-datastores"))
                .forEach(e -> datastoreKeys.add(e.getValueFrom().getSecretKeyRef().getKey()));
        assertEquals(Set.of("PG_URL", "REDIS_URL"), datastoreKeys);
    }

    // ------------------------------------------------------------------ helpers

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name)).toList();
        if (found.size() != 1) {
            fail("expected one " + type.getSimpleName() + " " + name + ", found " + found.size());
        }
        return found.get(0);
    }

    private static boolean empty(Object collectionOrMap) {
        return collectionOrMap == null
                || (collectionOrMap instanceof java.util.Collection<?> c && c.isEmpty())
                || (collectionOrMap instanceof Map<?, ?> m && m.isEmpty());
    }

    private static ConfigMap configMap(List<HasMetadata> objects, String name) {
        return one(objects, ConfigMap.class, name);
    }

    private static PodSpec podSpec(HasMetadata o) {
        if (o instanceof Deployment d) {
            return d.getSpec().getTemplate().getSpec();
        }
        if (o instanceof StatefulSet s) {
            return s.getSpec().getTemplate().getSpec();
        }
        return null;
    }
}
