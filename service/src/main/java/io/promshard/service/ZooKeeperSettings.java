package io.promshard.service;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.promshard.client.Identifiers;
import io.promshard.client.zk.ZkLayout;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * The {@code zookeeper:} block of a promshard configuration and the Curator client it builds.
 *
 * <pre>
 * zookeeper:
 *   connectString: 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183
 *   cluster: default            # everything lives under /promshard/&lt;cluster&gt;
 *   sessionTimeout: 15s
 *   connectionTimeout: 10s
 *   auth: {...}                 # optional digest authentication and ACLs, see ZooKeeperAuth
 *   tls: {...}                  # optional TLS to the secure client port, see ZooKeeperTls
 * </pre>
 */
public class ZooKeeperSettings {

    private String connectString = "";

    @NotNull
    private String cluster = "default";

    @NotNull
    private Duration sessionTimeout = Duration.seconds(15);

    @NotNull
    private Duration connectionTimeout = Duration.seconds(10);

    @Valid
    @NotNull
    private ZooKeeperAuth auth = new ZooKeeperAuth();

    @Valid
    @NotNull
    private ZooKeeperTls tls = new ZooKeeperTls();

    @JsonProperty
    public ZooKeeperTls getTls() {
        return tls;
    }

    @JsonProperty
    public void setTls(ZooKeeperTls tls) {
        this.tls = tls;
    }

    @JsonProperty
    public ZooKeeperAuth getAuth() {
        return auth;
    }

    @JsonProperty
    public void setAuth(ZooKeeperAuth auth) {
        this.auth = auth;
    }

    @JsonProperty
    public String getConnectString() {
        return connectString;
    }

    @JsonProperty
    public void setConnectString(String connectString) {
        this.connectString = connectString == null ? "" : connectString.trim();
    }

    @JsonProperty
    public String getCluster() {
        return cluster;
    }

    @JsonProperty
    public void setCluster(String cluster) {
        this.cluster = cluster;
    }

    @JsonProperty
    public Duration getSessionTimeout() {
        return sessionTimeout;
    }

    @JsonProperty
    public void setSessionTimeout(Duration sessionTimeout) {
        this.sessionTimeout = sessionTimeout;
    }

    @JsonProperty
    public Duration getConnectionTimeout() {
        return connectionTimeout;
    }

    @JsonProperty
    public void setConnectionTimeout(Duration connectionTimeout) {
        this.connectionTimeout = connectionTimeout;
    }

    public ZkLayout layout() {
        return ZkLayout.forCluster(Identifiers.checkClusterName(cluster));
    }

    /** A Curator client for {@code connectString} (not started), retrying with exponential backoff. */
    public CuratorFramework buildCuratorFramework(String connectTo) {
        if (connectTo == null || connectTo.isBlank()) {
            throw new IllegalArgumentException("zookeeper.connectString is empty");
        }
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(connectTo)
                .sessionTimeoutMs((int) sessionTimeout.toMilliseconds())
                .connectionTimeoutMs((int) connectionTimeout.toMilliseconds())
                .retryPolicy(new ExponentialBackoffRetry(250, 29, 5_000))
                .zkClientConfig(tls.clientConfig());
        if (auth.enabled()) {
            builder.authorization(auth.authInfos()).aclProvider(auth.aclProvider(layout()));
        }
        return builder.build();
    }
}
