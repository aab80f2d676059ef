package dev.tokenservices.shared.registry;

import dev.tokenservices.shared.crypto.Hashes;
import dev.tokenservices.shared.config.ExampleSecrets;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.validation.Validator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The registry file as a running service sees it: one immutable snapshot, the {@link Registry} and
 * the service's own view of it, replaced as a whole. Read at start, where a wrong file stops start-up;
 * then checked every interval, and re-read when its content changed (a mounted Kubernetes ConfigMap
 * changes in place, through a symlink swap, so the content is compared, not the file's time). A changed
 * file that does not validate is logged, naming file, entry and field, and the last good snapshot stays.
 *
 * <p>There is no other copy: what the file no longer lists is gone from the service at the next
 * check, and another instance started with an older file changes nothing here.
 *
 * @param <V> the service's view: its lookup tables, built once per snapshot
 */
public final class RegistryLoader<V> implements AutoCloseable {

    /** How long a changed file must stay the same before it is read as the new registry. */
    private static final Duration SETTLE = Duration.ofMillis(100);

    private static final Logger LOG = Logger.getLogger(RegistryLoader.class);

    private final Path path;
    private final Set<SecretField> reads;
    private final ExampleSecrets examples;
    private final Validator validator;
    private final Function<Registry, V> view;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile Snapshot<V> snapshot;
    /** The content last refused, so that a file left broken is reported once, not at every check. */
    private volatile byte[] refusedHash;
    private ScheduledExecutorService timer;

    /** One validated file: its content hash, the registry and the service's view of it. */
    public record Snapshot<V>(byte[] hash, Registry registry, V view) {
    }

    /**
     * @param reads the secret fields this service reads (only those are resolved and held)
     * @param view builds the service's lookup tables; it may refuse a registry by throwing
     * @param metrics where {@code registry_reloads_total{result=applied|refused}} is counted
     */
    public RegistryLoader(Path path, Set<SecretField> reads, ExampleSecrets examples, Validator validator,
            Function<Registry, V> view, MeterRegistry metrics) {
        this.path = path;
        this.reads = reads;
        this.examples = examples;
        this.validator = validator;
        this.view = view;
        this.snapshot = new Snapshot<>(new byte[0], Registry.EMPTY, view.apply(Registry.EMPTY));
        FunctionCounter.builder("registry_reloads_total", reloads, AtomicLong::get)
                .description("Changed registry files applied").tag("result", "applied").register(metrics);
        FunctionCounter.builder("registry_reloads_total", rejected, AtomicLong::get)
                .description("Changed registry files refused (the registry before stayed in use)").tag("result", "refused")
                .register(metrics);
    }

    /**
     * Reads the file, throwing a {@link RegistryException} (which stops start-up) when it is wrong, then
     * checks it for changes every {@code interval} on a thread of its own.
     */
    public synchronized void start(Duration interval) {
        byte[] content = RegistryFile.read(path);
        snapshot = load(content);
        LOG.infof("registry %s: %s", path, snapshot.registry());
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "registry-reload");
                thread.setDaemon(true);
                return thread;
            });
            long millis = Math.max(1, interval.toMillis());
            timer.scheduleWithFixedDelay(this::reload, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Re-reads the file if its content changed. A file that cannot be read or does not validate is
     * logged (once per content) and the snapshot in use stays.
     *
     * @return whether a new snapshot is in use
     */
    public boolean reload() {
        try {
            byte[] content = RegistryFile.read(path);
            byte[] hash = Hashes.sha256(content);
            Snapshot<V> current = snapshot;
            if (Arrays.equals(hash, current.hash()) || Arrays.equals(hash, refusedHash)) {
                return false;
            }
            if (!settled(content)) {
                return false; // still being written in place: the next round looks again
            }
            try {
                snapshot = load(content);
            } catch (RuntimeException e) {
                refusedHash = hash;
                rejected.incrementAndGet();
                LOG.errorf("registry %s changed but is not valid; the registry read before stays in use: %s", path, e.getMessage());
                return false;
            }
            refusedHash = null;
            reloads.incrementAndGet();
            LOG.infof("registry %s changed and was reloaded: %s", path, snapshot.registry());
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("registry %s not checked for changes (%s); the registry read before stays in use", path, e.getMessage());
            return false;
        }
    }

    /**
     * Whether the file still reads the same a moment later. A file written in place (not swapped in
     * one step, as Kubernetes swaps a ConfigMap) can be read half-written, and a cut that still
     * parses (fewer clients, a shorter list) must not become the registry.
     */
    private boolean settled(byte[] content) {
        try {
            Thread.sleep(SETTLE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return Arrays.equals(content, RegistryFile.read(path));
    }

    private Snapshot<V> load(byte[] content) {
        Registry registry = RegistryFile.parse(path.toString(), new String(content, StandardCharsets.UTF_8), reads, examples,
                System::getenv, validator, LOG::warn);
        return new Snapshot<>(Hashes.sha256(content), registry, view.apply(registry));
    }

    /** The snapshot in use (an empty registry until {@link #start}); read it once per request. */
    public Snapshot<V> snapshot() {
        return snapshot;
    }

    public V view() {
        return snapshot().view();
    }

    public Registry registry() {
        return snapshot().registry();
    }

    /** Changed files applied since start. */
    public long reloads() {
        return reloads.get();
    }

    /** Changed files refused since start (the snapshot before stayed in use). */
    public long refusedReloads() {
        return rejected.get();
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }
}
