package io.promshard.coordinator.inventory;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.relabel.RelabelConfig;
import io.promshard.coordinator.relabel.Relabeling;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.ArrayList;
import java.util.List;

/**
 * One job of the inventory: the file_sd globs Prometheus would read for it, and static groups.
 *
 * <pre>
 * - name: node
 *   files: ["/etc/prometheus/node/*.yml"]
 *   replication: 2          # optional: 1-16, or "all" (every worker); the global factor otherwise
 *   static:
 *     - targets: ["10.0.0.1:9100"]
 *       labels: {env: prod}
 * </pre>
 */
public class JobConfig {

    /** What a job name may be: it becomes a file name and a znode name. */
    public static final String NAME_PATTERN = "[A-Za-z0-9_][A-Za-z0-9._-]{0,127}";

    @NotEmpty
    @Pattern(regexp = NAME_PATTERN, message = "must be 1-128 of A-Z a-z 0-9 . _ -")
    private String name;

    private List<String> files = new ArrayList<>();

    @JsonProperty("static")
    private List<TargetGroup> staticGroups = new ArrayList<>();

    @Valid
    private List<HttpSd> httpSd = new ArrayList<>();

    @Valid
    private Discovery discovery;

    /**
     * Prometheus relabel rules applied to every target of the job before assignment (what the job's
     * {@code relabel_configs} did on the scraper), in Prometheus's own field names.
     */
    private List<RelabelConfig> relabelConfigs = new ArrayList<>();

    /** The job's own replication as written ("2", "all"), or null for the global factor. */
    private String replication;

    /** {@link #replication} as the engine takes it ({@link TargetSet#DEFAULT_REPLICAS} when unset). */
    private int replicas = TargetSet.DEFAULT_REPLICAS;

    /** {@link #relabelConfigs}, compiled and checked when they are set. */
    private Relabeling relabeling = Relabeling.none();

    /**
     * A "discovery" Prometheus whose job {@code job} runs the operator's own service discovery and drops
     * every target it finds (so it scrapes nothing): the coordinator reads what it discovered
     * ({@code /api/v1/targets}) as this job's targets, then applies the job's relabel rules. The
     * servers are asked in order; the first that answers is used.
     */
    public static class Discovery {
        @NotEmpty
        private List<@Pattern(regexp = "https?://.+", message = "must be an http or https URL") String> urls = new ArrayList<>();

        @NotEmpty
        private String job;

        @NotNull
        private Duration refreshInterval = Duration.seconds(30);

        public Discovery() {
        }

        public Discovery(List<String> urls, String job, Duration refreshInterval) {
            this.urls = List.copyOf(urls);
            this.job = job;
            this.refreshInterval = refreshInterval;
        }

        @JsonProperty
        public List<String> getUrls() {
            return urls;
        }

        @JsonProperty
        public String getJob() {
            return job;
        }

        @JsonProperty
        public Duration getRefreshInterval() {
            return refreshInterval;
        }
    }

    /** An upstream http_sd endpoint polled for this job, as Prometheus' {@code http_sd_configs} entry. */
    public static class HttpSd {
        @NotEmpty
        @Pattern(regexp = "https?://.+", message = "must be an http or https URL")
        private String url;

        @NotNull
        private Duration refreshInterval = Duration.seconds(60);

        public HttpSd() {
        }

        public HttpSd(String url, Duration refreshInterval) {
            this.url = url;
            this.refreshInterval = refreshInterval;
        }

        @JsonProperty
        public String getUrl() {
            return url;
        }

        @JsonProperty
        public Duration getRefreshInterval() {
            return refreshInterval;
        }
    }

    public JobConfig() {
    }

    public JobConfig(String name, List<String> files, List<TargetGroup> staticGroups) {
        this.name = name;
        this.files = List.copyOf(files);
        this.staticGroups = List.copyOf(staticGroups);
    }

    @JsonProperty
    public String getName() {
        return name;
    }

    @JsonProperty
    public List<String> getFiles() {
        return files;
    }

    @JsonProperty
    public List<HttpSd> getHttpSd() {
        return httpSd;
    }

    /** The discovery Prometheus this job's targets come from, or null. */
    @JsonProperty
    public Discovery getDiscovery() {
        return discovery;
    }

    @JsonProperty
    public void setDiscovery(Discovery discovery) {
        this.discovery = discovery;
    }

    @JsonProperty
    public List<RelabelConfig> getRelabelConfigs() {
        return relabelConfigs;
    }

    /** Checked as Prometheus checks them, so that a bad rule fails the configuration's loading, naming it. */
    @JsonProperty
    public void setRelabelConfigs(List<RelabelConfig> relabelConfigs) {
        this.relabeling = Relabeling.of("relabelConfigs", relabelConfigs);
        this.relabelConfigs = new ArrayList<>(relabelConfigs);
    }

    /** The job's relabel rules, compiled (none when it has no rules). */
    public Relabeling relabeling() {
        return relabeling;
    }

    @JsonProperty
    public String getReplication() {
        return replication;
    }

    /**
     * The job's replication: a count from 1 to {@link TargetSet#MAX_REPLICAS} or {@code all} (every
     * worker scrapes each target: blackbox probes from every site). Checked here, so that a bad value
     * fails the configuration's loading, naming it.
     */
    @JsonProperty
    public void setReplication(String replication) {
        this.replicas = replicasOf(replication);
        this.replication = replication;
    }

    /** The job's replication, as {@link TargetSet.Builder#add} takes it. */
    public int replicas() {
        return replicas;
    }

    static int replicasOf(String replication) {
        if (replication == null) {
            return TargetSet.DEFAULT_REPLICAS;
        }
        String value = replication.trim();
        if (value.equalsIgnoreCase("all")) {
            return TargetSet.EVERY_WORKER;
        }
        try {
            int count = Integer.parseInt(value);
            if (count >= 1 && count <= TargetSet.MAX_REPLICAS) {
                return count;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("replication must be a count from 1 to " + TargetSet.MAX_REPLICAS
                + " or \"all\", was \"" + replication + "\"");
    }

    @JsonProperty("static")
    public List<TargetGroup> getStaticGroups() {
        return staticGroups;
    }
}
