package io.promshard.client.cli;

import io.promshard.client.Json;
import io.promshard.client.api.ShareView;
import io.promshard.client.api.CoordinatorStatus;
import io.promshard.client.api.Coverage;
import io.promshard.client.api.DrainStatus;
import io.promshard.client.api.DryRun;
import io.promshard.client.api.ManagedTargets;
import io.promshard.client.api.RebalanceEvent;
import io.promshard.client.api.TargetGroup;
import io.promshard.client.api.TargetLookup;
import io.promshard.client.api.WorkerView;
import io.promshard.client.rest.CoordinatorClient;
import io.promshard.client.rest.CoordinatorException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code promshardctl}: the coordinator's REST API for people and scripts. Tables by default,
 * {@code -o json} for machines. Exit codes: 0 done; 1 the coordinator refused or failed the request;
 * 2 bad usage; 3 the coordinator could not be reached; 4 {@code status}: the cluster is unhealthy
 * (no leader, or targets without an owner).
 */
@Command(name = "promshardctl", mixinStandardHelpOptions = true, versionProvider = PromshardCtl.Version.class,
        description = "Inspect and operate a promshard cluster through its coordinator.",
        subcommands = {PromshardCtl.Status.class, PromshardCtl.Workers.class, PromshardCtl.Owner.class,
                PromshardCtl.Assignment.class, PromshardCtl.Drain.class, PromshardCtl.Undrain.class,
                PromshardCtl.Targets.class, PromshardCtl.Events.class, PromshardCtl.DryRunCmd.class,
                PromshardCtl.CoverageCmd.class})
public final class PromshardCtl {

    /**
     * The version the build wrote into promshardctl.jar's manifest ({@code Implementation-Version}),
     * so that a release names itself without a second place to edit; from classes (tests, an IDE)
     * there is no manifest, and it says so.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = PromshardCtl.class.getPackage().getImplementationVersion();
            return new String[] {"promshardctl " + (version == null ? "(built from source, no jar manifest)" : version)};
        }
    }

    public static final int OK = 0;
    public static final int REFUSED = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;
    public static final int UNHEALTHY = 4;

    @Option(names = "--coordinator", paramLabel = "URL[,URL...]", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:PROMSHARD_COORDINATOR:-http://127.0.0.1:8080}",
            description = "Coordinator base URL, or the URLs of every coordinator separated by commas: a call a "
                    + "standby cannot answer goes to the next (env PROMSHARD_COORDINATOR; default ${DEFAULT-VALUE}).")
    String coordinator;

    @Option(names = "--token", paramLabel = "TOKEN", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:PROMSHARD_TOKEN:-}",
            description = "Bearer token for changes (env PROMSHARD_TOKEN).")
    String token;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "table", description = "table or json (default ${DEFAULT-VALUE}).")
    Format output;

    enum Format { table, json }

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs one command line, printing to {@code out} and {@code err}; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new PromshardCtl());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CoordinatorException ce) {
                err.println("promshardctl: " + ce.getMessage());
                err.flush();
                return ce.unreachable() ? UNREACHABLE : REFUSED;
            }
            if (e instanceof CommandLine.ParameterException pe) {
                err.println("promshardctl: " + pe.getMessage());
                err.flush();
                return USAGE;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** Base of every subcommand: the client and the output format from the parent's options. */
    abstract static class Sub implements Callable<Integer> {
        @CommandLine.ParentCommand
        Object parent;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PromshardCtl root() {
            Object p = parent;
            while (!(p instanceof PromshardCtl)) {
                p = ((Sub) p).parent;
            }
            return (PromshardCtl) p;
        }

        CoordinatorClient client() {
            List<URI> bases;
            try {
                bases = CoordinatorClient.parseBases(root().coordinator);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--coordinator: " + e.getMessage());
            }
            return new CoordinatorClient(bases, root().token);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        boolean json() {
            return root().output == Format.json;
        }

        int print(Object value) throws Exception {
            out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value));
            out().flush();
            return OK;
        }
    }

    @Command(name = "status", description = "Leader, epoch, workers, targets, balance; exit 4 when unhealthy.")
    static final class Status extends Sub {
        @Override
        public Integer call() throws Exception {
            CoordinatorStatus s = client().status();
            boolean healthy = !s.leader().isEmpty() && s.unassigned() == 0;
            if (json()) {
                print(s);
            } else {
                Table t = new Table("FIELD", "VALUE");
                t.row("health", healthy ? "healthy" : s.leader().isEmpty() ? "no leader" : s.unassigned() + " unassigned");
                t.row("leader", s.leader().isEmpty() ? "none" : s.leader());
                t.row("coordinator", s.coordinator() + (s.isLeader() ? " (leader)" : " (standby)"));
                t.row("epoch", s.epoch());
                t.row("workers", s.workers());
                t.row("targets", s.targets());
                t.row("replication", s.replication());
                t.row("unassigned", s.unassigned());
                t.row("busiest/fair", s.balance() == null ? "-" : String.format("%.3f (%s)", s.balance().maxOverMean(),
                        s.balance().busiest()));
                t.row("handoffs", s.handoffs());
                t.row("deferred moves", s.deferredMoves());
                CoordinatorStatus.Capacity c = s.capacity();
                if (c != null) {
                    t.row("recommended workers", c.recommendedWorkers() + " for " + c.series() + " series at "
                            + c.seriesPerWorker() + " per worker (" + c.activeWorkers() + " active)"
                            + (c.drainFirst().isEmpty() ? "" : "; drain " + c.drainFirst() + " first"));
                }
                RebalanceEvent e = s.lastRebalance();
                t.row("last rebalance", e == null ? "-" : "epoch " + e.epoch() + " at " + Instant.ofEpochMilli(e.timeMillis())
                        + ", " + e.moved() + " moved, " + String.join("+", e.causes()));
                s.inventoryErrors().forEach((where, why) -> t.row("inventory refused", why));
                t.print(out());
            }
            return healthy ? OK : UNHEALTHY;
        }
    }

    @Command(name = "workers", description = "Live workers: state, zone, targets, series, acknowledged epoch.")
    static final class Workers extends Sub {
        @Override
        public Integer call() throws Exception {
            List<WorkerView> workers = client().workers();
            if (json()) {
                return print(workers);
            }
            Table t = new Table("WORKER", "STATE", "ZONE", "CAPACITY", "TARGETS", "HANDOFF", "SERIES", "EPOCH", "ACKED", "LAG");
            for (WorkerView w : workers) {
                t.row(w.id(), w.drained() && w.state().name().equals("ACTIVE") ? "DRAINED" : w.state(),
                        w.zone().isEmpty() ? "-" : w.zone(), w.capacity(), w.targets(), w.handoffTargets(),
                        w.series() < 0 ? "-" : w.series(), w.epoch(), w.ackedEpoch() < 0 ? "-" : w.ackedEpoch(),
                        w.lagEpochs());
            }
            t.print(out());
            return OK;
        }
    }

    @Command(name = "owner", description = "Which workers own a target, and why.")
    static final class Owner extends Sub {
        @Parameters(index = "0", paramLabel = "JOB")
        String job;

        @Parameters(index = "1", paramLabel = "ADDRESS", description = "host:port")
        String address;

        @Override
        public Integer call() throws Exception {
            TargetLookup l = client().owner(job, address);
            if (json()) {
                return print(l);
            }
            out().println(l.key() + ": owners " + (l.owners().isEmpty() ? "none" : String.join(", ", l.owners()))
                    + "; scraped by " + (l.scrapedBy().isEmpty() ? "none" : String.join(", ", l.scrapedBy()))
                    + " (replication " + l.replication() + ", hash " + l.hash() + ", slot " + l.slot() + ", weight "
                    + fmt(l.weight()) + ")");
            out().println("why: " + l.reason());
            Table t = new Table("RANK", "WORKER", "OWNER", "STATE", "SCORE", "LOAD", "BOUND");
            for (TargetLookup.Candidate c : l.candidates()) {
                t.row(c.rank() == 0 ? "-" : c.rank(), c.worker(), c.owner() ? "yes" : "", c.state(), fmt(c.score()),
                        fmt(c.load()), fmt(c.bound()));
            }
            t.print(out());
            return OK;
        }
    }

    @Command(name = "assignment", description = "A worker's published targets.")
    static final class Assignment extends Sub {
        @Parameters(index = "0", paramLabel = "WORKER")
        String worker;

        @Override
        public Integer call() throws Exception {
            ShareView a = client().assignment(worker);
            if (json()) {
                return print(a);
            }
            Table t = new Table("JOB", "TARGET", "KIND", "LABELS");
            addRows(t, a.jobs(), "owned");
            addRows(t, a.handoff(), "handoff");
            out().println("worker " + a.worker() + ", epoch " + a.epoch() + ", " + a.targetCount() + " targets");
            t.print(out());
            return OK;
        }

        private static void addRows(Table t, Map<String, List<TargetGroup>> jobs, String kind) {
            jobs.forEach((job, groups) -> groups.forEach(g -> g.targets().forEach(a -> t.row(job, a, kind,
                    labels(g.labels())))));
        }
    }

    @Command(name = "drain", description = "Drain a worker: its targets move to others, with a hand-off.")
    static final class Drain extends Sub {
        @Parameters(index = "0", paramLabel = "WORKER")
        String worker;

        @Option(names = "--reason", defaultValue = "", description = "Why, for the record.")
        String reason;

        @Override
        public Integer call() throws Exception {
            return show(this, client().drain(worker, reason));
        }
    }

    @Command(name = "undrain", description = "Let a drained worker take targets again.")
    static final class Undrain extends Sub {
        @Parameters(index = "0", paramLabel = "WORKER")
        String worker;

        @Override
        public Integer call() throws Exception {
            return show(this, client().undrain(worker));
        }
    }

    static int show(Sub cmd, DrainStatus s) throws Exception {
        if (cmd.json()) {
            return cmd.print(s);
        }
        new Table("WORKER", "DRAINING", "TARGETS", "EMPTY").row(s.worker(), s.draining(), s.targets(), s.empty())
                .print(cmd.out());
        return OK;
    }

    @Command(name = "targets", description = "REST-managed targets, kept in ZooKeeper.",
            subcommands = {Targets.Add.class, Targets.Remove.class, Targets.ListCmd.class})
    static final class Targets extends Sub {
        @Override
        public Integer call() {
            spec.commandLine().usage(out());
            return USAGE;
        }

        static int show(Sub cmd, ManagedTargets m) throws Exception {
            if (cmd.json()) {
                return cmd.print(m);
            }
            Table t = new Table("JOB", "TARGET", "LABELS");
            m.groups().forEach(g -> g.targets().forEach(a -> t.row(m.job(), a, labels(g.labels()))));
            t.print(cmd.out());
            return OK;
        }

        @Command(name = "add", description = "Add targets to a job (an address already managed is replaced).")
        static final class Add extends Sub {
            @Parameters(index = "0", paramLabel = "JOB")
            String job;

            @Parameters(index = "1..*", arity = "1..*", paramLabel = "ADDRESS", description = "host:port")
            List<String> addresses;

            @Option(names = {"-l", "--label"}, paramLabel = "NAME=VALUE", description = "A label for these targets.")
            Map<String, String> labels = new TreeMap<>();

            @Override
            public Integer call() throws Exception {
                return show(this, client().addTargets(job, List.of(TargetGroup.of(addresses, labels))));
            }
        }

        @Command(name = "remove", description = "Remove managed targets from a job.")
        static final class Remove extends Sub {
            @Parameters(index = "0", paramLabel = "JOB")
            String job;

            @Parameters(index = "1..*", arity = "1..*", paramLabel = "ADDRESS", description = "host:port")
            List<String> addresses;

            @Override
            public Integer call() throws Exception {
                return show(this, client().removeTargets(job, addresses));
            }
        }

        @Command(name = "list", description = "List a job's managed targets.")
        static final class ListCmd extends Sub {
            @Parameters(index = "0", paramLabel = "JOB")
            String job;

            @Override
            public Integer call() throws Exception {
                return show(this, client().managedTargets(job));
            }
        }
    }

    @Command(name = "events", description = "Recent rebalances, newest first.")
    static final class Events extends Sub {
        @Override
        public Integer call() throws Exception {
            List<RebalanceEvent> events = client().events();
            if (json()) {
                return print(events);
            }
            Table t = new Table("TIME", "EPOCH", "CAUSES", "MOVED", "REWRITTEN", "DURATION");
            events.forEach(e -> t.row(Instant.ofEpochMilli(e.timeMillis()), e.epoch(), String.join("+", e.causes()),
                    e.moved(), e.changedWorkers().size(), e.durationMillis() + "ms"));
            t.print(out());
            return OK;
        }
    }

    @Command(name = "dryrun", description = "What would move if WORKER left, was drained, or joined. Changes nothing.")
    static final class DryRunCmd extends Sub {
        @Parameters(index = "0", paramLabel = "leave|drain|join")
        String scenario;

        @Parameters(index = "1", paramLabel = "WORKER")
        String worker;

        @Option(names = "--capacity", defaultValue = "1", description = "For join: the new worker's capacity.")
        int capacity;

        @Option(names = "--zone", defaultValue = "", description = "For join: the new worker's zone.")
        String zone;

        @Override
        public Integer call() throws Exception {
            DryRun d = client().dryRun(scenario, worker, capacity, zone);
            if (json()) {
                return print(d);
            }
            out().println(d.scenario() + " " + d.worker() + " at epoch " + d.epoch() + ": " + d.moved()
                    + " placements move, " + d.unplaced() + " targets left without enough owners"
                    + (d.staggered() > 0 ? "; " + d.staggered() + " of the moves wait for another replica's hand-off"
                    : "") + (d.truncated() ? " (list truncated)" : ""));
            Table t = new Table("TARGET", "FROM", "TO");
            d.targets().forEach(m -> t.row(m.target(), String.join(",", m.from()), String.join(",", m.to())));
            t.print(out());
            return OK;
        }
    }

    @Command(name = "coverage", description = "Targets acknowledged by fewer or more workers than their replication, in all and per job.")
    static final class CoverageCmd extends Sub {
        @Override
        public Integer call() throws Exception {
            Coverage c = client().coverage();
            if (json()) {
                return print(c);
            }
            new Table("EPOCH", "TARGETS", "EXACT", "UNDER", "PENDING", "OVER", "HANDOFF")
                    .row(c.epoch(), c.targets(), c.covered(), c.under(), c.pending(), c.over(), c.handoffs()).print(out());
            if (!c.jobs().isEmpty()) {
                Table jobs = new Table("JOB", "REPLICATION", "TARGETS", "EXACT", "UNDER", "OVER");
                c.jobs().forEach(j -> jobs.row(j.job(), j.replication(), j.targets(), j.covered(), j.under(), j.over()));
                jobs.print(out());
            }
            Table t = new Table("TARGET", "COVERAGE", "ACKNOWLEDGED BY");
            c.underTargets().forEach(e -> t.row(e.target(), "under", String.join(",", e.workers())));
            c.overTargets().forEach(e -> t.row(e.target(), "over", String.join(",", e.workers())));
            if (!c.underTargets().isEmpty() || !c.overTargets().isEmpty()) {
                t.print(out());
            }
            return OK;
        }
    }

    static String labels(Map<String, String> labels) {
        StringBuilder sb = new StringBuilder();
        labels.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e12 ? Long.toString((long) v) : String.format("%.3f", v);
    }
}
