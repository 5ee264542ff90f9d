package io.promshard.bench.scale;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The separate processes of a scale run: ZooKeeper and the packaged jars, on loopback, logs in files. */
final class Processes implements AutoCloseable {

    private final Path dir;
    private final List<Process> started = new ArrayList<>();

    Processes(Path dir) {
        this.dir = dir;
    }

    Process java(String name, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(args);
        Files.createDirectories(dir.resolve("logs"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("logs").resolve(name + ".log").toFile()).start();
        started.add(p);
        return p;
    }

    String tail(String name) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("logs").resolve(name + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A ZooKeeper four-letter command's answer, "" when it does not answer. */
    static String fourLetter(int port, String cmd) {
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2_000);
            s.setSoTimeout(5_000); // a server still starting may accept and never answer
            s.getOutputStream().write(cmd.getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            try (InputStream in = s.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            }
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code mntr}'s key/value lines. */
    static Map<String, String> mntr(int port) {
        Map<String, String> out = new TreeMap<>();
        for (String line : fourLetter(port, "mntr").split("\n")) {
            String[] kv = line.split("\t", 2);
            if (kv.length == 2) {
                out.put(kv[0].trim(), kv[1].trim());
            }
        }
        return out;
    }

    /** CPU seconds (user + system) a process has used, from /proc. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        List<Process> reversed = new ArrayList<>(started);
        java.util.Collections.reverse(reversed);
        for (Process p : reversed) {
            p.destroy();
        }
        for (Process p : reversed) {
            try {
                if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) { // time for a flight recording to be written
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }
}
