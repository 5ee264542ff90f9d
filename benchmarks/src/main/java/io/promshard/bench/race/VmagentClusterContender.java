package io.promshard.bench.race;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * vmagent's own sharding: every member reads every target and scrapes its part by
 * {@code -promscrape.cluster.membersCount} and {@code -promscrape.cluster.memberNum}, flags fixed at
 * start. Scaling out or in means restarting every member with the new count (here one after the
 * other, a rolling restart), and starting or stopping the one that joins or leaves.
 */
final class VmagentClusterContender implements Contender {

    private static final String NAME = "vmagent-cluster";

    private final RaceRun run;
    private final TreeSet<String> members = new TreeSet<>();
    private Path scrapeConfig;

    VmagentClusterContender(RaceRun run) {
        this.run = run;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start() throws Exception {
        scrapeConfig = run.vmagentScrapeConfig(NAME, run.targets);
        for (int i = 0; i < 4; i++) {
            startMember(i, 4);
        }
    }

    @Override
    public List<Step> steps() {
        return List.of(new Step("scale out 4 -> 5", null, 5), new Step("scale in 5 -> 4", "s4", 4));
    }

    @Override
    public void run(Step step) throws Exception {
        if (step.leaving() == null) {
            restartAll(5);
            startMember(4, 5);
        } else {
            stopMember(step.leaving());
            restartAll(4);
        }
    }

    private void restartAll(int count) throws Exception {
        int member = 0;
        for (String scraper : List.copyOf(members)) {
            stopMember(scraper);
            startMember(member++, count);
        }
    }

    private void startMember(int member, int count) throws Exception {
        String scraper = "s" + member;
        run.vmagent(NAME + "-" + scraper, scrapeConfig, NAME, scraper, List.of(
                "-promscrape.cluster.membersCount=" + count, "-promscrape.cluster.memberNum=" + member));
        members.add(scraper);
    }

    private void stopMember(String scraper) throws Exception {
        run.processes.get(NAME + "-" + scraper).close();
        members.remove(scraper);
    }

    @Override
    public void close() throws Exception {
        for (String scraper : List.copyOf(members)) {
            stopMember(scraper);
        }
    }
}
