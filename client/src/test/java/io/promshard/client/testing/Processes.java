package io.promshard.client.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The separate processes of an end-to-end test or a scale run, on loopback, each logging to
 * {@code <dir>/logs/<name>.log}: ZooKeeper as its own process, the packaged jars, Prometheus.
 * {@link #close()} stops them one by one in reverse order of start (ZooKeeper, started first,
 * stops last), each given its grace period (a JVM writing a flight recording needs it).
 */
public final class Processes implements AutoCloseable {

    private final Path dir;
    private final Duration grace;
    private final Map<String, ChildProcess> byName = new LinkedHashMap<>();
    private final List<ChildProcess> started = new ArrayList<>();

    /** @param grace how long each process may take to stop after SIGTERM before SIGKILL */
    public Processes(Path dir, Duration grace) {
        this.dir = dir;
        this.grace = grace;
    }

    /** Starts {@code command} as {@code name}; a later process of the same name replaces it in {@link #get}. */
    public ChildProcess start(String name, List<String> command) throws IOException {
        return start(name, command, Map.of());
    }

    /** As {@link #start(String, List)}, with {@code environment} added to this process's. */
    public ChildProcess start(String name, List<String> command, Map<String, String> environment)
            throws IOException {
        return start(name, command, environment, null);
    }

    /** As {@link #start(String, List, Map)}, run in {@code workingDirectory} (null: this process's). */
    public ChildProcess start(String name, List<String> command, Map<String, String> environment,
                              Path workingDirectory) throws IOException {
        ChildProcess p = ChildProcess.start(name, dir.resolve("logs"), command, environment, workingDirectory, grace);
        byName.put(name, p);
        started.add(p);
        return p;
    }

    /** Starts a JVM of the running Java ({@code java.home}) with {@code args}. */
    public ChildProcess java(String name, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(args);
        return start(name, command);
    }

    /**
     * ZooKeeper as its own process ({@code QuorumPeerMain} from {@code classpath}, a packaged jar that
     * bundles it), standalone on {@code 127.0.0.1:port}, data under {@code <dir>/zookeeper}, the
     * admin server off, four-letter commands {@code ruok}, {@code srvr}, {@code mntr} and {@code wchs}
     * allowed; waits until it answers {@code ruok}.
     *
     * @param jvmArgs   e.g. the heap and a logback configuration
     * @param zooConfig further {@code zoo.cfg} lines ({@code tickTime=500}, {@code maxClientCnxns=0})
     */
    public ChildProcess zooKeeper(Path classpath, int port, List<String> jvmArgs, List<String> zooConfig,
                                  Duration timeout) throws IOException {
        Path zk = Files.createDirectories(dir.resolve("zookeeper"));
        List<String> config = new ArrayList<>(List.of("dataDir=" + zk.resolve("data"), "clientPort=" + port,
                "clientPortAddress=127.0.0.1", "admin.enableServer=false",
                "4lw.commands.whitelist=ruok,srvr,mntr,wchs"));
        config.addAll(zooConfig);
        Files.writeString(zk.resolve("zoo.cfg"), String.join("\n", config) + "\n");
        List<String> args = new ArrayList<>(jvmArgs);
        args.addAll(List.of("-cp", classpath.toString(), "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                zk.resolve("zoo.cfg").toString()));
        ChildProcess p = java("zookeeper", args);
        Poll.until("ZooKeeper to answer ruok on port " + port, timeout, Duration.ofMillis(250),
                () -> alive(p) && "imok".equals(fourLetter(port, "ruok")));
        return p;
    }

    /**
     * JVM flags for small, quick-starting settings (two cores run a dozen processes in the end-to-end
     * suite): 256 MiB heap, serial GC, C1 only, IPv4.
     */
    public static final List<String> SMALL_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Djava.net.preferIPv4Stack=true");

    /** The command of a JVM of the running Java with {@link #SMALL_JVM} and {@code args}. */
    public static List<String> smallJvm(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(SMALL_JVM);
        command.addAll(List.of(args));
        return command;
    }

    /** The process last started as {@code name}. */
    public ChildProcess get(String name) {
        ChildProcess p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no process " + name);
        }
        return p;
    }

    /** Whether every process started runs; one that exited ends the wait with its log. */
    public boolean allAlive() {
        byName.values().forEach(Processes::alive);
        return true;
    }

    /** Whether {@code name} runs; a process that exited ends the wait with its log. */
    public boolean alive(String name) {
        return alive(get(name));
    }

    private static boolean alive(ChildProcess p) {
        if (!p.alive()) {
            throw new ProcessDied(p.name() + " exited; its log ends with:\n" + p.tail());
        }
        return true;
    }

    /** Ends a wait at once: a process the test needs is gone. */
    public static final class ProcessDied extends Error {
        private static final long serialVersionUID = 1L;

        ProcessDied(String message) {
            super(message);
        }
    }

    /** A free port on 127.0.0.1 (from the ephemeral range: read back, never fixed). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A ZooKeeper four-letter command's answer, "" when it does not answer within 5 s. */
    public static String fourLetter(int port, String command) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            s.setSoTimeout(5_000); // a server still starting may accept and never answer
            s.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            try (InputStream in = s.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            }
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code mntr}'s key/value lines. */
    public static Map<String, String> mntr(int port) {
        Map<String, String> out = new TreeMap<>();
        for (String line : fourLetter(port, "mntr").split("\n")) {
            String[] kv = line.split("\t", 2);
            if (kv.length == 2) {
                out.put(kv[0].trim(), kv[1].trim());
            }
        }
        return out;
    }

    /** CPU seconds (user + system) a process has used, from /proc; -1 when it cannot be read. */
    public static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Stops every process, the last started first, each within its grace period. */
    @Override
    public void close() throws InterruptedException {
        List<ChildProcess> reversed = new ArrayList<>(started);
        Collections.reverse(reversed);
        for (ChildProcess p : reversed) {
            p.close();
        }
    }
}
