package io.promshard.sidecar;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.promshard.service.Loopback;
import io.promshard.service.CuratorLifecycle;
import io.promshard.service.ZooKeeperHealthCheck;
import io.promshard.sidecar.registration.RegistrationHealthCheck;
import io.promshard.sidecar.assignment.ShareWatcher;
import io.promshard.sidecar.registration.WorkerRegistration;
import io.promshard.sidecar.resources.SdResource;
import io.promshard.sidecar.resources.SidecarMetricsResource;
import io.promshard.sidecar.resources.SidecarStatusResource;
import io.promshard.sidecar.prometheus.Acknowledger;
import io.promshard.sidecar.prometheus.LingeringTargets;
import io.promshard.sidecar.prometheus.PrometheusClient;
import io.promshard.sidecar.prometheus.ReadinessMonitor;
import io.promshard.sidecar.prometheus.SeriesReporter;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;

/** {@code java -jar promshard-worker-sidecar.jar server sidecar.yml}. Only wires; the configuration builds. */
public class SidecarApplication extends Application<SidecarConfiguration> {

    public static void main(String[] args) throws Exception {
        new SidecarApplication().run(args);
    }

    @Override
    public String getName() {
        return "promshard-worker-sidecar";
    }

    @Override
    public void initialize(Bootstrap<SidecarConfiguration> bootstrap) {
        // a server block without bindHost keeps the admin connector (and its /tasks) on loopback
        bootstrap.addBundle(Loopback.bundle());
    }

    @Override
    public void run(SidecarConfiguration config, Environment environment) {
        CuratorFramework curator = config.getZookeeper().buildCuratorFramework(config.getZookeeper().getConnectString());
        environment.lifecycle().manage(new CuratorLifecycle(curator));
        // apply assignments before announcing the worker, so files exist when targets arrive
        ShareWatcher watcher = config.buildShareWatcher(curator);
        environment.lifecycle().manage(watcher);
        WorkerRegistration registration = config.buildRegistration(curator, watcher);
        PrometheusClient prometheus = config.buildPrometheusClient();
        ReadinessMonitor readiness = null;
        LingeringTargets lingering = null;
        SeriesReporter series = null;
        // a duplicate of a live sidecar acknowledges and reports nothing for the worker it does not hold
        BooleanSupplier ready = registration::ownsId;
        if (prometheus != null) {
            readiness = config.buildReadinessMonitor(prometheus, registration);
            // started before the registration: its first answer decides the state the worker registers with
            environment.lifecycle().manage(readiness);
            ReadinessMonitor monitor = readiness;
            ready = () -> registration.ownsId() && monitor.isReady();
            series = config.buildSeriesReporter(curator, watcher, prometheus, ready);
            environment.lifecycle().manage(series);
            lingering = config.buildLingeringTargets(watcher, prometheus);
            if (lingering != null) {
                environment.lifecycle().manage(lingering);
            }
        }
        environment.lifecycle().manage(registration);
        Acknowledger acknowledger = config.buildAcknowledger(curator, watcher, prometheus, ready);
        environment.lifecycle().manage(acknowledger);

        environment.jersey().register(new SidecarStatusResource(registration, watcher, acknowledger, readiness, series));
        environment.jersey().register(new SdResource(watcher.directory()));
        environment.jersey().register(new SidecarMetricsResource(registration, watcher, acknowledger, readiness,
                lingering, series, curator));
        environment.healthChecks().register("zookeeper", new ZooKeeperHealthCheck(curator));
        environment.healthChecks().register("registration", new RegistrationHealthCheck(registration));
    }
}
