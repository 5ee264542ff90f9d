package io.promshard.service;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.promshard.client.zk.ZkLayout;
import jakarta.validation.constraints.NotNull;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * The {@code zookeeper.auth:} block: ZooKeeper digest authentication and the ACLs promshard puts on
 * every znode it creates. Coordinators and workers have separate identities: coordinators may do
 * everything; workers may read assignments and state and create children of {@code workers/},
 * {@code acks/}, {@code weights/} and {@code conflicts/}, but delete none (an ephemeral znode ends
 * with its session). A sidecar given its own identity ({@code ownUsername}/{@code ownPassword}, on
 * top of the shared worker identity) puts it alone on the znodes it creates for its worker, so a
 * leaked credential of one worker cannot rewrite or delete another's registration, acknowledgement
 * or series report; without one, every worker's znodes carry the shared identity (docs/security.md).
 * Anyone else may do nothing.
 *
 * <pre>
 * auth:
 *   username: worker                                  # the shared identity (coordinators: coordinator)
 *   password: ...
 *   coordinatorDigest: coordinator:x8PqL...=           # user:base64(sha1(user:password)), as printed by
 *   workerDigest: worker:Zt2...=                       # ZooKeeper's DigestAuthenticationProvider user:password
 *   ownUsername: worker-w1                             # sidecars: this worker's own identity
 *   ownPassword: ...
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
    /** A sidecar's own identity: the only one allowed to write or delete the znodes of its worker. */
    @NotNull
    private String ownUsername = "";
    @NotNull
    private String ownPassword = "";

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

    /** The digest identities this client authenticates as: the shared one, and its own when configured. */
    List<AuthInfo> authInfos() {
        List<AuthInfo> out = new ArrayList<>(List.of(new AuthInfo("digest", credentials())));
        if (!ownUsername.isEmpty()) {
            out.add(new AuthInfo("digest", (ownUsername + ":" + ownPassword).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    /**
     * The ACLs for every path under {@code layout}'s root. The children of the worker parents this
     * client creates (a sidecar creates only its own worker's) carry its own identity when one is
     * configured, else the shared worker identity.
     */
    ACLProvider aclProvider(ZkLayout layout) {
        if (coordinatorDigest.isEmpty() || workerDigest.isEmpty()) {
            throw new IllegalArgumentException("zookeeper.auth needs coordinatorDigest and workerDigest");
        }
        if (!ownUsername.isEmpty() && ownPassword.isEmpty()) {
            throw new IllegalArgumentException("zookeeper.auth.ownUsername needs ownPassword");
        }
        Id coordinator = new Id("digest", coordinatorDigest);
        Id worker = new Id("digest", workerDigest);
        Id writer = ownUsername.isEmpty() ? worker : new Id("digest", digest(ownUsername, ownPassword));
        List<ACL> coordinatorOwned = List.of(new ACL(ZooDefs.Perms.ALL, coordinator), new ACL(ZooDefs.Perms.READ, worker));
        // no DELETE for workers: deleting a child is the parent's permission, and it would reach every worker's
        List<ACL> workersParent = List.of(new ACL(ZooDefs.Perms.ALL, coordinator),
                new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, worker));
        List<ACL> workerOwned = List.of(new ACL(ZooDefs.Perms.ALL, writer), new ACL(ZooDefs.Perms.READ, coordinator));
        // the root and its ancestors: a worker that starts first must be able to create workers/
        List<ACL> root = List.of(new ACL(ZooDefs.Perms.ALL, coordinator),
                new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.CREATE, worker));
        List<String> parents = List.of(layout.workers(), layout.acks(), layout.weights(), layout.conflicts());
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
                if (parents.contains(path)) {
                    return new ArrayList<>(workersParent);
                }
                if (parents.stream().anyMatch(parent -> path.startsWith(parent + "/"))) {
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
    public String getOwnUsername() {
        return ownUsername;
    }

    @JsonProperty
    public void setOwnUsername(String ownUsername) {
        this.ownUsername = ownUsername;
    }

    @JsonProperty
    public String getOwnPassword() {
        return ownPassword;
    }

    @JsonProperty
    public void setOwnPassword(String ownPassword) {
        this.ownPassword = ownPassword;
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
