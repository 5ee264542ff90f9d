package io.promshard.coordinator.relabel;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/**
 * One relabel rule as Prometheus 2.42 configures it, with its field names ({@code source_labels},
 * {@code separator}, {@code target_label}, {@code regex}, {@code modulus}, {@code replacement},
 * {@code action}) so that a job's rules can be pasted from a Prometheus configuration unchanged, and
 * with its defaults: separator {@code ;}, regex {@code (.*)}, replacement {@code $1}, action
 * {@code replace}. {@link Relabeling} compiles and checks a list of them.
 *
 * @param sourceLabels the labels whose values, joined by the separator, the regex is matched against
 * @param separator    joins the source values
 * @param targetLabel  the label written (replace may refer to groups: {@code ${1}})
 * @param regex        an RE2 expression, anchored at both ends as Prometheus anchors it
 * @param modulus      hashmod's modulus
 * @param replacement  replace's and labelmap's template ({@code $1}, {@code ${name}}, {@code $$})
 * @param action       replace, keep, drop, hashmod, labelmap, labeldrop, labelkeep, lowercase,
 *                     uppercase, keepequal or dropequal (any case)
 */
public record RelabelConfig(List<String> sourceLabels, String separator, String targetLabel, String regex,
                            long modulus, String replacement, String action) {

    public static final String DEFAULT_SEPARATOR = ";";
    public static final String DEFAULT_REGEX = "(.*)";
    public static final String DEFAULT_REPLACEMENT = "$1";
    public static final String DEFAULT_ACTION = "replace";

    @JsonCreator
    public RelabelConfig(@JsonProperty("source_labels") List<String> sourceLabels,
                         @JsonProperty("separator") String separator,
                         @JsonProperty("target_label") String targetLabel,
                         @JsonProperty("regex") String regex,
                         @JsonProperty("modulus") long modulus,
                         @JsonProperty("replacement") String replacement,
                         @JsonProperty("action") String action) {
        this.sourceLabels = sourceLabels == null ? null : List.copyOf(sourceLabels);
        this.separator = separator == null ? DEFAULT_SEPARATOR : separator;
        this.targetLabel = targetLabel == null ? "" : targetLabel;
        this.regex = regex == null ? DEFAULT_REGEX : regex;
        this.modulus = modulus;
        this.replacement = replacement == null ? DEFAULT_REPLACEMENT : replacement;
        this.action = action == null ? DEFAULT_ACTION : action.toLowerCase(Locale.ROOT);
    }

    /** The source labels, none when unset. */
    public List<String> sources() {
        return sourceLabels == null ? List.of() : sourceLabels;
    }
}
