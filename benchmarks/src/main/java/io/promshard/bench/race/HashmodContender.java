package io.promshard.bench.race;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The usual recipe: every Prometheus reads every target and keeps those whose {@code hashmod} of the
 * address over the modulus N is its own number. Scaling out or in means writing the new N into every
 * configuration and reloading every server (here one after the other, as an operator's loop does),
 * and starting or stopping the one that joins or leaves.
 */
final class HashmodContender implements Contender {

    private static final String NAME = "hashmod";

    private final RaceRun run;
    /** Scraper name to its port, in member order. */
    private final Map<String, Integer> members = new TreeMap<>();

    HashmodContender(RaceRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start() throws Exception {
        for (int i = 0; i < 4; i++) {
            startMember(i, 4);
        }
    }

    @Override
    public List<Step> steps() {
        return List.of(new Step("scale out 4 -> 5", null, 5), new Step("scale in 5 -> 4", scraper(4), 4));
    }

    @Override
    public void run(Step step) throws Exception {
        if (step.leaving() == null) {
            reconfigure(5);
            startMember(4, 5);
        } else {
            run.processes.get(NAME + "-" + step.leaving()).close();
            members.remove(step.leaving());
            reconfigure(4);
        }
    }

    private static String scraper(int member) {
        return "s" + member;
    }

    private void startMember(int member, int modulus) throws Exception {
        String scraper = scraper(member);
        members.put(scraper, run.prometheus(NAME + "-" + scraper, writeConfig(member, modulus)));
    }

    /** Every running member's configuration rewritten with {@code modulus}, then reloaded. */
    private void reconfigure(int modulus) throws Exception {
        int member = 0;
        for (Map.Entry<String, Integer> m : members.entrySet()) {
            writeConfig(member++, modulus);
            int status = RaceRun.status(URI.create("http://127.0.0.1:" + m.getValue() + "/-/reload"), "POST");
            if (status != 200) {
                throw new IllegalStateException(m.getKey() + ": reload answered " + status);
            }
        }
    }

    private Path writeConfig(int member, int modulus) throws Exception {
        Path config = run.dir.resolve(NAME + "-" + scraper(member) + ".yml");
        Files.writeString(config, run.prometheusHead(NAME, scraper(member)) + """
                scrape_configs:
                  - job_name: node
                    file_sd_configs: [{files: ["%s"]}]
                    relabel_configs:
                      - {source_labels: [__address__], modulus: %d, target_label: __tmp_hash, action: hashmod}
                      - {source_labels: [__tmp_hash], regex: "%d", action: keep}
                """.formatted(run.targets, modulus, member));
        return config;
    }

    @Override
    public void close() throws Exception {
        for (String scraper : List.copyOf(members.keySet())) {
            run.processes.get(NAME + "-" + scraper).close();
        }
    }
}
