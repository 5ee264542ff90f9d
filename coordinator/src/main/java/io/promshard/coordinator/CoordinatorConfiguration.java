package io.promshard.coordinator;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.util.Duration;
import io.promshard.client.Json;
import io.promshard.client.api.WorkerAck;
import io.promshard.service.Loopback;
import io.promshard.client.zk.ShareCodec;
import io.promshard.client.zk.SeriesReportCodec;
import io.promshard.client.zk.ZkLayout;
import io.promshard.service.ZooKeeperSettings;
import io.promshard.coordinator.assign.AssignmentSettings;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.core.Coordinator;
import io.promshard.coordinator.core.CoordinatorSettings;
import io.promshard.coordinator.core.PinRule;
import io.promshard.coordinator.core.SeriesWeights;
import io.promshard.coordinator.drain.Drains;
import io.promshard.coordinator.inventory.FileSdParser;
import io.promshard.coordinator.inventory.HttpSdSource;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.inventory.InventorySource;
import io.promshard.coordinator.inventory.JobConfig;
import io.promshard.coordinator.inventory.LastGoodStore;
import io.promshard.coordinator.inventory.ManagedInventory;
import io.promshard.coordinator.leader.Leadership;
import io.promshard.coordinator.membership.Membership;
import io.promshard.coordinator.publish.OutputWriter;
import io.promshard.coordinator.publish.Publisher;
import io.promshard.coordinator.zk.BoundedChildren;
import io.promshard.coordinator.zk.ChildNodes;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;

/** {@code coordinator.yml}. Every option is described in ops/coordinator.yml. */
public class CoordinatorConfiguration extends Configuration {

    /** This coordinator's id in the election; empty means {@code <host>:<port>}. */
    @NotNull
    private String coordinatorId = "";

    @Valid
    @NotNull
    private ZooKeeperSettings zookeeper = new ZooKeeperSettings();

    @Valid
    @NotNull
    private EmbeddedZooKeeperSettings embeddedZooKeeper = new EmbeddedZooKeeperSettings();

    @Valid
    @NotNull
    private InventorySettings inventory = new InventorySettings();

    @Valid
    @NotNull
    private AssignmentConfig assignment = new AssignmentConfig();

    @Valid
    @NotNull
    private ApiSettings api = new ApiSettings();

    @JsonProperty
    public ApiSettings getApi() {
        return api;
    }

    @JsonProperty
    public void setApi(ApiSettings api) {
        this.api = api;
    }

    /** The REST API's protection of mutating requests. */
    public static class ApiSettings {
        /** Bearer token required by mutating requests; empty disables them. */
        @NotNull
        private String token = "";

        /** Largest request body accepted, in bytes. */
        @Min(1)
        private int maxBodyBytes = 65_536;

        @JsonProperty
        public String getToken() {
            return token;
        }

        @JsonProperty
        public void setToken(String token) {
            this.token = token;
        }

        @JsonProperty
        public int getMaxBodyBytes() {
            return maxBodyBytes;
        }

        @JsonProperty
        public void setMaxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
        }
    }

    /** Where the workers' file_sd files and federation.json are written. */
    @NotNull
    private String outputDirectory = "./promshard-output";

    public CoordinatorConfiguration() {
        Loopback.bindByDefault(this);
    }

    /** The inventory service for {@code inventory:} without the REST-managed source, not started. */
    public InventoryService buildInventoryService() {
        return new InventoryService(inventory.getJobs(), inventory.getRefreshInterval().toJavaDuration(),
                parser(), httpSdSources(LastGoodStore.none()));
    }

    /**
     * The inventory service for {@code inventory:}, with {@code managed} (the REST-managed targets in
     * ZooKeeper) as a further source; not started.
     */
    public InventoryService buildInventoryService(ManagedInventory managed, CuratorFramework client) {
        LastGoodStore lastGood = new LastGoodStore(client, zookeeper.layout());
        List<InventorySource> sources = new ArrayList<>(httpSdSources(lastGood));
        sources.add(managed);
        return new InventoryService(inventory.getJobs(), inventory.getRefreshInterval().toJavaDuration(),
                parser(), sources, lastGood);
    }

    /**
     * The inventory service for {@code inventory:} without REST-managed targets, keeping each source's
     * last good content in {@code client}'s ensemble; not started.
     */
    public InventoryService buildInventoryService(CuratorFramework client) {
        LastGoodStore lastGood = new LastGoodStore(client, zookeeper.layout());
        return new InventoryService(inventory.getJobs(), inventory.getRefreshInterval().toJavaDuration(),
                parser(), httpSdSources(lastGood), lastGood);
    }

    /** The REST-managed inventory of this cluster, not started. */
    public ManagedInventory buildManagedInventory(CuratorFramework client) {
        return new ManagedInventory(client, zookeeper.layout().inventory(),
                FileSdParser.restricted(MANAGED_MAX_BYTES, inventory.isAllowParamLabels()), MANAGED_MAX_BYTES);
    }

    /** A managed job is one znode: kept well under ZooKeeper's 1 MiB limit. */
    public static final int MANAGED_MAX_BYTES = 900 * 1024;
    /** Series reports read at most: one per worker, each a compressed znode of up to 1 MiB, 256 MiB in all. */
    static final BoundedChildren.Limits SERIES_REPORT_LIMITS = new BoundedChildren.Limits(100_000, 1 << 20, 256L << 20);

    /** The parser of the operator's files and http_sd upstreams: every label Prometheus accepts. */
    public FileSdParser parser() {
        return new FileSdParser(inventory.getMaxFileBytes(), FileSdParser.LabelPolicy.PROMETHEUS, true,
                inventory.getLabelNames());
    }

    /** The jobs that set a replication of their own. */
    private Map<String, Integer> jobReplication() {
        Map<String, Integer> out = new HashMap<>();
        for (JobConfig job : inventory.getJobs()) {
            if (job.replicas() != TargetSet.DEFAULT_REPLICAS) {
                out.put(job.getName(), job.replicas());
            }
        }
        return out;
    }

    private List<InventorySource> httpSdSources(LastGoodStore lastGood) {
        List<InventorySource> out = new ArrayList<>();
        for (JobConfig job : inventory.getJobs()) {
            JobConfig.Discovery discovery = job.getDiscovery();
            if (discovery != null) {
                java.time.Duration interval = discovery.getRefreshInterval().toJavaDuration();
                out.add(HttpSdSource.discovery(job.getName(), discovery.getUrls().stream().map(URI::create).toList(),
                        discovery.getJob(), interval, inventory.getMaxFileBytes(),
                        java.time.Duration.ofSeconds(Math.max(30, 3 * interval.toSeconds())), HttpSdSource.DEFAULT_TIMEOUT,
                        lastGood));
            }
            for (JobConfig.HttpSd sd : job.getHttpSd()) {
                java.time.Duration interval = sd.getRefreshInterval().toJavaDuration();
                out.add(new HttpSdSource(job.getName(), URI.create(sd.getUrl()), interval, parser(),
                        inventory.getMaxFileBytes(), java.time.Duration.ofSeconds(Math.max(30, 3 * interval.toSeconds())),
                        HttpSdSource.DEFAULT_TIMEOUT, lastGood));
            }
        }
        return out;
    }

    /**
     * The coordinator for this configuration, not started.
     *
     * @param client    a Curator client for the cluster's ensemble, started before and closed after the coordinator
     * @param defaultId the election id to use when {@code coordinatorId} is empty
     */
    public Coordinator buildCoordinator(CuratorFramework client, InventoryService inventoryService, String defaultId) {
        String id = coordinatorId.isBlank() ? defaultId : coordinatorId;
        ZkLayout layout = zookeeper.layout();
        return new Coordinator(new Membership(client, layout), new Leadership(client, layout, id),
                new Drains(client, layout), inventoryService,
                new Publisher(client, layout, new ShareCodec(), id), new OutputWriter(Path.of(outputDirectory)),
                new ChildNodes<>(client, layout.acks(), (path, data) -> Json.mapper().readValue(data, WorkerAck.class)),
                new SeriesWeights(new ChildNodes<>(client, layout.weights(), SERIES_REPORT_LIMITS, SeriesReportCodec::decode)),
                new CoordinatorSettings(assignment.getSettleTime().toJavaDuration(),
                        assignment.getReassignmentDelay().toJavaDuration(), assignment.engineSettings(),
                        assignment.getPins(), assignment.getHandoffTimeout().toJavaDuration(),
                        assignment.getMovementBudget(), assignment.getMaxTargetDrop(), jobReplication(),
                        assignment.getSeriesPerWorker(), assignment.getScaleInMargin()));
    }

    @JsonProperty
    public String getCoordinatorId() {
        return coordinatorId;
    }

    @JsonProperty
    public void setCoordinatorId(String coordinatorId) {
        this.coordinatorId = coordinatorId;
    }

    @JsonProperty
    public ZooKeeperSettings getZookeeper() {
        return zookeeper;
    }

    @JsonProperty
    public void setZookeeper(ZooKeeperSettings zookeeper) {
        this.zookeeper = zookeeper;
    }

    @JsonProperty
    public EmbeddedZooKeeperSettings getEmbeddedZooKeeper() {
        return embeddedZooKeeper;
    }

    @JsonProperty
    public void setEmbeddedZooKeeper(EmbeddedZooKeeperSettings embeddedZooKeeper) {
        this.embeddedZooKeeper = embeddedZooKeeper;
    }

    @JsonProperty
    public InventorySettings getInventory() {
        return inventory;
    }

    @JsonProperty
    public void setInventory(InventorySettings inventory) {
        this.inventory = inventory;
    }

    @JsonProperty
    public AssignmentConfig getAssignment() {
        return assignment;
    }

    @JsonProperty
    public void setAssignment(AssignmentConfig assignment) {
        this.assignment = assignment;
    }

    @JsonProperty
    public String getOutputDirectory() {
        return outputDirectory;
    }

    @JsonProperty
    public void setOutputDirectory(String outputDirectory) {
        this.outputDirectory = outputDirectory;
    }

    /** The embedded ZooKeeper started when {@code zookeeper.connectString} is empty. */
    public static class EmbeddedZooKeeperSettings {
        @Min(1)
        @Max(65535)
        private int port = 2181;

        @NotNull
        private String dataDirectory = "./promshard-data/zookeeper";

        @JsonProperty
        public int getPort() {
            return port;
        }

        @JsonProperty
        public void setPort(int port) {
            this.port = port;
        }

        @JsonProperty
        public String getDataDirectory() {
            return dataDirectory;
        }

        @JsonProperty
        public void setDataDirectory(String dataDirectory) {
            this.dataDirectory = dataDirectory;
        }
    }

    /** Where targets come from. */
    public static class InventorySettings {
        @NotNull
        /** Every file re-read this often (changes are seen at once through inotify): Prometheus's file_sd default. */
        private Duration refreshInterval = Duration.minutes(5);

        @Min(1)
        private long maxFileBytes = 16L * 1024 * 1024;

        /** Whether the REST-managed inventory accepts {@code __param_*} labels (files and http_sd always do). */
        private boolean allowParamLabels;

        /** Which label names are valid in files and http_sd: Prometheus 2.x's rule, or 3.x's UTF-8 names. */
        @NotNull
        private FileSdParser.LabelNames labelNames = FileSdParser.LabelNames.LEGACY;

        @Valid
        @NotNull
        private List<JobConfig> jobs = new ArrayList<>();

        @JsonProperty
        public Duration getRefreshInterval() {
            return refreshInterval;
        }

        @JsonProperty
        public void setRefreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
        }

        @JsonProperty
        public long getMaxFileBytes() {
            return maxFileBytes;
        }

        @JsonProperty
        public void setMaxFileBytes(long maxFileBytes) {
            this.maxFileBytes = maxFileBytes;
        }

        @JsonProperty
        public boolean isAllowParamLabels() {
            return allowParamLabels;
        }

        @JsonProperty
        public void setAllowParamLabels(boolean allowParamLabels) {
            this.allowParamLabels = allowParamLabels;
        }

        @JsonProperty
        public FileSdParser.LabelNames getLabelNames() {
            return labelNames;
        }

        @JsonProperty
        public void setLabelNames(FileSdParser.LabelNames labelNames) {
            this.labelNames = labelNames;
        }

        @JsonProperty
        public List<JobConfig> getJobs() {
            return jobs;
        }

        @JsonProperty
        public void setJobs(List<JobConfig> jobs) {
            this.jobs = jobs;
        }
    }

    /** How assignments are computed and published. */
    public static class AssignmentConfig {
        /** Changes arriving within this time are handled in one epoch (a rolling restart does not thrash). */
        @NotNull
        private Duration settleTime = Duration.seconds(1);

        /** A worker whose session is lost keeps its targets this long (a graceful leave moves them at once). */
        @NotNull
        private Duration reassignmentDelay = Duration.seconds(10);

        @JsonProperty
        public Duration getReassignmentDelay() {
            return reassignmentDelay;
        }

        @JsonProperty
        public void setReassignmentDelay(Duration reassignmentDelay) {
            this.reassignmentDelay = reassignmentDelay;
        }

        /**
         * A planned move (join, drain, rebalance) keeps the target on its previous owner until the new
         * owner's Prometheus has scraped it, or until this time has passed.
         */
        @NotNull
        private Duration handoffTimeout = Duration.minutes(3);

        /**
         * At most this many target placements in flight (moved and not yet confirmed) from planned
         * changes; the rest follow in later epochs. 0: no limit. Targets of a worker that is gone,
         * withdrawn or leaving always move at once.
         */
        @Min(0)
        private long movementBudget;

        /**
         * Refuse to publish an assignment whose inventory has lost more than this share of the targets
         * in force at once (a deleted glob's directory, an upstream answering an empty list), until the
         * drop is confirmed through the API; the published assignment stays in force meanwhile. 1: never
         * refuse.
         */
        @DecimalMin("0.0")
        @DecimalMax("1.0")
        private double maxTargetDrop = 0.5;

        @JsonProperty
        public double getMaxTargetDrop() {
            return maxTargetDrop;
        }

        @JsonProperty
        public void setMaxTargetDrop(double maxTargetDrop) {
            this.maxTargetDrop = maxTargetDrop;
        }

        @JsonProperty
        public Duration getHandoffTimeout() {
            return handoffTimeout;
        }

        @JsonProperty
        public void setHandoffTimeout(Duration handoffTimeout) {
            this.handoffTimeout = handoffTimeout;
        }

        @JsonProperty
        public long getMovementBudget() {
            return movementBudget;
        }

        @JsonProperty
        public void setMovementBudget(long movementBudget) {
            this.movementBudget = movementBudget;
        }

        /**
         * The series one worker should scrape at most: the coordinator then advises how many workers
         * the fleet needs ({@code promshard_recommended_workers}) and which to drain first on scale-in.
         * 0: no advice.
         */
        @Min(0)
        private long seriesPerWorker;

        /**
         * The advice falls only when the fleet left would be at most {@code 1 - scaleInMargin} of its
         * budget, so that it does not flap around a boundary.
         */
        @DecimalMin("0.0")
        @DecimalMax("0.9")
        private double scaleInMargin = 0.1;

        @JsonProperty
        public long getSeriesPerWorker() {
            return seriesPerWorker;
        }

        @JsonProperty
        public void setSeriesPerWorker(long seriesPerWorker) {
            this.seriesPerWorker = seriesPerWorker;
        }

        @JsonProperty
        public double getScaleInMargin() {
            return scaleInMargin;
        }

        @JsonProperty
        public void setScaleInMargin(double scaleInMargin) {
            this.scaleInMargin = scaleInMargin;
        }

        /** Each target is scraped by this many distinct workers, in distinct zones where possible. */
        @Min(1)
        @Max(16)
        private int replication = 1;

        /** No worker above (1 + epsilon) times its fair share while another has room. */
        @DecimalMin(value = "0", inclusive = false)
        @DecimalMax("1")
        private double epsilon = 0.05;

        @Valid
        @NotNull
        private List<PinRule> pins = new ArrayList<>();

        public AssignmentSettings engineSettings() {
            return new AssignmentSettings(replication, epsilon);
        }

        @JsonProperty
        public int getReplication() {
            return replication;
        }

        @JsonProperty
        public void setReplication(int replication) {
            this.replication = replication;
        }

        @JsonProperty
        public double getEpsilon() {
            return epsilon;
        }

        @JsonProperty
        public void setEpsilon(double epsilon) {
            this.epsilon = epsilon;
        }

        @JsonProperty
        public List<PinRule> getPins() {
            return pins;
        }

        @JsonProperty
        public void setPins(List<PinRule> pins) {
            this.pins = pins;
        }

        @JsonProperty
        public Duration getSettleTime() {
            return settleTime;
        }

        @JsonProperty
        public void setSettleTime(Duration settleTime) {
            this.settleTime = settleTime;
        }
    }
}
