package io.promshard.coordinator;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.promshard.service.Loopback;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.ShareReader;
import io.promshard.coordinator.cli.CheckInventoryCommand;
import io.promshard.coordinator.core.Coordinator;
import io.promshard.service.ZooKeeperHealthCheck;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.inventory.ManagedInventory;
import io.promshard.coordinator.resources.ClusterResource;
import io.promshard.coordinator.resources.ComputeBudget;
import io.promshard.coordinator.resources.DashboardResource;
import io.promshard.coordinator.resources.DrainResource;
import io.promshard.coordinator.resources.DropResource;
import io.promshard.coordinator.resources.InventoryResource;
import io.promshard.coordinator.resources.MetricsResource;
import io.promshard.coordinator.resources.SdResource;
import io.promshard.coordinator.resources.MutationGuard;
import io.promshard.coordinator.resources.StatusResource;
import io.promshard.coordinator.resources.WorkersResource;
import io.promshard.service.CuratorLifecycle;
import io.promshard.coordinator.zk.EmbeddedZooKeeper;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.nio.file.Path;
import org.apache.curator.framework.CuratorFramework;

/** {@code java -jar promshard-coordinator.jar server coordinator.yml}. Only wires; the configuration builds. */
public class CoordinatorApplication extends Application<CoordinatorConfiguration> {

    public static void main(String[] args) throws Exception {
        new CoordinatorApplication().run(args);
    }

    @Override
    public String getName() {
        return "promshard-coordinator";
    }

    @Override
    public void initialize(Bootstrap<CoordinatorConfiguration> bootstrap) {
        // a server block without bindHost keeps the admin connector (and its /tasks) on loopback
        bootstrap.addBundle(Loopback.bundle());
        bootstrap.addCommand(new CheckInventoryCommand());
    }

    @Override
    public void run(CoordinatorConfiguration config, Environment environment) throws Exception {
        String connectString = config.getZookeeper().getConnectString();
        if (connectString.isEmpty()) {
            EmbeddedZooKeeper embedded = new EmbeddedZooKeeper(config.getEmbeddedZooKeeper().getPort(),
                    Path.of(config.getEmbeddedZooKeeper().getDataDirectory()));
            embedded.start(); // before the client is built, so its address is known and it stops last
            environment.lifecycle().manage(embedded);
            connectString = embedded.connectString();
        }
        CuratorFramework curator = config.getZookeeper().buildCuratorFramework(connectString);
        environment.lifecycle().manage(new CuratorLifecycle(curator));

        ManagedInventory managed = config.buildManagedInventory(curator);
        InventoryService inventory = config.buildInventoryService(managed, curator);
        environment.lifecycle().manage(inventory);
        Coordinator coordinator = config.buildCoordinator(curator, inventory,
                InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid());
        environment.lifecycle().manage(coordinator);

        ShareReader reader = new ShareReader(curator, config.getZookeeper().layout(), new ShareCodec());
        environment.jersey().register(new StatusResource(coordinator));
        WorkersResource workers = new WorkersResource(coordinator, reader);
        environment.jersey().register(workers);
        // a dry run recomputes the whole assignment: one at a time; lookups are cheaper
        ComputeBudget dryRuns = new ComputeBudget("dryrun", 1, Duration.ofSeconds(2));
        ComputeBudget lookups = new ComputeBudget("lookup", 4, Duration.ofSeconds(1));
        environment.jersey().register(new ClusterResource(coordinator, coordinator.engine(), dryRuns, lookups));
        environment.jersey().register(new InventoryResource(managed, inventory));
        environment.jersey().register(new DropResource(coordinator));
        environment.jersey().register(new SdResource(reader));
        MetricsResource metrics = new MetricsResource(coordinator, coordinator.stats(), coordinator.membership(),
                coordinator.weights(), inventory, curator, List.of(dryRuns, lookups));
        environment.jersey().register(metrics);
        environment.lifecycle().manage(new Managed() {
            @Override
            public void stop() {
                workers.close(); // their rendering threads
                metrics.close();
            }
        });
        environment.jersey().register(new DashboardResource());
        environment.jersey().register(new DrainResource(coordinator.drains(), coordinator.membership(), reader));
        environment.jersey().register(new MutationGuard(config.getApi().getToken(), config.getApi().getMaxBodyBytes()));
        environment.healthChecks().register("zookeeper", new ZooKeeperHealthCheck(curator));
        environment.metrics().registerGauge("promshard.inventory.refusals", inventory::totalRefusals);
    }
}
