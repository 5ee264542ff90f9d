package io.promshard.bench.race;

import java.util.List;

/**
 * One way of sharding the race's targets over scrapers, run from four scrapers up: each step is
 * what its operators do for it (a scale-out to five, a scale-in back to four, and whatever else it
 * offers), and every scraper writes each sample to the race's storage labelled {@code setup=<name>}
 * and {@code scraper=<its name>}.
 */
interface Contender extends AutoCloseable {

    /** One step: its name, the scraper that leaves in it (null for none), and the scrapers taking targets after it. */
    record Step(String name, String leaving, int scrapersAfter) {
    }

    String name();

    /** Starts the first four scrapers (and whatever coordinates them) and returns once each is scraping. */
    void start() throws Exception;

    /** The steps, in order; {@link #run} carries one out. */
    List<Step> steps();

    /** Carries out {@code step}, returning once it is done as an operator would see it done. */
    void run(Step step) throws Exception;
}
