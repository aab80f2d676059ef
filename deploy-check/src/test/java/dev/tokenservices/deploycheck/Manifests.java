package dev.tokenservices.deploycheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Reading, rendering and strictly validating Kubernetes manifests offline. */
final class Manifests {

    static final Path REPO = locateRepo();
    static final Path DEPLOY = REPO.resolve("deploy");
    /** Where the dev overlay's make-secrets.sh writes (gitignored; never in the repository). */
    static final String DEV_SECRETS = "overlays/dev/secrets";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static Path prepared;
    private static final YAMLMapper YAML = new YAMLMapper();

    private Manifests() {
    }

    private static Path locateRepo() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy/base"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("deploy/base not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /**
     * A copy of deploy/ in a temporary directory where the dev overlay's make-secrets.sh has run, as an
     * operator runs it before installing: the overlays render from it, and the repository stays
     * without any secret. Made once per run.
     */
    static synchronized Path preparedDeploy() {
        if (prepared != null) {
            return prepared;
        }
        try {
            Path copy = Files.createTempDirectory("deploy-check").resolve("deploy");
            try (Stream<Path> files = Files.walk(DEPLOY)) {
                for (Path f : files.filter(f -> !f.startsWith(DEPLOY.resolve(DEV_SECRETS))).toList()) {
                    Path target = copy.resolve(DEPLOY.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            Path script = copy.resolve("overlays/dev/make-secrets.sh");
            Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("deploy/overlays/dev/make-secrets.sh failed: " + out);
            }
            prepared = copy;
            return copy;
        } catch (IOException e) {
            throw new AssertionError("cannot prepare a copy of deploy/: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The YAML documents of a text, as trees (empty documents skipped). */
    static List<JsonNode> documents(String yaml) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && !node.isNull() && !node.isMissingNode() && !(node.isObject() && node.isEmpty())) {
                    docs.add(node);
                }
            }
        } catch (IOException e) {
            throw new AssertionError("not YAML: " + e.getMessage(), e);
        }
        return docs;
    }

    static List<JsonNode> documents(Path file) {
        try {
            return documents(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(file + " cannot be read", e);
        }
    }

    /**
     * Turns a document into the typed fabric8 object for its apiVersion/kind and fails on anything
     * the Kubernetes model does not know: an unknown kind or apiVersion, or an unknown field anywhere.
     */
    static HasMetadata typed(JsonNode doc, String where) {
        String kind = doc.path("kind").asText("");
        String apiVersion = doc.path("apiVersion").asText("");
        if (kind.isEmpty() || apiVersion.isEmpty()) {
            throw new AssertionError(where + ": a document without apiVersion/kind");
        }
        KubernetesResource resource;
        try {
            resource = SERIALIZATION.unmarshal(doc.toString(), KubernetesResource.class);
        } catch (RuntimeException e) {
            throw new AssertionError(where + ": " + apiVersion + "/" + kind + " does not validate: " + e.getMessage(), e);
        }
        if (resource instanceof GenericKubernetesResource || !(resource instanceof HasMetadata)) {
            throw new AssertionError(where + ": " + apiVersion + "/" + kind + " is not a known Kubernetes type");
        }
        HasMetadata object = (HasMetadata) resource;
        List<String> unknown = new ArrayList<>();
        unknownFields(object, object.getKind() + "/" + object.getMetadata().getName(), unknown,
                Collections.newSetFromMap(new IdentityHashMap<>()));
        if (!unknown.isEmpty()) {
            throw new AssertionError(where + ": fields the Kubernetes schema does not have: " + unknown);
        }
        return object;
    }

    /** fabric8's model keeps fields it does not know in additionalProperties: any there is an error. */
    static void unknownFields(Object value, String path, List<String> out, Set<Object> seen) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
                || value instanceof Enum<?> || value.getClass().isPrimitive() || !seen.add(value)) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "[" + k + "]", out, seen));
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                unknownFields(item, path + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : value.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())
                    || m.getDeclaringClass() == Object.class || !m.getName().startsWith("get")) {
                continue;
            }
            Object child;
            try {
                child = m.invoke(value);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add(path + ": " + extra.keySet());
                }
                continue;
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            unknownFields(child, path + "." + field, out, seen);
        }
    }

    static List<HasMetadata> typedAll(List<JsonNode> docs, String where) {
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode doc : docs) {
            objects.add(typed(doc, where));
        }
        return objects;
    }

    /** kubectl on the PATH (or $KUBECTL; KUBECTL=none checks the files only), if any. */
    static Optional<String> kubectl() {
        String explicit = System.getenv("KUBECTL");
        if ("none".equals(explicit)) {
            return Optional.empty();
        }
        if (explicit != null && !explicit.isBlank()) {
            return Optional.of(explicit);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    /** {@code kubectl kustomize <dir>}: the objects an apply would send, rendered offline. */
    static String render(String kubectl, Path dir) {
        try {
            Path err = Files.createTempFile("kustomize", ".err");
            Process p = new ProcessBuilder(kubectl, "kustomize", dir.toString())
                    .redirectError(err.toFile())
                    .start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + dir + " did not finish in 120 s");
            }
            String stderr = Files.readString(err);
            Files.deleteIfExists(err);
            if (p.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + dir + " failed (" + p.exitValue() + "): " + stderr);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("kubectl kustomize " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
