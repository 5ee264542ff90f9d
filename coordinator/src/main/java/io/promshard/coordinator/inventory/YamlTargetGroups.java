package io.promshard.coordinator.inventory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.reader.UnicodeReader;

/**
 * A {@code file_sd} YAML file read as Prometheus 2.x reads it: {@code yaml.UnmarshalStrict} of
 * gopkg.in/yaml.v2 into {@code []*targetgroup.Group}.
 *
 * <p>Why SnakeYAML's node graph: it is what the Go decoder sees. An alias is the very node its
 * anchor names, and a scalar keeps its source text and whether it was plain, so {@code 0900},
 * {@code yes} and {@code 1e3} stay the strings they are written as, and a plain {@code null} (or
 * {@code ~}, or nothing) can be told from a quoted one; yaml.v2 decodes any scalar into a string
 * field as its source text and a null one as "". Jackson's YAML tree resolves scalars to numbers and
 * booleans first and loses both, so it is not used here. SnakeYAML is already on the classpath
 * (Dropwizard's configuration reading uses it).
 *
 * <p>What follows yaml.v2 rather than SnakeYAML's own defaults: only the first document is read;
 * a repeated key (a label, or {@code targets}/{@code labels} in one group) is refused, as is an
 * unknown field; merge keys ({@code <<}) merge, and a label they repeat is refused too; tabs are
 * allowed as separators inside flow collections (libyaml's scanner allows them there, SnakeYAML's
 * refuses them: they are turned into spaces before parsing, see {@link #flowTabsAsSpaces}); a UTF-8
 * or UTF-16 byte order mark is skipped. Aliases are expanded while walking, bounded by
 * {@link #MAX_NODES} so that a billion-laughs file is refused instead of filling memory.
 */
final class YamlTargetGroups {

    /** Nodes walked at most, aliases expanded: far above any real inventory, far below an alias bomb. */
    static final int MAX_NODES = 2_000_000;

    private final String source;
    private int walked;

    private YamlTargetGroups(String source) {
        this.source = source;
    }

    /** The file's groups, in order; an element Prometheus would reject refuses the whole file. */
    static List<FileSdParser.Group> read(String source, byte[] bytes) throws InventoryException {
        return new YamlTargetGroups(source).groups(bytes);
    }

    private List<FileSdParser.Group> groups(byte[] bytes) throws InventoryException {
        Node root = firstDocument(bytes);
        if (root == null || isNull(root)) {
            return List.of(); // an empty file, or a null document: no groups, as yaml.v2 reads it
        }
        if (!(root instanceof SequenceNode sequence)) {
            throw refuse(root, "top level must be a list of target groups, found " + kind(root));
        }
        List<FileSdParser.Group> out = new ArrayList<>();
        List<Node> entries = sequence.getValue();
        for (int i = 0; i < entries.size(); i++) {
            out.add(group(i, entries.get(i)));
        }
        return out;
    }

    private Node firstDocument(byte[] bytes) throws InventoryException {
        String text;
        try (Reader reader = new UnicodeReader(new ByteArrayInputStream(bytes))) {
            StringBuilder all = new StringBuilder(bytes.length);
            char[] buffer = new char[8192];
            for (int n; (n = reader.read(buffer)) > 0; ) {
                all.append(buffer, 0, n);
            }
            text = all.toString();
        } catch (IOException | YAMLException e) {
            throw new InventoryException(source + ": not valid YAML: " + e.getMessage(), e);
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // refused here, with yaml.v2's rules for merges
        options.setMaxAliasesForCollections(Integer.MAX_VALUE); // bounded by MAX_NODES while walking
        options.setCodePointLimit(Math.max(text.length() + 1, 1));
        try {
            Iterator<Node> documents = new Yaml(options).composeAll(new StringReader(flowTabsAsSpaces(text))).iterator();
            return documents.hasNext() ? documents.next() : null;
        } catch (MarkedYAMLException e) {
            throw new InventoryException(source + ": not valid YAML: " + e.getProblem() + " at line "
                    + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1), e);
        } catch (YAMLException e) {
            throw new InventoryException(source + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    private FileSdParser.Group group(int entry, Node node) throws InventoryException {
        count(node);
        if (isNull(node)) {
            throw refuse(node, "entry " + entry + " is null (nil target group item found)");
        }
        if (!(node instanceof MappingNode mapping)) {
            throw refuse(node, "entry " + entry + " must be a map with targets and labels, found " + kind(node));
        }
        List<String> targets = List.of();
        Map<String, String> labels = Map.of();
        Map<String, Node> fields = new LinkedHashMap<>();
        for (NodeTuple field : pairs(mapping, true)) {
            String name = scalar(field.getKeyNode(), "a field name of entry " + entry);
            if (!name.equals("targets") && !name.equals("labels")) {
                throw refuse(field.getKeyNode(), "entry " + entry + ": unknown field \"" + name + "\"");
            }
            fields.put(name, field.getValueNode());
        }
        if (fields.containsKey("targets")) {
            targets = targets(entry, fields.get("targets"));
        }
        if (fields.containsKey("labels")) {
            labels = labels(entry, fields.get("labels"));
        }
        return new FileSdParser.Group(entry, targets, labels);
    }

    private List<String> targets(int entry, Node node) throws InventoryException {
        count(node);
        if (isNull(node)) {
            return List.of();
        }
        if (!(node instanceof SequenceNode sequence)) {
            throw refuse(node, "entry " + entry + ": targets must be a list of strings, found " + kind(node));
        }
        List<String> out = new ArrayList<>(sequence.getValue().size());
        for (Node target : sequence.getValue()) {
            out.add(scalar(target, "a target of entry " + entry));
        }
        return out;
    }

    private Map<String, String> labels(int entry, Node node) throws InventoryException {
        count(node);
        if (isNull(node)) {
            return Map.of();
        }
        if (!(node instanceof MappingNode mapping)) {
            throw refuse(node, "entry " + entry + ": labels must be a map of strings, found " + kind(node));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (NodeTuple label : pairs(mapping, false)) {
            String name = scalar(label.getKeyNode(), "a label name of entry " + entry);
            String value = scalar(label.getValueNode(), "label " + name + " of entry " + entry);
            if (out.put(name, value) != null) {
                throw refuse(label.getKeyNode(), "entry " + entry + ": label " + name + " is set twice");
            }
        }
        return out;
    }

    /**
     * A mapping's pairs with merge keys expanded in yaml.v2's order. In a group (a Go struct) a field
     * repeated within one mapping is refused and a merged one is overridden by what follows; in a
     * label map the caller refuses every repeat, merged or not, as yaml.v2's strict map decoding does.
     */
    private List<NodeTuple> pairs(MappingNode mapping, boolean struct) throws InventoryException {
        List<NodeTuple> out = new ArrayList<>();
        Set<String> own = new HashSet<>();
        for (NodeTuple pair : mapping.getValue()) {
            count(pair.getKeyNode());
            if (pair.getKeyNode() instanceof ScalarNode key && key.getTag().equals(Tag.MERGE)) {
                out.addAll(merged(pair.getValueNode(), struct));
                continue;
            }
            if (struct && pair.getKeyNode() instanceof ScalarNode key && !own.add(key.getValue())) {
                throw refuse(key, "field " + key.getValue() + " is set twice");
            }
            out.add(pair);
        }
        return out;
    }

    private List<NodeTuple> merged(Node value, boolean struct) throws InventoryException {
        count(value);
        if (value instanceof MappingNode mapping) {
            return pairs(mapping, struct);
        }
        if (value instanceof SequenceNode sequence) {
            List<NodeTuple> out = new ArrayList<>();
            List<Node> maps = sequence.getValue();
            for (int i = maps.size() - 1; i >= 0; i--) { // yaml.v2 steps backwards: earlier maps take precedence
                if (!(maps.get(i) instanceof MappingNode mapping)) {
                    throw refuse(maps.get(i), "map merge requires a map or a sequence of maps as the value");
                }
                out.addAll(pairs(mapping, struct));
            }
            return out;
        }
        throw refuse(value, "map merge requires a map or a sequence of maps as the value");
    }

    /** A scalar as yaml.v2 decodes it into a string: its source text, "" when null, decoded when binary. */
    private String scalar(Node node, String what) throws InventoryException {
        count(node);
        if (!(node instanceof ScalarNode scalar)) {
            throw refuse(node, what + " must be a string, found " + kind(node));
        }
        if (isNull(scalar)) {
            return "";
        }
        if (scalar.getTag().equals(Tag.BINARY)) {
            try {
                return new String(Base64.getMimeDecoder().decode(scalar.getValue()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw refuse(node, what + ": !!binary value is not base64");
            }
        }
        return scalar.getValue();
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
    }

    private void count(Node node) throws InventoryException {
        if (++walked > MAX_NODES) {
            throw refuse(node, "aliases expand to more than " + MAX_NODES + " nodes");
        }
    }

    private static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a map";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return "the scalar \"" + FileSdParser.printable(((ScalarNode) node).getValue()) + "\"";
    }

    private InventoryException refuse(Node node, String reason) {
        return new InventoryException(source + ": " + reason + " (line " + (node.getStartMark().getLine() + 1) + ")");
    }

    /**
     * Tabs between tokens inside a flow collection ({@code [...]}, {@code {...}}) as spaces, the
     * rest untouched. libyaml (yaml.v2's scanner) treats a tab there as a separator, SnakeYAML refuses
     * it, and JSON written into a {@code .yml} file is full of them. A tab inside a quoted scalar
     * or a comment is kept; in block context nothing changes, so a tab SnakeYAML and libyaml both
     * refuse (indentation) is still refused. A tab between two words of a plain scalar in a flow
     * collection (which libyaml keeps) becomes a space: file_sd values there are addresses and
     * label values, where a tab is not plausible.
     */
    static String flowTabsAsSpaces(String text) {
        if (text.indexOf('\t') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text);
        int depth = 0;
        char quote = 0;
        boolean comment = false;
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (comment) {
                comment = c != '\n';
            } else if (quote == '"') {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quote = 0;
                }
            } else if (quote == '\'') {
                if (c == '\'') {
                    quote = 0; // '' (an escaped quote) reopens at once
                }
            } else if ((c == '"' || c == '\'') && startsScalar(out, i)) {
                quote = c;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(out.charAt(i - 1)))) {
                comment = true;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if ((c == ']' || c == '}') && depth > 0) {
                depth--;
            } else if (c == '\t' && depth > 0) {
                out.setCharAt(i, ' ');
            }
        }
        return out.toString();
    }

    /** Whether a quote at {@code i} opens a quoted scalar: at a line's start or after a separator. */
    private static boolean startsScalar(CharSequence text, int i) {
        if (i == 0) {
            return true;
        }
        char before = text.charAt(i - 1);
        return Character.isWhitespace(before) || "[{,:-?".indexOf(before) >= 0;
    }
}
