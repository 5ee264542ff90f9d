package io.promshard.bench.race;

import java.util.List;

/**
 * vmagent's own sharding: every member reads every target and scrapes its part by
 * {@code -promscrape.cluster.membersCount} and {@code -promscrape.cluster.memberNum}, flags fixed at
 * start, so scaling means restarting every member with the new count.
 */
final class VmagentClusterContender extends StaticShardsContender {

    VmagentClusterContender(RaceRun run) {
        super(run, "vmagent-cluster");
    }

    @Override
    int startMember(int member, int count) throws Exception {
        String scraper = scraper(member);
        return run.vmagent(processName(scraper), run.vmagentScrapeConfig(name(), run.targets), name(), scraper,
                List.of("-promscrape.cluster.membersCount=" + count, "-promscrape.cluster.memberNum=" + member));
    }

    @Override
    int switchMember(String scraper, int port, int member, int count) throws Exception {
        run.processes.get(processName(scraper)).close();
        return startMember(member, count);
    }
}
