package io.promshard.coordinator.relabel;

import com.google.re2j.Matcher;
import io.promshard.client.api.TargetGroup;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A job's relabel rules, compiled and checked, applied to a target's labels exactly as Prometheus
 * 2.42's {@code relabel.Process} applies them. Regular expressions are RE2 (re2j), anchored as
 * {@code ^(?:regex)$}; {@code java.util.regex} would give some patterns another meaning
 * (possessive quantifiers, back-references, {@code $} before a final newline). Templates expand as
 * Go's {@code Regexp.Expand} does ({@link #expand}). Setting a label to the empty value removes
 * it, as Prometheus's label builder does. Immutable and thread-safe.
 */
public final class Relabeling {

    /** Prometheus 2.x's label name rule. */
    private static final java.util.regex.Pattern LABEL_NAME = java.util.regex.Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** A target label with templates: Prometheus's {@code relabelTarget}. */
    private static final java.util.regex.Pattern TEMPLATE_TARGET =
            java.util.regex.Pattern.compile("(?:(?:[a-zA-Z_]|\\$(?:\\{\\w+\\}|\\w+))+\\w*)+");
    private static final Set<String> ACTIONS = Set.of("replace", "keep", "drop", "hashmod", "labelmap", "labeldrop",
            "labelkeep", "lowercase", "uppercase", "keepequal", "dropequal");
    private static final Set<String> NEED_TARGET = Set.of("replace", "hashmod", "lowercase", "uppercase", "keepequal",
            "dropequal");

    private record Rule(RelabelConfig config, Pattern regex) {
    }

    private final List<Rule> rules;

    private Relabeling(List<Rule> rules) {
        this.rules = rules;
    }

    public static Relabeling none() {
        return new Relabeling(List.of());
    }

    /**
     * Compiles and checks {@code configs} with Prometheus's rules for each action.
     *
     * @param where names the rules in an error ({@code job node})
     * @throws IllegalArgumentException naming the rule (by position) and what is wrong with it
     */
    public static Relabeling of(String where, List<RelabelConfig> configs) {
        List<Rule> rules = new ArrayList<>(configs.size());
        for (int i = 0; i < configs.size(); i++) {
            RelabelConfig c = configs.get(i);
            String rule = where + ": relabel rule " + i + " (" + c.action() + ")";
            String problem = check(c);
            if (problem != null) {
                throw new IllegalArgumentException(rule + ": " + problem);
            }
            try {
                rules.add(new Rule(c, Pattern.compile("^(?:" + c.regex() + ")$")));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(rule + ": invalid regex \"" + c.regex() + "\": " + e.getMessage(), e);
            }
        }
        return new Relabeling(List.copyOf(rules));
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** What Prometheus's {@code Config.Validate} refuses, in its words; null when the rule is good. */
    private static String check(RelabelConfig c) {
        String action = c.action();
        if (!ACTIONS.contains(action)) {
            return "unknown relabel action \"" + action + "\"";
        }
        if (action.equals("hashmod") && c.modulus() == 0) {
            return "relabel configuration for hashmod requires non-zero modulus";
        }
        if (NEED_TARGET.contains(action) && c.targetLabel().isEmpty()) {
            return "relabel configuration for " + action + " action requires 'target_label' value";
        }
        boolean templated = c.targetLabel().contains("$");
        if (action.equals("replace") && (templated ? !TEMPLATE_TARGET.matcher(c.targetLabel()).matches()
                : !LABEL_NAME.matcher(c.targetLabel()).matches())) {
            return "\"" + c.targetLabel() + "\" is invalid 'target_label' for " + action + " action";
        }
        boolean plainTarget = Set.of("lowercase", "uppercase", "keepequal", "dropequal", "hashmod").contains(action);
        if (plainTarget && !LABEL_NAME.matcher(c.targetLabel()).matches()) {
            return "\"" + c.targetLabel() + "\" is invalid 'target_label' for " + action + " action";
        }
        if (Set.of("lowercase", "uppercase", "keepequal", "dropequal").contains(action)
                && !c.replacement().equals(RelabelConfig.DEFAULT_REPLACEMENT)) {
            return "'replacement' can not be set for " + action + " action";
        }
        if (action.equals("labelmap") && !TEMPLATE_TARGET.matcher(c.replacement()).matches()) {
            return "\"" + c.replacement() + "\" is invalid 'replacement' for " + action + " action";
        }
        if ((action.equals("keepequal") || action.equals("dropequal")) && (!c.regex().equals(RelabelConfig.DEFAULT_REGEX)
                || c.modulus() != 0 || !c.separator().equals(RelabelConfig.DEFAULT_SEPARATOR))) {
            return action + " action requires only 'source_labels' and `target_label`, and no other fields";
        }
        if ((action.equals("labeldrop") || action.equals("labelkeep")) && (c.sourceLabels() != null
                || !c.targetLabel().isEmpty() || c.modulus() != 0 || !c.separator().equals(RelabelConfig.DEFAULT_SEPARATOR)
                || !c.replacement().equals(RelabelConfig.DEFAULT_REPLACEMENT))) {
            return action + " action requires only 'regex', and no other fields";
        }
        return null;
    }

    /**
     * The groups as a worker gets them: every target through the rules with its group's labels and
     * {@code __address__} and, as Prometheus adds it before relabelling, {@code job}; a dropped target, or one left without an address or with an invalid label
     * name (Prometheus would not scrape it), is left out. Labels starting with {@code __} are removed
     * afterwards, as Prometheus removes them, except those that configure the scrape
     * ({@code __scheme__}, {@code __metrics_path__}, {@code __param_*}, {@code __scrape_interval__},
     * {@code __scrape_timeout__}); consecutive targets left with the same labels share a group.
     */
    public List<TargetGroup> applyTo(String job, List<TargetGroup> groups) {
        if (rules.isEmpty()) {
            return groups;
        }
        List<TargetGroup> out = new ArrayList<>();
        List<String> run = new ArrayList<>();
        SortedMap<String, String> runLabels = null;
        for (TargetGroup g : groups) {
            for (String address : g.targets()) {
                TreeMap<String, String> in = new TreeMap<>(g.labels());
                in.put("__address__", address);
                in.putIfAbsent("job", job); // as Prometheus sets it before relabelling
                Optional<SortedMap<String, String>> relabelled = process(in);
                if (relabelled.isEmpty()) {
                    continue;
                }
                SortedMap<String, String> labels = relabelled.get();
                String target = labels.remove("__address__");
                labels.remove("job", job); // the worker's job sets it again
                labels.keySet().removeIf(name -> name.startsWith("__") && !keptAfterRelabelling(name));
                if (target == null || !labels.keySet().stream().allMatch(n -> LABEL_NAME.matcher(n).matches())) {
                    continue;
                }
                if (!labels.equals(runLabels)) {
                    if (runLabels != null) {
                        out.add(TargetGroup.of(List.copyOf(run), runLabels));
                    }
                    run.clear();
                    runLabels = labels;
                }
                run.add(target);
            }
        }
        if (runLabels != null) {
            out.add(TargetGroup.of(List.copyOf(run), runLabels));
        }
        return List.copyOf(out);
    }

    private static boolean keptAfterRelabelling(String name) {
        return name.equals("__scheme__") || name.equals("__metrics_path__") || name.startsWith("__param_")
                || name.equals("__scrape_interval__") || name.equals("__scrape_timeout__");
    }

    /**
     * The labels after every rule, or empty when a rule drops the target.
     *
     * @param labels a target's labels (its group's and {@code __address__}); not modified
     */
    public Optional<SortedMap<String, String>> process(Map<String, String> labels) {
        TreeMap<String, String> out = new TreeMap<>(labels);
        out.values().removeIf(String::isEmpty);
        for (Rule rule : rules) {
            if (!apply(rule, out)) {
                return Optional.empty();
            }
        }
        return Optional.of(out);
    }

    /** One rule on {@code labels}; false when it drops the target. */
    private static boolean apply(Rule rule, TreeMap<String, String> labels) {
        RelabelConfig c = rule.config();
        String value = sourceValue(c, labels);
        switch (c.action()) {
            case "drop" -> {
                return !rule.regex().matches(value);
            }
            case "keep" -> {
                return rule.regex().matches(value);
            }
            case "dropequal" -> {
                return !labels.getOrDefault(c.targetLabel(), "").equals(value);
            }
            case "keepequal" -> {
                return labels.getOrDefault(c.targetLabel(), "").equals(value);
            }
            case "replace" -> replace(rule, value, labels);
            case "lowercase" -> set(labels, c.targetLabel(), value.toLowerCase(Locale.ROOT));
            case "uppercase" -> set(labels, c.targetLabel(), value.toUpperCase(Locale.ROOT));
            case "hashmod" -> set(labels, c.targetLabel(), Long.toUnsignedString(Long.remainderUnsigned(md5Tail(value),
                    c.modulus())));
            case "labelmap" -> {
                for (Map.Entry<String, String> label : new ArrayList<>(labels.entrySet())) {
                    Matcher m = rule.regex().matcher(label.getKey());
                    if (m.matches()) {
                        set(labels, expand(m, rule.regex(), c.replacement()), label.getValue());
                    }
                }
            }
            case "labeldrop" -> labels.keySet().removeIf(name -> rule.regex().matches(name));
            case "labelkeep" -> labels.keySet().removeIf(name -> !rule.regex().matches(name));
            default -> throw new IllegalStateException("unchecked action " + c.action());
        }
        return true;
    }

    private static void replace(Rule rule, String value, TreeMap<String, String> labels) {
        Matcher m = rule.regex().matcher(value);
        if (!m.matches()) {
            return; // no match, no replacement
        }
        String target = expand(m, rule.regex(), rule.config().targetLabel());
        if (!LABEL_NAME.matcher(target).matches()) {
            return;
        }
        set(labels, target, expand(m, rule.regex(), rule.config().replacement()));
    }

    private static String sourceValue(RelabelConfig c, Map<String, String> labels) {
        List<String> values = new ArrayList<>(c.sources().size());
        for (String name : c.sources()) {
            values.add(labels.getOrDefault(name, ""));
        }
        return String.join(c.separator(), values);
    }

    /** Prometheus's label builder: setting the empty value deletes the label. */
    private static void set(TreeMap<String, String> labels, String name, String value) {
        if (value.isEmpty()) {
            labels.remove(name);
        } else {
            labels.put(name, value);
        }
    }

    /**
     * Hashmod's hash: the MD5 digest's last eight bytes as an unsigned big-endian number (Prometheus
     * shifts all sixteen bytes into a uint64, so only the last eight remain).
     */
    static long md5Tail(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("MD5").digest(value.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 8, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every Java runtime", e);
        }
    }

    /**
     * Go's {@code Regexp.Expand}: {@code $$} is a dollar; {@code $name} and {@code ${name}} name a group
     * by number or by name, where the name is the longest run of letters, digits and underscores
     * ({@code $1x} is group "1x", not group 1 and an x); a group out of range, unmatched or unknown
     * expands to nothing; a {@code $} not followed by a valid name is kept as it is.
     */
    static String expand(Matcher match, Pattern regex, String template) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c != '$') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 < template.length() && template.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
                continue;
            }
            int end = reference(template, i + 1);
            if (end < 0) {
                out.append('$');
                i++;
                continue;
            }
            boolean brace = template.charAt(i + 1) == '{';
            String name = template.substring(i + 1 + (brace ? 1 : 0), brace ? end - 1 : end);
            out.append(group(match, regex, name));
            i = end;
        }
        return out.toString();
    }

    /** The end of a reference starting at {@code from} (after the {@code $}), or -1 when it is malformed. */
    private static int reference(String template, int from) {
        if (from >= template.length()) {
            return -1;
        }
        boolean brace = template.charAt(from) == '{';
        int i = brace ? from + 1 : from;
        int start = i;
        while (i < template.length()) {
            int cp = template.codePointAt(i);
            if (!Character.isLetter(cp) && !Character.isDigit(cp) && cp != '_') {
                break;
            }
            i += Character.charCount(cp);
        }
        if (i == start) {
            return -1;
        }
        if (brace) {
            if (i >= template.length() || template.charAt(i) != '}') {
                return -1;
            }
            i++;
        }
        return i;
    }

    private static String group(Matcher match, Pattern regex, String name) {
        int number = groupNumber(name);
        if (number < 0) {
            Integer named = regex.namedGroups().get(name);
            number = named == null ? -1 : named;
        }
        if (number < 0 || number > match.groupCount()) {
            return "";
        }
        String value = match.group(number);
        return value == null ? "" : value;
    }

    /** Go's rule: digits only, below 10^8, no leading zero; -1 for a name. */
    private static int groupNumber(String name) {
        int number = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9' || number >= 100_000_000) {
                return -1;
            }
            number = number * 10 + (c - '0');
        }
        return name.charAt(0) == '0' && name.length() > 1 ? -1 : number;
    }
}
