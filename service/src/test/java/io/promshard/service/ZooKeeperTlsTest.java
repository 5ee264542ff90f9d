package io.promshard.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A promshard Curator client talks to ZooKeeper's secure port over TLS. */
class ZooKeeperTlsTest {

    @TempDir
    Path tmp;

    private void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }

    @Test
    void connectsOverTls() throws Exception {
        String keyStore = tmp.resolve("zk.p12").toString();
        String trustStore = tmp.resolve("trust.p12").toString();
        String cert = tmp.resolve("zk.crt").toString();
        keytool("-genkeypair", "-alias", "zk", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keyStore, "-storepass", "secret", "-keypass", "secret");
        keytool("-exportcert", "-alias", "zk", "-keystore", keyStore, "-storepass", "secret", "-file", cert);
        keytool("-importcert", "-noprompt", "-alias", "zk", "-file", cert, "-storetype", "PKCS12",
                "-keystore", trustStore, "-storepass", "secret");

        int securePort = InstanceSpec.getRandomPort();
        Map<String, Object> props = Map.of(
                "clientPortAddress", "127.0.0.1",
                "secureClientPort", String.valueOf(securePort),
                "secureClientPortAddress", "127.0.0.1",
                "serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory",
                "ssl.keyStore.location", keyStore,
                "ssl.keyStore.password", "secret",
                "ssl.trustStore.location", trustStore,
                "ssl.trustStore.password", "secret");
        try (TestingServer zk = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, -1, -1, props,
                "127.0.0.1"), true)) {
            ZooKeeperSettings settings = new ZooKeeperSettings();
            settings.getTls().setEnabled(true);
            settings.getTls().setKeyStore(keyStore);
            settings.getTls().setKeyStorePassword("secret");
            settings.getTls().setTrustStore(trustStore);
            settings.getTls().setTrustStorePassword("secret");
            try (CuratorFramework client = settings.buildCuratorFramework("127.0.0.1:" + securePort)) {
                client.start();
                client.create().creatingParentsIfNeeded().forPath("/promshard/tls", "ok".getBytes(StandardCharsets.UTF_8));
                assertEquals("ok", new String(client.getData().forPath("/promshard/tls"), StandardCharsets.UTF_8));
            }
        }
    }
}
