package dev.tokenservices.deploycheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenservices.shared.config.ExampleSecrets;
import dev.tokenservices.shared.http.TrustedProxies;
import dev.tokenservices.shared.registry.RegistryFile;
import dev.tokenservices.shared.registry.SecretField;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
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
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
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
 * the rendered install keeps the policies of deploy/README.md (secrets per Deployment, management ports
 * never public, network policies, hardening). The services' own objects are generated from their
 * application.properties ({@link GeneratedManifestsTest}), so ports, probes and env names cannot drift.
 */
class DeployManifestsTest {

    static final List<String> SERVICES = GeneratedManifestsTest.SERVICES;
    /** The registry's secret fields each service reads (as its registry loader says: RegistryCache, Clients, DeviceClients). */
    static final Map<String, Set<SecretField>> REGISTRY_READS = Map.of(
            "token-service", EnumSet.of(SecretField.CLIENT_SECRETS),
            "orchestrator-service", EnumSet.of(SecretField.LOGIN_CLIENT_SECRETS, SecretField.UPSTREAM_IDP_SECRETS),
            "device-portal", EnumSet.noneOf(SecretField.class));
    /**
     * The secrets a service's Deployment may hold beyond the registry variables of the fields it reads:
     * its own. Finding 10 of issue 11: the internet-facing portal held every client's and the upstream
     * IdP's secret.
     */
    static final Map<String, Set<String>> OWN_SECRETS = Map.of(
            "token-service", Set.of("TS_KEY_ENCRYPTION_KEY", "PG_URL", "REDIS_URL"),
            "orchestrator-service", Set.of("TS_KEY_ENCRYPTION_KEY", "ORCHESTRATOR_SECRET", "PG_URL", "REDIS_URL"),
            "device-portal", Set.of("TS_KEY_ENCRYPTION_KEY", "DEVICE_PORTAL_SECRET", "PORTAL_CSRF_SECRET", "REDIS_URL"));
    static final String MANAGEMENT_PORT_NAME = "management";
    static final String PUBLIC_PORT_NAME = "http";
    static final Map<String, String> PUBLIC_URL = Map.of(
            "token-service", "TOKEN_SERVICE_ISSUER",
            "orchestrator-service", "ORCHESTRATOR_ISSUER",
            "device-portal", "DEVICE_PORTAL_URL");

    static Optional<String> kubectl;

    @BeforeAll
    static void setUp() {
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
        // Secrets are generated from files make-secrets.sh writes at install: there once it has run
        Path prepared = Manifests.preparedDeploy().resolve(dir);
        for (JsonNode gen : k.path("secretGenerator")) {
            String env = gen.path("env").asText();
            assertFalse(env.isEmpty(), dir + ": secretGenerator " + gen.path("name").asText() + " must read an env file");
            assertFalse(Files.exists(root.resolve(env)), dir + ": " + env + " is in the repository; it is written at install");
            assertTrue(Files.isRegularFile(prepared.resolve(env)), dir + ": make-secrets.sh did not write " + env);
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
        for (JsonNode gen : k.path("secretGenerator")) {
            ids.add("Secret/" + gen.path("name").asText());
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
    }

    // ------------------------------------------------------------------ rendered overlays

    static Map<String, List<HasMetadata>> rendered = new HashMap<>();

    static List<HasMetadata> render(String dir) {
        Assumptions.assumeTrue(kubectl.isPresent(),
                "kubectl is not installed: deploy/" + dir + " was not rendered (install kubectl, or Debian's kubernetes-client)");
        return rendered.computeIfAbsent(dir, d -> Manifests.typedAll(
                Manifests.documents(Manifests.render(kubectl.get(), Manifests.preparedDeploy().resolve(d))), "kubectl kustomize deploy/" + d));
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
        for (String service : SERVICES) {
            checkService(dir, objects, service, sharedEnv);
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
                secretValues(s).forEach((k, v) -> assertFalse(ExampleSecrets.looksLikeExample(v),
                        dir + ": Secret " + s.getMetadata().getName() + " key " + k + " holds an example value"));
            }
        }
        if (!dir.equals("base")) {
            checkTrustedProxies(dir, objects);
        }
        HorizontalPodAutoscaler hpa = one(objects, HorizontalPodAutoscaler.class, "token-service");
        assertEquals("token-service", hpa.getSpec().getScaleTargetRef().getName());
    }

    private void checkService(String dir, List<HasMetadata> objects, String service, Map<String, String> sharedEnv) {
        String where = dir + ": " + service;
        Deployment d = one(objects, Deployment.class, service);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertEquals(1, pod.getContainers().size(), where);
        Container c = pod.getContainers().get(0);
        int port = containerPort(objects, service, PUBLIC_PORT_NAME);
        int management = containerPort(objects, service, MANAGEMENT_PORT_NAME);
        // health and metrics only on the management port: Prometheus is told so
        Map<String, String> annotations = d.getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"), where);
        assertEquals(String.valueOf(management), annotations.get("prometheus.io/port"), where + ": Prometheus scrapes the management port");
        // the Service the Ingress routes to: the public port only
        Service svc = one(objects, Service.class, service);
        assertSelectsPods(svc.getSpec().getSelector(), d, where + ": Service selector");
        assertEquals(1, svc.getSpec().getPorts().size(), where + ": the Service " + service + " has the public port only");
        assertEquals(port, targetPort(c, svc.getSpec().getPorts().get(0)), where + ": Service targetPort");
        assertFalse(svc.getMetadata().getAnnotations() != null && svc.getMetadata().getAnnotations().containsKey("prometheus.io/port"),
                where + ": Prometheus scrapes the management Service, not the public one");
        // the management Service, for Prometheus (annotations or a ServiceMonitor on port "management")
        Service mgmt = one(objects, Service.class, service + "-management");
        assertSelectsPods(mgmt.getSpec().getSelector(), d, where + ": management Service selector");
        assertEquals(1, mgmt.getSpec().getPorts().size(), where);
        assertEquals(MANAGEMENT_PORT_NAME, mgmt.getSpec().getPorts().get(0).getName(), where);
        assertEquals(management, targetPort(c, mgmt.getSpec().getPorts().get(0)), where + ": management Service targetPort");
        assertEquals(String.valueOf(mgmt.getSpec().getPorts().get(0).getPort()), mgmt.getMetadata().getAnnotations().get("prometheus.io/port"), where);
        // PodDisruptionBudget
        PodDisruptionBudget pdb = one(objects, PodDisruptionBudget.class, service);
        assertSelectsPods(pdb.getSpec().getSelector().getMatchLabels(), d, where + ": PDB selector");
        // graceful shutdown: preStop sleep + Quarkus' shutdown timeout fit in the grace period
        assertNotNull(c.getLifecycle(), where + ": no preStop");
        List<String> preStop = c.getLifecycle().getPreStop().getExec().getCommand();
        assertEquals("sleep", preStop.get(0), where + ": preStop");
        long shutdown = Duration.parse("PT" + sharedEnv.getOrDefault("QUARKUS_SHUTDOWN_TIMEOUT", "0s").toUpperCase()).toSeconds();
        assertTrue(pod.getTerminationGracePeriodSeconds() > Long.parseLong(preStop.get(1)) + shutdown,
                where + ": terminationGracePeriodSeconds must exceed the preStop sleep plus QUARKUS_SHUTDOWN_TIMEOUT");
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : c.getEnvFrom()) {
            assertNotNull(from.getConfigMapRef(), where + ": envFrom only from ConfigMaps");
            configMap(objects, from.getConfigMapRef().getName()).getData().forEach(env::put);
        }
        for (EnvVar e : c.getEnv()) {
            env.put(e.getName(), e.getValue() == null ? "<from " + e.getValueFrom() + ">" : e.getValue());
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                checkSecretRef(dir, objects, where + " env " + e.getName(), e.getValueFrom().getSecretKeyRef());
            }
        }
        // the registry fields it reads: each ${NAME} there comes from a Secret
        Set<String> registryVariables = registryVariablesReadBy(objects, service);
        for (String variable : registryVariables) {
            EnvVar e = c.getEnv().stream().filter(v -> v.getName().equals(variable)).findFirst()
                    .orElseThrow(() -> new AssertionError(where + ": the registry fields it reads use ${" + variable + "}, which is not set"));
            assertNotNull(e.getValueFrom() == null ? null : e.getValueFrom().getSecretKeyRef(),
                    where + ": ${" + variable + "} must come from a Secret (secretKeyRef)");
        }
        // each Deployment holds only the secrets its service uses: its own and those of the registry fields it reads
        Set<String> allowed = new TreeSet<>(OWN_SECRETS.get(service));
        allowed.addAll(registryVariables);
        for (EnvVar e : c.getEnv()) {
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                assertTrue(allowed.contains(e.getValueFrom().getSecretKeyRef().getKey()), where + ": holds the secret "
                        + e.getValueFrom().getSecretKeyRef().getKey() + ", which it does not use; its secrets are " + allowed);
            }
        }
        assertTrue(c.getEnvFrom().stream().allMatch(f -> f.getSecretRef() == null), where + ": no whole Secret in envFrom");
        assertTrue(pod.getVolumes().stream().allMatch(v -> v.getSecret() == null), where + ": no Secret volume");
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

    /** A selector that picks the Deployment's pods (and so only pods with its name label). */
    private static void assertSelectsPods(Map<String, String> selector, Deployment d, String where) {
        Map<String, String> labels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertFalse(empty(selector), where + ": selects every pod");
        assertTrue(labels.entrySet().containsAll(selector.entrySet()), where + ": " + selector + " does not select the pods " + labels);
        assertEquals(d.getMetadata().getName(), selector.get("app.kubernetes.io/name"), where);
    }

    /** The containerPort named name of the service's container. */
    private static int containerPort(List<HasMetadata> objects, String service, String name) {
        Container c = one(objects, Deployment.class, service).getSpec().getTemplate().getSpec().getContainers().get(0);
        return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(service + ": no container port named " + name)).getContainerPort();
    }

    /** The container port a Service port sends to (its targetPort by number or by name). */
    private static int targetPort(Container c, ServicePort p) {
        if (p.getTargetPort().getStrVal() == null) {
            return p.getTargetPort().getIntVal();
        }
        return c.getPorts().stream().filter(cp -> p.getTargetPort().getStrVal().equals(cp.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + p.getTargetPort().getStrVal())).getContainerPort();
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
        for (String service : SERVICES) {
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
        // nothing the Ingress routes to carries a management port
        int[] managementPorts = SERVICES.stream().mapToInt(s -> containerPort(objects, s, MANAGEMENT_PORT_NAME)).toArray();
        ingress.getSpec().getRules().forEach(rule -> rule.getHttp().getPaths().forEach(path -> {
            Service svc = one(objects, Service.class, path.getBackend().getService().getName());
            for (ServicePort p : svc.getSpec().getPorts()) {
                String where = dir + ": Service " + svc.getMetadata().getName() + " (behind the Ingress) port " + p.getName();
                assertFalse(MANAGEMENT_PORT_NAME.equals(p.getName()) || MANAGEMENT_PORT_NAME.equals(p.getTargetPort().getStrVal()), where);
                for (int m : managementPorts) {
                    assertFalse(p.getPort() == m || Integer.valueOf(m).equals(p.getTargetPort().getIntVal()), where + " is a management port");
                }
            }
        }));
        assertEquals("https://" + URI.create(sharedEnv.get("ORCHESTRATOR_ISSUER")).getHost(), sharedEnv.get("PORTAL_OIDC_ISSUER"),
                dir + ": the portal logs in at the orchestrator");
        URI internal = URI.create(sharedEnv.get("TOKEN_SERVICE_URL"));
        Service ts = one(objects, Service.class, internal.getHost());
        assertEquals(internal.getPort(), ts.getSpec().getPorts().get(0).getPort(), dir + ": TOKEN_SERVICE_URL port");
    }

    private void checkNetworkPolicies(String dir, List<HasMetadata> objects) {
        List<NetworkPolicy> policies = objects.stream().filter(NetworkPolicy.class::isInstance).map(NetworkPolicy.class::cast).toList();
        for (String type : List.of("Ingress", "Egress")) {
            assertTrue(policies.stream().anyMatch(p -> selectsAll(p) && p.getSpec().getPolicyTypes().equals(List.of(type))
                    && empty(type.equals("Ingress") ? p.getSpec().getIngress() : p.getSpec().getEgress())),
                    dir + ": no default-deny " + type + " policy");
        }
        // DNS for every pod, to the cluster DNS only
        NetworkPolicy dns = one(objects, NetworkPolicy.class, "dns");
        assertTrue(selectsAll(dns), dir + ": policy dns selects every pod");
        dns.getSpec().getEgress().forEach(r -> r.getPorts().forEach(p -> assertEquals(53, p.getPort().getIntVal(), dir + ": dns")));
        for (String service : SERVICES) {
            String where = dir + ": NetworkPolicy " + service;
            int port = containerPort(objects, service, PUBLIC_PORT_NAME);
            int management = containerPort(objects, service, MANAGEMENT_PORT_NAME);
            NetworkPolicy p = one(objects, NetworkPolicy.class, service);
            assertEquals(service, p.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/name"), where);
            assertTrue(p.getSpec().getIngress().stream().anyMatch(r -> ports(r.getPorts()).equals(Set.of(port))
                    && r.getFrom().stream().anyMatch(f -> "ingress-nginx".equals(namespaceOf(f)))), where + ": the ingress controller to the public port");
            for (NetworkPolicyIngressRule rule : p.getSpec().getIngress()) {
                assertFalse(empty(rule.getPorts()), where + ": a rule without ports opens every port, the management port too");
                if (ports(rule.getPorts()).contains(management)) {
                    assertEquals(Set.of(management), ports(rule.getPorts()), where + ": the management port has a rule of its own");
                    rule.getFrom().forEach(f -> assertTrue("monitoring".equals(namespaceOf(f)) && f.getIpBlock() == null,
                            where + ": the management port only from the monitoring namespace (Prometheus), not " + f));
                }
            }
            assertTrue(p.getSpec().getIngress().stream().anyMatch(r -> ports(r.getPorts()).contains(management)),
                    where + ": Prometheus cannot reach the management port");
            // egress: the pod's own policy names where it may go
            assertTrue(p.getSpec().getPolicyTypes().contains("Egress") && !empty(p.getSpec().getEgress()), where + ": no egress rules");
            assertTrue(egressTo(p, "redis", 6379), where + ": egress to Redis");
        }
        NetworkPolicy ts = one(objects, NetworkPolicy.class, "token-service");
        Set<String> fromPods = new TreeSet<>();
        ts.getSpec().getIngress().forEach(r -> r.getFrom().forEach(f -> {
            if (f.getPodSelector() != null && f.getNamespaceSelector() == null) {
                fromPods.add(f.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"));
            }
        }));
        assertEquals(Set.of("orchestrator-service"), fromPods, dir + ": token-service reachable from these pods");
        assertTrue(egressTo(ts, "postgres", 5432), dir + ": token-service egress to PostgreSQL");
        NetworkPolicy orch = one(objects, NetworkPolicy.class, "orchestrator-service");
        assertTrue(egressTo(orch, "postgres", 5432), dir + ": orchestrator egress to PostgreSQL");
        assertTrue(egressTo(orch, "token-service", containerPort(objects, "token-service", PUBLIC_PORT_NAME)), dir + ": orchestrator egress to the token service");
        NetworkPolicy portal = one(objects, NetworkPolicy.class, "device-portal");
        assertTrue(portal.getSpec().getEgress().stream().anyMatch(r -> ports(r.getPorts()).contains(443)
                && r.getTo().stream().anyMatch(t -> "ingress-nginx".equals(namespaceOf(t)))),
                dir + ": the portal reaches the orchestrator's public issuer through the ingress controller");
        assertFalse(egressTo(portal, "postgres", 5432), dir + ": the portal has no business with PostgreSQL");
        // the allow-list of the upstream IdPs and scope authorities: the token service and the orchestrator only
        NetworkPolicy allowList = one(objects, NetworkPolicy.class, "egress-allow-list");
        assertEquals(Set.of("token-service", "orchestrator-service"),
                Set.copyOf(allowList.getSpec().getPodSelector().getMatchExpressions().get(0).getValues()), dir + ": egress-allow-list selects");
        // every pod of the install is covered by an egress policy of its own or the default deny
        for (HasMetadata o : objects) {
            if (podSpec(o) != null) {
                Map<String, String> labels = o instanceof Deployment d ? d.getSpec().getTemplate().getMetadata().getLabels()
                        : ((StatefulSet) o).getSpec().getTemplate().getMetadata().getLabels();
                assertTrue(policies.stream().anyMatch(p -> p.getSpec().getPolicyTypes().contains("Egress") && selects(p, labels)),
                        dir + ": no egress policy for " + o.getMetadata().getName());
            }
        }
        // only the dev overlay lets pods out to any address, and never to private ranges
        for (NetworkPolicy p : policies) {
            for (NetworkPolicyEgressRule rule : p.getSpec().getEgress() == null ? List.<NetworkPolicyEgressRule>of() : p.getSpec().getEgress()) {
                for (NetworkPolicyPeer to : rule.getTo()) {
                    if (to.getIpBlock() != null && to.getIpBlock().getCidr().endsWith("/0")) {
                        assertEquals("overlays/dev", dir, dir + ": " + p.getMetadata().getName() + " lets pods reach any address");
                        assertTrue(to.getIpBlock().getExcept().containsAll(List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")),
                                dir + ": " + p.getMetadata().getName() + " must keep private ranges out");
                    }
                }
            }
        }
        for (String store : List.of("redis", "postgres")) {
            NetworkPolicy p = one(objects, NetworkPolicy.class, store);
            assertEquals(store, p.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/name"), dir);
            p.getSpec().getIngress().forEach(r -> r.getFrom().forEach(f -> {
                assertEquals(null, f.getNamespaceSelector(), dir + ": " + store + " only from this namespace");
                assertEquals(null, f.getIpBlock(), dir + ": " + store + " only from pods");
                f.getPodSelector().getMatchExpressions().forEach(e -> assertTrue(SERVICES.containsAll(e.getValues()),
                        dir + ": " + store + " reachable from " + e.getValues()));
            }));
        }
    }

    private static boolean selectsAll(NetworkPolicy p) {
        return empty(p.getSpec().getPodSelector().getMatchLabels()) && empty(p.getSpec().getPodSelector().getMatchExpressions());
    }

    /** Whether the policy's pod selector (matchLabels, or "In" expressions) selects pods with these labels. */
    private static boolean selects(NetworkPolicy p, Map<String, String> labels) {
        var selector = p.getSpec().getPodSelector();
        boolean byLabels = selector.getMatchLabels() == null
                || selector.getMatchLabels().entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        boolean byExpressions = selector.getMatchExpressions() == null || selector.getMatchExpressions().stream()
                .allMatch(e -> e.getOperator().equals("In") && e.getValues().contains(labels.get(e.getKey())));
        return byLabels && byExpressions;
    }

    private static Set<Integer> ports(List<NetworkPolicyPort> ports) {
        Set<Integer> out = new TreeSet<>();
        if (ports != null) {
            ports.forEach(p -> out.add(p.getPort().getIntVal()));
        }
        return out;
    }

    private static String namespaceOf(NetworkPolicyPeer peer) {
        return peer.getNamespaceSelector() == null || peer.getNamespaceSelector().getMatchLabels() == null ? null
                : peer.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name");
    }

    /** Whether the policy lets its pods reach pods labelled app.kubernetes.io/name=name in this namespace on port. */
    private static boolean egressTo(NetworkPolicy p, String name, int port) {
        return p.getSpec().getEgress() != null && p.getSpec().getEgress().stream().anyMatch(r -> ports(r.getPorts()).contains(port)
                && r.getTo().stream().anyMatch(t -> t.getNamespaceSelector() == null && t.getPodSelector() != null
                        && t.getPodSelector().getMatchLabels() != null
                        && name.equals(t.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"))));
    }

    /** TS_TRUSTED_PROXIES set for every service, as CIDRs the services accept (the ingress controller's range). */
    private static void checkTrustedProxies(String dir, List<HasMetadata> objects) {
        for (String service : SERVICES) {
            Container c = one(objects, Deployment.class, service).getSpec().getTemplate().getSpec().getContainers().get(0);
            Map<String, String> env = new HashMap<>();
            c.getEnvFrom().forEach(f -> env.putAll(configMap(objects, f.getConfigMapRef().getName()).getData()));
            c.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
            String where = dir + ": " + service + " TS_TRUSTED_PROXIES";
            assertTrue(env.containsKey("TS_TRUSTED_PROXIES"), where + " is not set: behind the ingress every client would share its address");
            assertFalse(TrustedProxies.parse(env.get("TS_TRUSTED_PROXIES")).isEmpty(), where + " is empty");
            assertFalse(env.get("TS_TRUSTED_PROXIES").contains("/0"), where + " trusts every address");
        }
    }

    private void checkRegistry(String dir, List<HasMetadata> objects, Map<String, String> sharedEnv) {
        ConfigMap cm = registryConfigMap(objects);
        String yaml = cm.getData().get("registry.yaml");
        Map<String, String> env = new HashMap<>();
        objects.stream().filter(Secret.class::isInstance).map(Secret.class::cast).forEach(s -> env.putAll(secretValues(s)));
        for (String v : registryVariables(objects)) {
            env.putIfAbsent(v, "a-placeholder-of-at-least-32-characters");
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

    /**
     * The ${NAME}s a service resolves when it loads the mounted registry: those of the fields it reads
     * (REGISTRY_READS), found by loading the file with the services' own parser and noting each lookup.
     */
    private static Set<String> registryVariablesReadBy(List<HasMetadata> objects, String service) {
        Set<String> looked = new TreeSet<>();
        RegistryFile.parse("registry.yaml", registryConfigMap(objects).getData().get("registry.yaml"), REGISTRY_READS.get(service),
                ExampleSecrets.ALLOWED, name -> {
                    looked.add(name);
                    return "a-value-long-enough-for-any-secret-0123456789";
                }, warning -> { });
        return looked;
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

    private static Map<String, String> secretValues(Secret s) {
        Map<String, String> values = new LinkedHashMap<>();
        if (s.getData() != null) {
            // kustomize wraps long base64 values over lines, as Kubernetes (Go) accepts
            s.getData().forEach((k, v) -> values.put(k, new String(Base64.getMimeDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            values.putAll(s.getStringData());
        }
        return values;
    }

    /**
     * Finding 10 of issue 11: the dev overlay applied example Secrets from the repository, readable by
     * anyone. No Secret, and no file a Secret is generated from, is committed under deploy/; the dev
     * overlay's are written at install by make-secrets.sh, into a gitignored directory.
     */
    @Test
    void noSecretIsCommitted() throws IOException {
        Path generated = Manifests.DEPLOY.resolve(Manifests.DEV_SECRETS);
        List<Path> files;
        try (Stream<Path> s = Files.walk(Manifests.DEPLOY)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.startsWith(generated)).toList();
        }
        for (Path f : files) {
            String name = Manifests.DEPLOY.relativize(f).toString();
            assertFalse(name.endsWith(".env"), name + ": an env file of secrets in the repository");
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                for (JsonNode doc : Manifests.documents(f)) {
                    assertFalse(doc.path("kind").asText().equals("Secret"), name + " holds a Secret; generate it at install instead");
                }
            }
        }
        List<String> ignored = Files.readAllLines(Manifests.DEPLOY.resolve("overlays/dev/.gitignore"));
        assertTrue(ignored.contains("secrets/"), "deploy/overlays/dev/.gitignore must keep make-secrets.sh's output out of git");
    }

    @Test
    void makeSecretsWritesRandomSecretsThatTheServicesAccept() throws IOException {
        Path dir = Manifests.preparedDeploy().resolve(Manifests.DEV_SECRETS);
        Map<String, String> values = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                for (String line : Files.readAllLines(f)) {
                    values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
                }
            }
        }
        assertTrue(values.keySet().containsAll(List.of("TS_KEY_ENCRYPTION_KEY", "ORCHESTRATOR_SECRET", "DEVICE_PORTAL_SECRET",
                "PORTAL_CSRF_SECRET", "UPSTREAM_IDP_CLIENT_SECRET", "PG_URL", "REDIS_URL", "POSTGRES_PASSWORD")), values.keySet().toString());
        values.forEach((k, v) -> assertFalse(ExampleSecrets.looksLikeExample(v), k + " is an example value"));
        assertEquals(32, Base64.getDecoder().decode(values.get("TS_KEY_ENCRYPTION_KEY")).length,
                "TS_KEY_ENCRYPTION_KEY must be base64 of 32 bytes or the services refuse it");
        for (String k : List.of("ORCHESTRATOR_SECRET", "DEVICE_PORTAL_SECRET", "PORTAL_CSRF_SECRET", "REPORTS_WORKER_SECRET", "WEB_SHOP_SECRET")) {
            assertTrue(values.get(k).length() >= RegistryFile.MIN_SECRET_LENGTH, k + " is shorter than the registry accepts");
        }
        assertEquals(values.get("POSTGRES_PASSWORD"), URI.create(values.get("PG_URL")).getUserInfo().split(":", 2)[1],
                "PG_URL's password is PostgreSQL's");
        assertEquals(values.keySet().size(), Set.copyOf(values.values()).size(), "every secret is drawn anew");
    }

    // ------------------------------------------------------------------ per overlay

    @Test
    void devIsTheWholeInstall() {
        List<HasMetadata> objects = render("overlays/dev");
        for (String service : SERVICES) {
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
        Secret stores = generated(objects, "tokenservices-datastores");
        Map<String, String> v = secretValues(stores);
        assertEquals("redis", URI.create(v.get("REDIS_URL")).getHost());
        assertEquals(6379, URI.create(v.get("REDIS_URL")).getPort());
        assertEquals("postgres", URI.create(v.get("PG_URL")).getHost());
        one(objects, Service.class, "redis");
        one(objects, Service.class, "postgres");
        // the master key is usable: base64 of 32 bytes
        byte[] key = Base64.getDecoder().decode(secretValues(generated(objects, "tokenservices-secrets")).get("TS_KEY_ENCRYPTION_KEY"));
        assertEquals(32, key.length, "TS_KEY_ENCRYPTION_KEY must be base64 of 32 bytes or the services refuse it");
        String pgPassword = secretValues(generated(objects, "tokenservices-postgres")).get("POSTGRES_PASSWORD");
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

    /** README, Benchmarks "Native executables": only the portal, which signs nothing, runs natively in prod. */
    @Test
    void prodRunsThePortalNativeAndTheSigningServicesOnTheJvm() {
        List<HasMetadata> objects = render("overlays/prod");
        assertEquals("docker.io/tokenservices/token-service:0.1.0", image(objects, "token-service"));
        assertEquals("docker.io/tokenservices/orchestrator-service:0.1.0", image(objects, "orchestrator-service"));
        assertEquals("docker.io/tokenservices/device-portal:0.1.0-native", image(objects, "device-portal"));
    }

    // ------------------------------------------------------------------ helpers

    private static String image(List<HasMetadata> objects, String deployment) {
        return one(objects, Deployment.class, deployment).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type, String name) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name)).toList();
        if (found.size() != 1) {
            fail("expected one " + type.getSimpleName() + " " + name + ", found " + found.size());
        }
        return found.get(0);
    }

    /** The Secret a kustomize secretGenerator made: its name is the generator's plus a hash of its content. */
    private static Secret generated(List<HasMetadata> objects, String name) {
        List<Secret> found = objects.stream().filter(Secret.class::isInstance).map(Secret.class::cast)
                .filter(s -> s.getMetadata().getName().matches(Pattern.quote(name) + "-[a-z0-9]{10}")).toList();
        assertEquals(1, found.size(), "expected one generated Secret " + name + "-<hash>");
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
