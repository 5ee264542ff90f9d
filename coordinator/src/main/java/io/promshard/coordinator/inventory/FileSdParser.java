package io.promshard.coordinator.inventory;

import io.promshard.client.api.TargetGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Prometheus {@code file_sd} file (JSON, or YAML for {@code .yml}/{@code .yaml}) or an
 * http_sd answer exactly as Prometheus 2.x accepts it ({@link YamlTargetGroups},
 * {@link JsonTargetGroups}): the same verdict (a file is accepted whole or refused whole, with a
 * message naming the file, the entry and the reason) and the same groups. Targets are any string
 * Prometheus takes into a group (URLs, hosts without a port, IPv6); an empty one, which Prometheus
 * drops when it builds the scrape target, is left out and logged. Label names follow Prometheus's
 * rule; which reserved ({@code __*}) labels are accepted is the {@link LabelPolicy}.
 */
public final class FileSdParser {

    private static final Logger LOG = LoggerFactory.getLogger(FileSdParser.class);

    /** Prometheus 2.x's label name syntax. */
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** A scrape address as Prometheus takes it without relabelling: no slash, no space or control character. */
    private static final Pattern SCRAPABLE = Pattern.compile("[^/\\s\\p{Cntrl}]+");

    /** Which labels a source may set. */
    public enum LabelPolicy {
        /**
         * As Prometheus reads file_sd and http_sd: every valid name, those that redirect a scrape
         * ({@code __address__}, {@code __scheme__}, {@code __metrics_path__}, {@code __param_*}) and
         * {@code __meta_*} included. For the operator's own files and upstreams.
         */
        PROMETHEUS,
        /**
         * The REST-managed inventory's (anyone with the API's credentials writes it): reserved labels
         * refused except {@code __scheme__} (http or https) and {@code __metrics_path__}, and
         * {@code __param_*} only when allowed; a target must be an address Prometheus scrapes as it
         * is (no {@code /}, as Prometheus checks a scrape address, and no space or control character),
         * since no relabelling of the operator's applies to it first.
         */
        RESTRICTED
    }

    /** Which label names are valid: Prometheus 2.x's rule, or 3.x's UTF-8 names. */
    public enum LabelNames { LEGACY, UTF8 }

    /** One group as read, before the label policy: its position in the file, its targets and labels. */
    record Group(int entry, List<String> targets, Map<String, String> labels) {
    }

    private final long maxFileBytes;
    private final LabelPolicy policy;
    private final boolean allowParamLabels;
    private final LabelNames names;

    /** As Prometheus reads the operator's files and upstreams: {@link LabelPolicy#PROMETHEUS}, 2.x names. */
    public FileSdParser(long maxFileBytes) {
        this(maxFileBytes, LabelPolicy.PROMETHEUS, true, LabelNames.LEGACY);
    }

    /**
     * @param maxFileBytes     larger files are refused unread
     * @param policy           which reserved labels are accepted
     * @param allowParamLabels under {@link LabelPolicy#RESTRICTED}, whether {@code __param_*} labels
     *                         (which change scrape URLs) are accepted
     * @param names            which label names are valid
     */
    public FileSdParser(long maxFileBytes, LabelPolicy policy, boolean allowParamLabels, LabelNames names) {
        this.maxFileBytes = maxFileBytes;
        this.policy = policy;
        this.allowParamLabels = allowParamLabels;
        this.names = names;
    }

    /** The REST-managed inventory's parser: {@link LabelPolicy#RESTRICTED}. */
    public static FileSdParser restricted(long maxFileBytes, boolean allowParamLabels) {
        return new FileSdParser(maxFileBytes, LabelPolicy.RESTRICTED, allowParamLabels, LabelNames.LEGACY);
    }

    public List<TargetGroup> parse(Path file) throws InventoryException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > maxFileBytes) {
                throw new InventoryException(file + ": " + size + " bytes exceeds the limit of " + maxFileBytes);
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InventoryException(file + ": cannot read: " + e.getMessage(), e);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yml") || name.endsWith(".yaml");
        return parse(file.toString(), bytes, yaml);
    }

    /** {@code bytes} as a YAML file when {@code yaml}, else as JSON (the format of a {@code .json} file and of http_sd). */
    public List<TargetGroup> parse(String source, byte[] bytes, boolean yaml) throws InventoryException {
        if (bytes.length > maxFileBytes) {
            throw new InventoryException(source + ": " + bytes.length + " bytes exceeds the limit of " + maxFileBytes);
        }
        List<Group> read = yaml ? YamlTargetGroups.read(source, bytes) : JsonTargetGroups.read(source, bytes);
        List<TargetGroup> groups = new ArrayList<>(read.size());
        for (Group g : read) {
            String where = source + ": entry " + g.entry();
            for (Map.Entry<String, String> label : g.labels().entrySet()) {
                checkLabel(where, label.getKey(), label.getValue());
            }
            List<String> targets = new ArrayList<>(g.targets().size());
            for (int t = 0; t < g.targets().size(); t++) {
                if (policy == LabelPolicy.RESTRICTED && !SCRAPABLE.matcher(g.targets().get(t)).matches()) {
                    throw new InventoryException(where + ": target " + t + " \"" + printable(g.targets().get(t))
                            + "\" is not a scrapable address (host or host:port)");
                }
                if (g.targets().get(t).isEmpty()) {
                    LOG.warn("{}: target {} is empty: Prometheus drops it (no address); left out", where, t);
                } else {
                    targets.add(g.targets().get(t));
                }
            }
            if (!targets.isEmpty()) {
                groups.add(TargetGroup.of(targets, new TreeMap<>(g.labels())));
            }
        }
        return List.copyOf(groups);
    }

    private void checkLabel(String where, String name, String value) throws InventoryException {
        boolean valid = names == LabelNames.UTF8 ? !name.isEmpty() && !name.contains("\uFFFD")
                : LABEL_NAME.matcher(name).matches();
        if (!valid) {
            throw new InventoryException(where + ": \"" + printable(name) + "\" is not a valid label name");
        }
        if (policy == LabelPolicy.PROMETHEUS || !name.startsWith("__")) {
            return;
        }
        boolean allowed = name.equals("__scheme__") || name.equals("__metrics_path__")
                || (allowParamLabels && name.startsWith("__param_"));
        if (!allowed) {
            throw new InventoryException(where + ": label " + name + " is reserved: only __scheme__ and "
                    + "__metrics_path__" + (allowParamLabels ? " and __param_*" : "") + " may be set");
        }
        if (name.equals("__scheme__") && !value.matches("https?")) {
            throw new InventoryException(where + ": __scheme__ must be http or https, was \""
                    + printable(value) + "\"");
        }
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().limit(200).forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7f) {
                sb.appendCodePoint(cp);
            } else {
                sb.append(String.format("\\u%04x", cp));
            }
        });
        return sb.toString();
    }
}
