package io.promshard.bench.race;

import java.util.List;
import java.util.TreeMap;

/**
 * A contender whose scrapers know the member count and their own number from their configuration
 * (hashmod's modulus, vmagent's cluster flags): a scale-out switches every running member to the new
 * count (one after the other, as an operator's loop does) and starts the new one; a scale-in stops
 * the last one and switches the others back. Subclasses say how a member starts, switches and stops.
 */
abstract class StaticShardsContender implements Contender {

    final RaceRun run;
    private final String name;
    /** Scraper name ({@code s<number>}) to its port, in member order. */
    private final TreeMap<String, Integer> members = new TreeMap<>();

    StaticShardsContender(RaceRun run, String name) {
        this.run = run;
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void start() throws Exception {
        for (int member = 0; member < 4; member++) {
            members.put(scraper(member), startMember(member, 4));
        }
    }

    @Override
    public final List<Step> steps() {
        return List.of(new Step("scale out 4 -> 5", null, 5), new Step("scale in 5 -> 4", scraper(4), 4));
    }

    @Override
    public final void run(Step step) throws Exception {
        if (step.leaving() == null) {
            switchAll(5);
            members.put(scraper(4), startMember(4, 5));
        } else {
            run.processes.get(processName(step.leaving())).close();
            members.remove(step.leaving());
            switchAll(4);
        }
    }

    private void switchAll(int count) throws Exception {
        int member = 0;
        for (String scraper : List.copyOf(members.keySet())) {
            members.put(scraper, switchMember(scraper, members.get(scraper), member++, count));
        }
    }

    static String scraper(int member) {
        return "s" + member;
    }

    /** The process name of {@code scraper}: {@code <contender>-<scraper>}. */
    final String processName(String scraper) {
        return name + "-" + scraper;
    }

    /** Starts member {@code member} of {@code count} and returns its port once it is ready. */
    abstract int startMember(int member, int count) throws Exception;

    /** Switches {@code scraper} (on {@code port}) to member {@code member} of {@code count}; returns its port then. */
    abstract int switchMember(String scraper, int port, int member, int count) throws Exception;

    @Override
    public final void close() throws Exception {
        for (String scraper : List.copyOf(members.keySet())) {
            run.processes.get(processName(scraper)).close();
        }
    }
}
