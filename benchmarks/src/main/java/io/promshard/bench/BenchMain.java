package io.promshard.bench;

import io.promshard.bench.race.Race;
import io.promshard.bench.race.RaceTable;
import java.util.Arrays;

/**
 * {@code java -jar promshard-benchmarks.jar simulate ...} prints one JSON object per scenario;
 * {@code java -jar promshard-benchmarks.jar jmh [JMH options]} runs the JMH benchmarks.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("simulate")) {
            System.exit(Simulator.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        } else if (args.length > 0 && args[0].equals("scale")) {
            // the JSON goes to the real standard output; every log line of the in-process clients to stderr
            java.io.PrintStream json = System.out;
            System.setOut(System.err);
            System.exit(io.promshard.bench.scale.ScaleHarness.run(Arrays.copyOfRange(args, 1, args.length),
                    json, System.err));
        } else if (args.length > 0 && args[0].equals("inventory-files")) {
            java.io.PrintStream json = System.out; // the JSON alone on standard output; the log to stderr
            System.setOut(System.err);
            System.exit(InventoryFilesBenchmark.run(Arrays.copyOfRange(args, 1, args.length), json));
        } else if (args.length > 0 && args[0].equals("race")) {
            System.exit(Race.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        } else if (args.length > 0 && args[0].equals("race-table")) {
            System.exit(RaceTable.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        } else if (args.length > 0 && args[0].equals("jmh")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
        } else {
            System.err.println("usage: promshard-benchmarks simulate --targets N --workers M --event join|leave|drain"
                    + " --weights uniform|pareto [--replication R] [--seed S] [--targets-file FILE]\n"
                    + "       promshard-benchmarks scale [--workers N] [--targets M] [--events K] [--settle-ms MS]"
                    + " [--root PROJECT_DIR]\n"
                    + "       promshard-benchmarks inventory-files [--files N] [--idle-seconds S] [--changes K]\n"
                    + "       promshard-benchmarks race [--exporters N] [--scrape-seconds S] [--observe-intervals K]"
                    + " [--contenders hashmod,vmagent-cluster,promshard-prometheus,promshard-vmagent] [--root DIR]\n"
                    + "       promshard-benchmarks race-table RACE_RESULTS.json\n"
                    + "       promshard-benchmarks jmh [JMH options, e.g. -f 1 -wi 2 -i 3 EngineBenchmark]");
            System.exit(2);
        }
    }
}
