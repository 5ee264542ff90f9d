package io.promshard.bench;

import io.promshard.client.Json;
import io.promshard.coordinator.inventory.FileSdParser;
import io.promshard.coordinator.inventory.InventoryService;
import io.promshard.coordinator.inventory.JobConfig;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code promshard-benchmarks inventory-files [--files N] [--idle-seconds S] [--changes K]}: an
 * inventory the way configuration management writes it, one file per host, read by the
 * coordinator's {@link InventoryService}; prints as JSON the CPU it uses while nothing changes
 * (percent of one core, the whole process) and the time from a file renamed into place until the
 * inventory holds it, twice: with the directory watch and Prometheus's 5 min re-read (the
 * coordinator's default), and with no watch and a re-read every 2 s (what polling alone costs).
 */
final class InventoryFilesBenchmark {

    private InventoryFilesBenchmark() {
    }

    static int run(String[] args, PrintStream out) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--files", "20000", "--idle-seconds", "30",
                "--changes", "10"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        int files = Integer.parseInt(options.get("--files"));
        int idleSeconds = Integer.parseInt(options.get("--idle-seconds"));
        int changes = Integer.parseInt(options.get("--changes"));
        Path dir = Files.createTempDirectory("promshard-inventory-bench");
        for (int i = 0; i < files; i++) {
            Files.writeString(dir.resolve("host-" + i + ".yml"), "- targets: ['10." + (i >> 16) + "." + ((i >> 8) & 255)
                    + "." + (i & 255) + ":9100']\n  labels: {host: h" + i + "}\n");
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        runs.add(measure("watch, re-read every 5m", dir, files, Duration.ofMinutes(5), true, idleSeconds, changes));
        runs.add(measure("no watch, re-read every 2s", dir, files, Duration.ofSeconds(2), false, idleSeconds, changes));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "inventory-files");
        result.put("files", files);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("runs", runs);
        out.println(Json.mapper().writeValueAsString(result));
        return 0;
    }

    private static Map<String, Object> measure(String name, Path dir, int files, Duration refresh, boolean watch,
                                               int idleSeconds, int changes) throws Exception {
        JobConfig job = new JobConfig("node", List.of(dir + "/*.yml"), List.of());
        InventoryService service = new InventoryService(List.of(job), refresh, new FileSdParser(1 << 20), List.of(),
                io.promshard.coordinator.inventory.LastGoodStore.none(), watch);
        AtomicLong changed = new AtomicLong();
        service.addListener(() -> changed.set(System.nanoTime()));
        long startedAt = System.nanoTime();
        service.start();
        double startSeconds = (System.nanoTime() - startedAt) / 1e9;
        try {
            Thread.sleep(5_000); // the start's garbage collected and compiled code settled
            System.gc();
            double idle = cpuPercent(idleSeconds);
            List<Double> latencies = new ArrayList<>();
            for (int c = 0; c < changes; c++) {
                int count = service.current().targetCount();
                Path temp = dir.resolve(".new-" + c + ".tmp");
                Files.writeString(temp, "- targets: ['192.168." + (c / 250) + "." + (c % 250 + 1) + ":9100']\n");
                long written = System.nanoTime();
                Files.move(temp, dir.resolve("new-" + c + ".yml"), StandardCopyOption.ATOMIC_MOVE);
                long deadline = written + Duration.ofSeconds(30).toNanos();
                while (service.current().targetCount() == count && System.nanoTime() < deadline) {
                    Thread.sleep(5); // the measurement's resolution: the latency is read to 5 ms
                }
                latencies.add(service.current().targetCount() == count ? Double.NaN : (System.nanoTime() - written) / 1e9);
            }
            for (int c = 0; c < changes; c++) {
                Files.deleteIfExists(dir.resolve("new-" + c + ".yml"));
            }
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("mode", name);
            run.put("start_s", round(startSeconds));
            run.put("idle_cpu_percent_of_a_core", round(idle));
            latencies.sort(null);
            run.put("change_to_inventory_s_p50", round(latencies.get(latencies.size() / 2)));
            run.put("change_to_inventory_s_max", round(latencies.get(latencies.size() - 1)));
            return run;
        } finally {
            service.stop();
        }
    }

    /** The process's CPU over the next {@code seconds}, as percent of one core. */
    private static double cpuPercent(int seconds) throws InterruptedException {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        long wall = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        return 100.0 * (os.getProcessCpuTime() - cpu) / (System.nanoTime() - wall);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
