package io.promshard.coordinator.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dropwizard.configuration.DefaultConfigurationFactoryFactory;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import io.promshard.client.Json;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.CoordinatorConfiguration;
import io.promshard.coordinator.inventory.FileSdParser;
import io.promshard.coordinator.inventory.GlobFiles;
import io.promshard.coordinator.inventory.InventoryException;
import io.promshard.coordinator.inventory.JobConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code java -jar promshard-coordinator.jar check-inventory FILE...} or {@code check-inventory
 * --config coordinator.yml}: reads each file_sd file as the coordinator (and Prometheus) reads it
 * and prints, as one JSON list, each file's groups or its refusal with the file, the entry and the
 * reason; fails (exit code 1) when any file is refused, like {@code promtool check
 * service-discovery}. With {@code --config}, the files are those the configuration's jobs glob,
 * read with its limits and label-name rule; http_sd upstreams are not fetched.
 */
public final class CheckInventoryCommand extends Command {

    public CheckInventoryCommand() {
        super("check-inventory", "Reads file_sd files as the coordinator does: prints their groups or why they are refused");
    }

    @Override
    public void configure(Subparser subparser) {
        subparser.addArgument("--config").metavar("COORDINATOR_YML")
                .help("check every file the jobs of this coordinator configuration glob");
        subparser.addArgument("files").nargs("*").metavar("FILE").help("file_sd files (.json, .yml, .yaml)");
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
        List<String> files = new ArrayList<>(namespace.<String>getList("files"));
        String config = namespace.getString("config");
        // without a configuration, the defaults a coordinator reads its files with
        CoordinatorConfiguration coordinator = config == null ? new CoordinatorConfiguration() : load(bootstrap, config);
        FileSdParser parser = coordinator.parser();
        if (config != null) {
            for (JobConfig job : coordinator.getInventory().getJobs()) {
                for (String glob : job.getFiles()) {
                    files.addAll(GlobFiles.expand(glob).stream().map(Path::toString).toList());
                }
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no file to check: name files, or --config with jobs that glob some");
        }
        int refused = check(parser, files);
        if (refused > 0) {
            throw new IllegalStateException(refused + " of " + files.size() + " files refused");
        }
    }

    /** Prints one result per file; returns how many were refused. */
    private static int check(FileSdParser parser, List<String> files) throws Exception {
        ArrayNode results = Json.mapper().createArrayNode();
        int refused = 0;
        for (String file : files) {
            ObjectNode result = results.addObject().put("file", file);
            try {
                List<TargetGroup> groups = parser.parse(Path.of(file));
                result.set("groups", Json.mapper().valueToTree(groups));
            } catch (InventoryException e) {
                result.put("error", e.getMessage());
                refused++;
            }
        }
        System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(results));
        return refused;
    }

    private static CoordinatorConfiguration load(Bootstrap<?> bootstrap, String path) throws Exception {
        // the factory the server and check commands use: an unknown field is refused, as there
        return new DefaultConfigurationFactoryFactory<CoordinatorConfiguration>().create(CoordinatorConfiguration.class,
                bootstrap.getValidatorFactory().getValidator(), bootstrap.getObjectMapper(), "dw")
                .build(new FileConfigurationSourceProvider(), path);
    }
}
