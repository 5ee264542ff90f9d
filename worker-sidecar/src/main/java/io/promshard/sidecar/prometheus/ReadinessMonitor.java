package io.promshard.sidecar.prometheus;

import io.promshard.service.Daemons;
import io.dropwizard.lifecycle.Managed;
import io.promshard.client.api.WorkerState;
import io.promshard.sidecar.registration.WorkerRegistration;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the local Prometheus' {@code /-/ready}. The worker is announced ACTIVE (takes targets) once
 * Prometheus answers, and UNREADY (its targets move to others) when it has not answered for
 * {@code withdrawAfter}; ACTIVE again as soon as it answers. Lifecycle LATENT -> STARTED -> CLOSED.
 */
public final class ReadinessMonitor implements Managed {

    private static final Logger LOG = LoggerFactory.getLogger(ReadinessMonitor.class);

    private final PrometheusClient prometheus;
    private final WorkerRegistration registration;
    private final Duration interval;
    private final Duration withdrawAfter;
    private final ScheduledExecutorService executor = Daemons.singleThread("promshard-readiness");
    private volatile boolean ready;
    private volatile long lastReadyMillis = System.currentTimeMillis();

    public ReadinessMonitor(PrometheusClient prometheus, WorkerRegistration registration, Duration interval,
                            Duration withdrawAfter) {
        this.prometheus = prometheus;
        this.registration = registration;
        this.interval = interval;
        this.withdrawAfter = withdrawAfter;
    }

    /**
     * Asks Prometheus once before returning (within the client's timeout), so that a registration
     * started after this announces ACTIVE from the start when Prometheus answers: a sidecar restarted
     * beside a running Prometheus never shows its worker UNREADY, which would move its targets away
     * without a hand-off. Then polls every interval.
     */
    @Override
    public void start() {
        poll();
        executor.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the last poll found Prometheus ready. */
    public boolean isReady() {
        return ready;
    }

    void poll() {
        boolean now = prometheus.ready();
        long t = System.currentTimeMillis();
        if (now) {
            lastReadyMillis = t;
            if (!ready) {
                LOG.info("worker={}: Prometheus at {} is ready", registration.info().id(), prometheus.base());
            }
            ready = true;
            registration.setState(WorkerState.ACTIVE);
            return;
        }
        if (ready) {
            LOG.warn("worker={}: Prometheus at {} does not answer /-/ready; withdrawing the worker after {} s",
                    registration.info().id(), prometheus.base(), withdrawAfter.toSeconds());
        }
        ready = false;
        if (registration.state() == WorkerState.ACTIVE && t - lastReadyMillis >= withdrawAfter.toMillis()) {
            LOG.error("worker={}: Prometheus at {} has not been ready for {} ms: withdrawn, its targets move to others",
                    registration.info().id(), prometheus.base(), t - lastReadyMillis);
            registration.setState(WorkerState.UNREADY);
        }
    }

    @Override
    public void stop() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
