package io.promshard.coordinator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.TargetGroup;
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
}
