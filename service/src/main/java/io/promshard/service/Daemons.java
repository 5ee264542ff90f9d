package io.promshard.service;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The one way promshard components get their background thread: named, daemon, single. */
public final class Daemons {

    private Daemons() {
    }

    /** A single-thread scheduled executor whose thread is called {@code name} and never keeps the JVM alive. */
    public static ScheduledExecutorService singleThread(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
