package io.promshard.coordinator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.TargetGroup;
import io.promshard.client.testing.Poll;
import io.promshard.coordinator.relabel.RelabelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryServiceTest {

    @TempDir
    Path tmp;

    private InventoryService service(JobConfig... jobs) {
        return new InventoryService(List.of(jobs), Duration.ofHours(1), new FileSdParser(1 << 20));
    }

    /** Writes and moves the modification time forward, so the change is seen even within one clock tick. */
    private static void write(Path file, String text) throws Exception {
        FileTime before = Files.exists(file) ? Files.getLastModifiedTime(file) : FileTime.from(Instant.EPOCH);
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(before.toInstant().plusSeconds(1).isAfter(Instant.now())
                ? before.toInstant().plusSeconds(1) : Instant.now()));
    }

    @Test
    void combinesStaticGroupsAndGlobbedFilesPerJob() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("node"));
        write(dir.resolve("a.yml"), "- targets: ['h1:9100']\n");
        write(dir.resolve("b.json"), "[{\"targets\": [\"h2:9100\"]}]");
        write(dir.resolve("ignored.txt"), "[{\"targets\": [\"h3:9100\"]}]");
        InventoryService s = service(new JobConfig("node", List.of(dir + "/*.yml", dir + "/*.json"),
                List.of(TargetGroup.of(List.of("static:1"), Map.of()))));
        s.start();
        assertEquals(List.of("node\u0000static:1", "node\u0000h1:9100", "node\u0000h2:9100"), s.current().keys());
        s.stop();
    }

    @Test
    void anUnchangedInventoryKeepsItsInstanceAndAChangedOneIsNew() throws Exception {
        Path file = tmp.resolve("t.json");
        write(file, "[{\"targets\": [\"h1:1\"]}]");
        InventoryService s = service(new JobConfig("node", List.of(file.toString()), List.of()));
        s.start();
        Inventory first = s.current();
        write(file, "[{\"targets\": [\"h1:1\"]}]"); // rewritten, same content
        s.refresh();
        assertTrue(first == s.current(), "the leader recognises an unchanged inventory by identity");
        write(file, "[{\"targets\": [\"h1:1\", \"h2:1\"]}]");
        s.refresh();
        assertEquals(2, s.current().targetCount());
        s.stop();
    }

    @Test
    void aRefusedFileKeepsItsLastGoodContentAndIsCounted() throws Exception {
        Path file = tmp.resolve("t.json");
        write(file, "[{\"targets\": [\"h1:1\", \"h2:1\"]}]");
        InventoryService s = service(new JobConfig("j", List.of(tmp + "/*.json"), List.of()));
        AtomicInteger changes = new AtomicInteger();
        s.addListener(changes::incrementAndGet);
        s.start();
        assertEquals(2, s.current().targetCount());
        int afterStart = changes.get();

        write(file, "[{\"targets\": [\"h1:1\", 2]}]");
        s.refresh();
        s.refresh();
        assertEquals(2, s.current().targetCount(), "the last good content must stay in force");
        assertEquals(1, s.refusals(), "a refused version is counted once");
        assertTrue(s.errors().get(file.toString()).contains("target 1 of entry 0 must be a string"), s.errors().toString());
        assertEquals(afterStart, changes.get(), "a refused file changes nothing");

        write(file, "[{\"targets\": [\"h1:1\", \"h2:1\", \"h3:1\"]}]");
        s.refresh();
        assertEquals(3, s.current().targetCount());
        assertTrue(s.errors().isEmpty());
        assertEquals(afterStart + 1, changes.get());
        s.stop();
    }

    @Test
    void aDeletedFileDropsItsTargetsAsInPrometheus() throws Exception {
        write(tmp.resolve("a.json"), "[{\"targets\": [\"h1:1\"]}]");
        write(tmp.resolve("b.json"), "[{\"targets\": [\"h2:1\"]}]");
        InventoryService s = service(new JobConfig("j", List.of(tmp + "/*.json"), List.of()));
        s.start();
        assertEquals(2, s.current().targetCount());
        Files.delete(tmp.resolve("b.json"));
        s.refresh();
        assertEquals(List.of("j\u0000h1:1"), s.current().keys());
        s.stop();
    }

    @Test
    void aTargetListedInTwoFilesOfAJobCountsOnce() throws Exception {
        write(tmp.resolve("a.json"), "[{\"targets\": [\"h1:1\"]}]");
        write(tmp.resolve("b.json"), "[{\"targets\": [\"h1:1\", \"h2:1\"]}]");
        InventoryService s = service(new JobConfig("j", List.of(tmp + "/*.json"), List.of()));
        s.start();
        assertEquals(List.of("j\u0000h1:1", "j\u0000h2:1"), s.current().keys());
        s.stop();
    }

    /**
     * A blackbox job written as its users write it (URLs) with its relabel rules in the coordinator:
     * each probe is its own target (the key holds __param_target), the workers get the exporter's
     * address with the probe's labels, and a rule that changes only a label moves no key.
     */
    @Test
    void aJobsRelabelRulesApplyBeforeAssignmentAndEveryProbeStaysATarget() throws Exception {
        Path file = tmp.resolve("probes.yml");
        write(file, "- targets: [https://a.example.org, https://b.example.org, example.org]\n  labels: {module: http_2xx}\n");
        JobConfig job = new JobConfig("blackbox", List.of(file.toString()), List.of());
        List<RelabelConfig> rules = new java.util.ArrayList<>(List.of(
                new RelabelConfig(List.of("__address__"), null, "__param_target", null, 0, null, null),
                new RelabelConfig(List.of("__param_target"), null, "instance", null, 0, null, null),
                new RelabelConfig(null, null, "__address__", null, 0, "127.0.0.1:9115", null),
                new RelabelConfig(List.of("__meta_filepath"), null, "source", ".*/(.*)", 0, "$1", null)));
        job.setRelabelConfigs(rules);
        InventoryService s = service(job);
        s.start();
        Inventory inventory = s.current();
        assertEquals(3, inventory.targetCount(), "three probes, three targets: " + inventory.keys());
        TargetGroup first = inventory.jobs().get("blackbox").get(0);
        assertEquals(List.of("127.0.0.1:9115"), first.targets());
        assertEquals(Map.of("__param_target", "https://a.example.org", "instance", "https://a.example.org",
                "module", "http_2xx", "source", "probes.yml"), first.labels(), "__meta_filepath is there to relabel, then gone");

        rules.add(new RelabelConfig(List.of("module"), null, "team", null, 0, "probes", null));
        job.setRelabelConfigs(rules);
        InventoryService relabelled = service(job);
        relabelled.start();
        assertEquals(inventory.keys(), relabelled.current().keys(), "a label changed by relabelling moves nothing");
        s.stop();
        relabelled.stop();
    }

    @Test
    void anInvalidRelabelRuleIsRefusedNamingIt() {
        JobConfig job = new JobConfig("node", List.of(), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> job.setRelabelConfigs(List.of(new RelabelConfig(
                        List.of("a"), null, null, "(", 0, null, "keep"))));
        assertTrue(e.getMessage().contains("relabel rule 0 (keep): invalid regex"), e.getMessage());
    }

    /** With an hour between refreshes, a written, a renamed-in and a deleted file are all seen through the watch. */
    @Test
    void changesAreSeenThroughTheDirectoryWatchWithoutWaitingForTheRefresh() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("watched"));
        write(dir.resolve("a.yml"), "- targets: ['h1:9100']\n");
        InventoryService s = service(new JobConfig("node", List.of(dir + "/*.yml"), List.of()));
        s.start();
        try {
            assertEquals(1, s.current().targetCount());
            Files.writeString(dir.resolve("a.yml"), "- targets: ['h1:9100', 'h2:9100']\n");
            Poll.until("a rewritten file seen", Duration.ofSeconds(20),
                    () -> s.current().targetCount() == 2);
            Path temp = tmp.resolve("b.tmp");
            Files.writeString(temp, "- targets: ['h3:9100']\n");
            Files.move(temp, dir.resolve("b.yml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Poll.until("a file renamed into place seen", Duration.ofSeconds(20),
                    () -> s.current().targetCount() == 3);
            Files.delete(dir.resolve("a.yml"));
            Poll.until("a deleted file seen", Duration.ofSeconds(20),
                    () -> s.current().targetCount() == 1);
        } finally {
            s.stop();
        }
    }

    /** An http_sd job's rules see {@code __meta_url}, as Prometheus's http_sd gives it. */
    @Test
    void anHttpSdJobsRelabelRulesSeeItsUrl() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/sd", exchange -> {
            byte[] body = "[{\"targets\": [\"10.0.0.1:9100\"]}]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/sd";
        JobConfig job = new JobConfig("cmdb", List.of(), List.of());
        job.setRelabelConfigs(List.of(new RelabelConfig(List.of("__meta_url"), null, "source", null, 0, null, null)));
        HttpSdSource source = new HttpSdSource("cmdb", java.net.URI.create(url), Duration.ofHours(1), new FileSdParser(1 << 20),
                1 << 20);
        InventoryService s = new InventoryService(List.of(job), Duration.ofHours(1), new FileSdParser(1 << 20), List.of(source));
        s.start();
        try {
            Poll.until("the http_sd answer", Duration.ofSeconds(20), () -> s.current().targetCount() == 1);
            assertEquals(Map.of("source", url), s.current().jobs().get("cmdb").get(0).labels());
        } finally {
            s.stop();
            server.stop(0);
        }
    }
}
