package io.promshard.bench.race;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The usual recipe: every Prometheus reads every target and keeps those whose {@code hashmod} of the
 * address over the modulus N is its own number. Scaling means writing the new N into every
 * configuration and reloading every server ({@code POST /-/reload}).
 */
final class HashmodContender extends StaticShardsContender {

    HashmodContender(RaceRun run) {
        super(run, "hashmod");
    }

    @Override
    int startMember(int member, int count) throws Exception {
        return run.prometheus(processName(scraper(member)), writeConfig(member, count));
    }

    @Override
    int switchMember(String scraper, int port, int member, int count) throws Exception {
        writeConfig(member, count);
        int status = RaceRun.status(URI.create("http://127.0.0.1:" + port + "/-/reload"), "POST");
        if (status != 200) {
            throw new IllegalStateException(scraper + ": reload answered " + status);
        }
        return port;
    }

    private Path writeConfig(int member, int modulus) throws Exception {
        Path config = run.dir.resolve(processName(scraper(member)) + ".yml");
        Files.writeString(config, run.prometheusHead(name(), scraper(member)) + """
                scrape_configs:
                  - job_name: node
                    file_sd_configs: [{files: ["%s"]}]
                    relabel_configs:
                      - {source_labels: [__address__], modulus: %d, target_label: __tmp_hash, action: hashmod}
                      - {source_labels: [__tmp_hash], regex: "%d", action: keep}
                """.formatted(run.targets, modulus, member));
        return config;
    }
}
