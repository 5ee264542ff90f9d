package io.promshard.service;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotNull;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * The {@code zookeeper.tls:} block: TLS to the ensemble's secure client port, through ZooKeeper's
 * Netty client and the JDK's TLS provider. Key and trust stores are PKCS12 or JKS files.
 *
 * <pre>
 * tls:
 *   enabled: true
 *   keyStore: /etc/promshard/zk-client.p12
 *   keyStorePassword: ...
 *   trustStore: /etc/promshard/zk-ca.p12
 *   trustStorePassword: ...
 * </pre>
 */
public class ZooKeeperTls {

    private boolean enabled;
    @NotNull
    private String keyStore = "";
    @NotNull
    private String keyStorePassword = "";
    @NotNull
    private String trustStore = "";
    @NotNull
    private String trustStorePassword = "";

    /** The client configuration for these settings; plain ZooKeeper defaults when TLS is off. */
    ZKClientConfig clientConfig() {
        ZKClientConfig config = new ZKClientConfig();
        if (enabled) {
            if (trustStore.isEmpty()) {
                throw new IllegalArgumentException("zookeeper.tls.enabled needs zookeeper.tls.trustStore");
            }
            config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
            config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
            if (!keyStore.isEmpty()) {
                config.setProperty("zookeeper.ssl.keyStore.location", keyStore);
                config.setProperty("zookeeper.ssl.keyStore.password", keyStorePassword);
            }
            config.setProperty("zookeeper.ssl.trustStore.location", trustStore);
            config.setProperty("zookeeper.ssl.trustStore.password", trustStorePassword);
        }
        return config;
    }

    @JsonProperty
    public boolean isEnabled() {
        return enabled;
    }

    @JsonProperty
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @JsonProperty
    public String getKeyStore() {
        return keyStore;
    }

    @JsonProperty
    public void setKeyStore(String keyStore) {
        this.keyStore = keyStore;
    }

    @JsonProperty
    public String getKeyStorePassword() {
        return keyStorePassword;
    }

    @JsonProperty
    public void setKeyStorePassword(String keyStorePassword) {
        this.keyStorePassword = keyStorePassword;
    }

    @JsonProperty
    public String getTrustStore() {
        return trustStore;
    }

    @JsonProperty
    public void setTrustStore(String trustStore) {
        this.trustStore = trustStore;
    }

    @JsonProperty
    public String getTrustStorePassword() {
        return trustStorePassword;
    }

    @JsonProperty
    public void setTrustStorePassword(String trustStorePassword) {
        this.trustStorePassword = trustStorePassword;
    }
}
