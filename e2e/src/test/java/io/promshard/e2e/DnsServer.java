package io.promshard.e2e;

import io.promshard.client.testing.ChildProcess;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's dnsmasq on a loopback address of its own, port 53 (a resolver configuration cannot name
 * another port), serving SRV records {@code _node._tcp.e2e.test -> localhost:<port>}; the records
 * change by restarting it with new ones (dnsmasq reads its configuration once). Processes that must
 * resolve through it run in their own mount namespace with a resolv.conf naming it
 * ({@link #resolvingThroughIt}), so the machine's resolver is never touched. Needs root (port 53,
 * namespaces); fails with the reason otherwise.
 */
final class DnsServer implements AutoCloseable {

    static final String ADDRESS = "127.0.0.77";
    static final String SRV_NAME = "_node._tcp.e2e.test";
    private static final Path BINARY = Path.of("/usr/sbin/dnsmasq");

    private final Path dir;
    private ChildProcess process;

    private DnsServer(Path dir) {
        this.dir = dir;
    }

    static DnsServer start(Path dir, List<Integer> ports) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: install Debian's dnsmasq-base package (ops/test.sh does)");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("the DNS discovery test runs dnsmasq on port 53 and a Prometheus in its own mount "
                    + "namespace: it needs root, as CI runs it");
        }
        DnsServer dns = new DnsServer(Files.createDirectories(dir));
        Files.writeString(dir.resolve("resolv.conf"), "nameserver " + ADDRESS + "\n");
        dns.serve(ports);
        return dns;
    }

    /** Serves exactly these SRV records from now on (a restart: dnsmasq reads its configuration once). */
    void serve(List<Integer> ports) throws Exception {
        if (process != null) {
            process.close();
        }
        StringBuilder conf = new StringBuilder("no-resolv\nno-hosts\nbind-interfaces\nport=53\nlocal-ttl=1\n")
                .append("listen-address=").append(ADDRESS).append('\n')
                .append("local=/e2e.test/\n"); // no upstream: a name without records is answered at once
        for (int port : ports) {
            conf.append("srv-host=").append(SRV_NAME).append(",localhost,").append(port).append('\n');
        }
        Path file = dir.resolve("dnsmasq.conf");
        Files.writeString(file, conf);
        process = ChildProcess.start("dnsmasq", dir, List.of(BINARY.toString(), "--keep-in-foreground", "--log-facility=-",
                "--conf-file=" + file));
        io.promshard.client.testing.Poll.until("dnsmasq to answer on " + ADDRESS + ":53", Duration.ofSeconds(20),
                Duration.ofMillis(100), this::answers);
    }

    /** {@code command} in a mount namespace whose /etc/resolv.conf names this server. */
    List<String> resolvingThroughIt(List<String> command) {
        StringBuilder script = new StringBuilder("mount --bind '" + dir.resolve("resolv.conf") + "' /etc/resolv.conf && exec");
        command.forEach(arg -> script.append(" '").append(arg.replace("'", "'\\''")).append('\''));
        return List.of("unshare", "--mount", "sh", "-c", script.toString());
    }

    /** A query for the SRV name gets an answer (any answer: the server is up). */
    private boolean answers() {
        if (!process.alive()) {
            throw new AssertionError("dnsmasq exited: " + process.tail());
        }
        byte[] query = srvQuery();
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(500);
            socket.send(new DatagramPacket(query, query.length, InetAddress.getByName(ADDRESS), 53));
            DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            socket.receive(reply);
            return reply.getLength() > 12;
        } catch (IOException e) {
            return false;
        }
    }

    /** A minimal DNS query (RFC 1035 section 4): header, then the SRV name, type 33, class IN. */
    private static byte[] srvQuery() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : SRV_NAME.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {0, 0, 33, 0, 1});
        return out.toByteArray();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.close();
        }
    }
}
