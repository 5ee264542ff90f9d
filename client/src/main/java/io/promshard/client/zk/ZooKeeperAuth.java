package io.promshard.client.zk;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotNull;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * The {@code zookeeper.auth:} block: ZooKeeper digest authentication and the ACLs promshard puts on
 * every znode it creates. Coordinators and workers have separate identities: coordinators may do
 * everything, workers may read assignments and state and create, replace and delete the worker
 * znodes ({@code workers/*}, {@code acks/*}, {@code weights/*}, {@code conflicts/*}); anyone else may
 * do nothing. All workers share one identity, so one worker's credential reaches every worker's
 * znodes (docs/security.md).
 *
 * <pre>
 * auth:
 *   username: prom-1                                  # this component's identity
 *   password: ...
 *   coordinatorDigest: coordinator:x8PqL...=           # user:base64(sha1(user:password)), as printed by
 *   workerDigest: worker:Zt2...=                       # ZooKeeper's DigestAuthenticationProvider user:password
 * </pre>
 */
public class ZooKeeperAuth {

    @NotNull
    private String username = "";
    @NotNull
    private String password = "";
    @NotNull
    private String coordinatorDigest = "";
    @NotNull
    private String workerDigest = "";

    public boolean enabled() {
        return !username.isEmpty();
    }

    /** {@code user:base64(sha1(user:password))}, the form ZooKeeper digest ACLs name. */
    public static String digest(String username, String password) {
        try {
            return DigestAuthenticationProvider.generateDigest(username + ":" + password);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java runtime", e);
        }
    }

    byte[] credentials() {
        return (username + ":" + password).getBytes(StandardCharsets.UTF_8);
    }

    /** The ACLs for every path under {@code layout}'s root. */
    ACLProvider aclProvider(ZkLayout layout) {
        if (coordinatorDigest.isEmpty() || workerDigest.isEmpty()) {
            throw new IllegalArgumentException("zookeeper.auth needs coordinatorDigest and workerDigest");
        }
        Id coordinator = new Id("digest", coordinatorDigest);
        Id worker = new Id("digest", workerDigest);
        List<ACL> coordinatorOwned = List.of(new ACL(ZooDefs.Perms.ALL, coordinator), new ACL(ZooDefs.Perms.READ, worker));
        List<ACL> workersParent = List.of(new ACL(ZooDefs.Perms.ALL, coordinator),
                new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE | ZooDefs.Perms.DELETE, worker));
        List<ACL> workerOwned = List.of(new ACL(ZooDefs.Perms.ALL, worker), new ACL(ZooDefs.Perms.READ, coordinator));
        // the root and its ancestors: a worker that starts first must be able to create workers/
        List<ACL> root = List.of(new ACL(ZooDefs.Perms.ALL, coordinator),
                new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, worker));
        return new ACLProvider() {
            // fresh mutable lists: ZooKeeper's ACL check calls contains(null), which List.of refuses
            @Override
            public List<ACL> getDefaultAcl() {
                return new ArrayList<>(coordinatorOwned);
            }

            @Override
            public List<ACL> getAclForPath(String path) {
                if (path.equals(layout.root()) || layout.root().startsWith(path + "/")) {
                    return new ArrayList<>(root);
                }
                if (path.equals(layout.workers()) || path.equals(layout.acks()) || path.equals(layout.weights())
                        || path.equals(layout.conflicts())) {
                    return new ArrayList<>(workersParent);
                }
                if (path.startsWith(layout.workers() + "/") || path.startsWith(layout.acks() + "/")
                        || path.startsWith(layout.weights() + "/") || path.startsWith(layout.conflicts() + "/")) {
                    return new ArrayList<>(workerOwned);
                }
                return new ArrayList<>(coordinatorOwned);
            }
        };
    }

    @JsonProperty
    public String getUsername() {
        return username;
    }

    @JsonProperty
    public void setUsername(String username) {
        this.username = username;
    }

    @JsonProperty
    public String getPassword() {
        return password;
    }

    @JsonProperty
    public void setPassword(String password) {
        this.password = password;
    }

    @JsonProperty
    public String getCoordinatorDigest() {
        return coordinatorDigest;
    }

    @JsonProperty
    public void setCoordinatorDigest(String coordinatorDigest) {
        this.coordinatorDigest = coordinatorDigest;
    }

    @JsonProperty
    public String getWorkerDigest() {
        return workerDigest;
    }

    @JsonProperty
    public void setWorkerDigest(String workerDigest) {
        this.workerDigest = workerDigest;
    }
}
