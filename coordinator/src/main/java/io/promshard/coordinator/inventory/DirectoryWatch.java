package io.promshard.coordinator.inventory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File system change notifications for the directories the inventory's globs read: Java's
 * WatchService, which on Linux is inotify, as Prometheus's file_sd uses it through fsnotify. Any
 * event in a watched directory (a file written, renamed into place, deleted) calls
 * {@code onChange} on this watch's own thread, which must only hand work off. A directory that does
 * not exist yet is watched once {@link #watchMissing()} finds it; a notification can still be lost
 * (an overflowing queue, a network file system), so the caller re-reads everything every refresh
 * interval too. Deeper directories of a {@code **} or {@code dir/*}{@code /file} glob are not
 * watched: their changes wait for that refresh.
 */
final class DirectoryWatch implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatch.class);

    private final WatchService service;
    private final Set<Path> wanted;
    private final Set<Path> watched = new HashSet<>();
    private final Runnable onChange;
    private final Thread thread;

    private DirectoryWatch(WatchService service, Set<Path> wanted, Runnable onChange) {
        this.service = service;
        this.wanted = Set.copyOf(wanted);
        this.onChange = onChange;
        this.thread = new Thread(this::run, "promshard-inventory-watch");
        this.thread.setDaemon(true);
    }

    /** Watches the base directory of each glob; none when there is no glob. */
    static DirectoryWatch start(List<String> globs, Runnable onChange) throws IOException {
        Set<Path> dirs = new HashSet<>();
        globs.forEach(glob -> dirs.add(GlobFiles.baseDirectory(glob)));
        DirectoryWatch watch = new DirectoryWatch(FileSystems.getDefault().newWatchService(), dirs, onChange);
        watch.watchMissing();
        watch.thread.start();
        return watch;
    }

    /** Starts watching the wanted directories that exist now and were not watched yet. */
    synchronized void watchMissing() {
        for (Path dir : wanted) {
            if (!watched.contains(dir) && Files.isDirectory(dir)) {
                try {
                    dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                            StandardWatchEventKinds.ENTRY_DELETE);
                    watched.add(dir);
                } catch (IOException | ClosedWatchServiceException e) {
                    LOG.warn("{}: cannot watch for changes ({}); its files are re-read every refresh interval", dir,
                            e.toString());
                }
            }
        }
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                key.pollEvents(); // which file does not matter: the refresh compares every file
                if (!key.reset()) {
                    synchronized (this) {
                        watched.remove((Path) key.watchable()); // deleted: watched again once it is back
                    }
                }
                onChange.run();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("closing the watch: {}", e.toString());
        }
        thread.interrupt();
    }
}
