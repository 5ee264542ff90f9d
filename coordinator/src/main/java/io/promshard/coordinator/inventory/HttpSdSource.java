package io.promshard.coordinator.inventory;

import io.promshard.client.api.TargetGroup;
import io.promshard.client.rest.BoundedHttp;
import io.promshard.service.Daemons;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls an upstream http_sd endpoint for one job, as Prometheus' {@code http_sd_configs} does: a GET
 * answered by 200 with {@code application/json} and a list of target groups, validated like a file.
 * Any failure (connection, status, content type, size, parse) is refused with the URL and reason
 * and the last good answer stays in force. Polls run on the source's own thread, the first as soon as
 * it starts, and a whole answer (headers and body) must arrive within the timeout: an endpoint that
 * stalls only keeps its own last good answer.
 *
 * <p>Until the endpoint has answered once, the source is not {@linkplain #isReady() ready}, so that
 * a coordinator that starts (or takes over) while it is down publishes nothing rather than a
 * rebalance without its targets: the published assignment stays in force. After a grace period
 * ({@code max(30 s, 3 refresh intervals)} by default) the source is ready anyway, without targets,
 * so that one dead endpoint cannot stop every other job's rebalances for good.
 */
public final class HttpSdSource implements InventorySource {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSdSource.class);

    private enum State { LATENT, STARTED, CLOSED }

    /** How an answer becomes groups: an http_sd body, or a discovery Prometheus's targets. */
    @FunctionalInterface
    interface Decoder {
        List<TargetGroup> decode(String where, HttpResponse<byte[]> response) throws InventoryException;
    }

    private final String job;
    /** Asked in order until one answers. */
    private final List<URI> urls;
    /** The source's name: the key of its kept answer and of its error ({@code url} for http_sd). */
    private final String name;
    private final String kind;
    private final Decoder decoder;
    private final Duration interval;
    private final long maxBytes;
    private final HttpClient http;
    private final AtomicReference<List<TargetGroup>> last = new AtomicReference<>(List.of());
    private final AtomicReference<String> error = new AtomicReference<>();
    private final AtomicLong refusals = new AtomicLong();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private ScheduledExecutorService executor;
    private final Duration readyGrace;
    private final Duration timeout;
    private final LastGoodStore lastGood;
    /** Whether the answer kept in ZooKeeper was looked for (only before the first answer, once). */
    private boolean triedStored;
    /** Prometheus' own default for an http_sd request. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private volatile boolean answered;
    private volatile long startedNanos;
    private final AtomicBoolean gaveUp = new AtomicBoolean();

    public HttpSdSource(String job, URI url, Duration interval, FileSdParser parser, long maxBytes) {
        this(job, url, interval, parser, maxBytes, Duration.ofSeconds(Math.max(30, 3 * interval.toSeconds())));
    }

    /** @param readyGrace how long the source waits for a first answer before it is ready without one */
    public HttpSdSource(String job, URI url, Duration interval, FileSdParser parser, long maxBytes,
                        Duration readyGrace) {
        this(job, url, interval, parser, maxBytes, readyGrace, DEFAULT_TIMEOUT);
    }

    /**
     * @param readyGrace how long the source waits for a first answer before it is ready without one
     * @param timeout    deadline for a whole answer, headers and body: a stalled endpoint is refused after it
     */
    public HttpSdSource(String job, URI url, Duration interval, FileSdParser parser, long maxBytes,
                        Duration readyGrace, Duration timeout) {
        this(job, url, interval, parser, maxBytes, readyGrace, timeout, LastGoodStore.none());
    }

    /**
     * @param lastGood where the last good answer is kept: a coordinator that starts (or takes over)
     *                 while the endpoint is down or refused starts from the answer a previous one accepted
     */
    public HttpSdSource(String job, URI url, Duration interval, FileSdParser parser, long maxBytes,
                        Duration readyGrace, Duration timeout, LastGoodStore lastGood) {
        this(job, List.of(url), url.toString(), "http_sd", httpSd(parser), interval, maxBytes, readyGrace, timeout,
                lastGood);
    }

    private HttpSdSource(String job, List<URI> urls, String name, String kind, Decoder decoder, Duration interval,
                         long maxBytes, Duration readyGrace, Duration timeout, LastGoodStore lastGood) {
        this.lastGood = lastGood;
        this.timeout = timeout;
        this.readyGrace = readyGrace;
        this.job = job;
        this.urls = List.copyOf(urls);
        this.name = name;
        this.kind = kind;
        this.decoder = decoder;
        this.interval = interval;
        this.maxBytes = maxBytes;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * The targets a discovery Prometheus found for its job {@code discoveryJob} ({@link DiscoveredTargets}),
     * as inventory job {@code job}: the servers are asked in order and the first that answers is used.
     */
    public static HttpSdSource discovery(String job, List<URI> servers, String discoveryJob, Duration interval,
                                         long maxBytes, Duration readyGrace, Duration timeout, LastGoodStore lastGood) {
        List<URI> urls = servers.stream().map(DiscoveredTargets::targetsUrl).toList();
        String name = "discovery " + discoveryJob + " at " + String.join(", ", servers.stream().map(URI::toString).toList());
        return new HttpSdSource(job, urls, name, "discovery", (where, response) ->
                DiscoveredTargets.decode(where, response.body(), discoveryJob), interval, maxBytes, readyGrace, timeout,
                lastGood);
    }

    /** An http_sd answer: JSON as Prometheus requires it, read as a file_sd file. */
    private static Decoder httpSd(FileSdParser parser) {
        return (where, response) -> {
            String type = response.headers().firstValue("Content-Type").orElse("");
            if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                throw new InventoryException(where + ": Content-Type \"" + type + "\", expected application/json");
            }
            return parser.parse(where, response.body(), false);
        };
    }

    @Override
    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("HttpSdSource cannot be started more than once");
        }
        startedNanos = System.nanoTime();
        // the first poll too runs on the source's own thread: a slow endpoint never holds up the start
        executor = Daemons.singleThread("promshard-" + kind.replace('_', '-') + "-" + job);
        // before the first answer: the answer kept in ZooKeeper, so that a coordinator started (or taking
        // over) while the endpoint stalls or is down is ready at once with it, and holds up no event
        executor.execute(this::startFromStored);
        long ms = Math.max(1, interval.toMillis());
        executor.scheduleWithFixedDelay(this::poll, 0, ms, TimeUnit.MILLISECONDS);
    }

    private synchronized void startFromStored() {
        if (answered || triedStored) {
            return;
        }
        triedStored = true;
        lastGood.read(name).ifPresent(stored -> {
            last.set(stored);
            answered = true;
            LOG.warn("job={} {}: starting from its last good answer kept in ZooKeeper ({} groups) until it answers",
                    job, name, stored.size());
            listeners.forEach(Runnable::run);
        });
    }

    /** Polls once now; visible for tests that do not want to wait for the interval. */
    public synchronized void poll() {
        String where = "job=" + job + " " + (kind.equals("http_sd") ? "http_sd " : "") + name;
        try {
            List<TargetGroup> groups = fetch(where);
            List<TargetGroup> before = last.getAndSet(groups);
            answered = true;
            lastGood.remember(name, groups);
            if (error.getAndSet(null) != null) {
                LOG.info("{}: accepted again ({} groups)", where, groups.size());
            }
            if (!before.equals(groups)) {
                listeners.forEach(Runnable::run);
            }
        } catch (InventoryException e) {
            refuse(e.getMessage());
        } catch (IOException e) {
            refuse(where + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The first answer of {@link #urls} that is accepted; refused with every server's reason when none is. */
    private List<TargetGroup> fetch(String where) throws IOException, InterruptedException, InventoryException {
        if (urls.size() == 1) {
            return fetch(where, urls.get(0));
        }
        List<String> failures = new ArrayList<>();
        for (URI url : urls) {
            try {
                return fetch(where, url);
            } catch (InventoryException | IOException e) {
                failures.add(url + ": " + e.getMessage());
            }
        }
        throw new InventoryException(where + ": no server answered: " + String.join("; ", failures));
    }

    private List<TargetGroup> fetch(String where, URI url) throws IOException, InterruptedException, InventoryException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Accept", "application/json")
                .header("X-Prometheus-Refresh-Interval-Seconds", Long.toString(interval.toSeconds())).GET().build();
        HttpResponse<byte[]> response;
        try {
            response = BoundedHttp.send(http, request, maxBytes, timeout);
        } catch (BoundedHttp.TooLargeException e) {
            throw new InventoryException(where + ": " + e.getMessage());
        }
        if (response.statusCode() != 200) {
            throw new InventoryException(where + ": HTTP status " + response.statusCode() + ", expected 200");
        }
        return decoder.decode(where, response);
    }

    private void refuse(String message) {
        startFromStored(); // for a poll called before start (tests): the kept answer, once
        refusals.incrementAndGet();
        if (!message.equals(error.getAndSet(message))) {
            LOG.error("refused {}; the last good answer ({} groups) stays in force", message, last.get().size());
        }
    }

    /** Whether the endpoint answered once, or the grace period for its first answer has passed. */
    @Override
    public boolean isReady() {
        if (answered) {
            return true;
        }
        if (state.get() != State.STARTED || System.nanoTime() - startedNanos < readyGrace.toNanos()) {
            return false;
        }
        if (gaveUp.compareAndSet(false, true)) {
            LOG.error("job={} {}: no valid answer within {} s of start; going on without its targets",
                    job, name, readyGrace.toSeconds());
        }
        return true;
    }

    @Override
    public Map<String, List<TargetGroup>> groups() {
        List<TargetGroup> g = last.get();
        return g.isEmpty() ? Map.of() : Map.of(job, g);
    }

    /** An http_sd source's groups carry {@code __meta_url} before relabelling, as in Prometheus. */
    @Override
    public Map<String, String> metaLabels() {
        return kind.equals("http_sd") ? Map.of("__meta_url", name) : Map.of();
    }

    @Override
    public Map<String, String> errors() {
        String e = error.get();
        return e == null ? Map.of() : Map.of(name, e);
    }

    @Override
    public long refusals() {
        return refusals.get();
    }

    @Override
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.STARTED && executor != null) {
            executor.shutdownNow();
        }
        listeners.clear();
    }
}
