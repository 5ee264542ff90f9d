package io.promshard.coordinator.relabel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Prometheus's own relabel test cases (model/relabel/relabel_test.go: TestRelabel and
 * TestRelabelValidate), each with its input, rules and expected output or drop.
 */
class RelabelingTest {

    /** A rule; null fields take Prometheus's defaults. */
    private static RelabelConfig rule(List<String> sources, String regex, String target, String replacement,
                                      String action) {
        return new RelabelConfig(sources, null, target, regex, 0, replacement, action);
    }

    private static RelabelConfig hashmod(List<String> sources, String target, long modulus) {
        return new RelabelConfig(sources, ";", target, null, modulus, null, "hashmod");
    }

    private static Optional<SortedMap<String, String>> run(Map<String, String> input, RelabelConfig... rules) {
        return Relabeling.of("test", List.of(rules)).process(input);
    }

    private static void assertOutput(Map<String, String> expected, Map<String, String> input, RelabelConfig... rules) {
        assertEquals(Optional.of(new TreeMap<>(expected)), run(input, rules));
    }

    private static void assertDropped(Map<String, String> input, RelabelConfig... rules) {
        assertEquals(Optional.empty(), run(input, rules));
    }

    private static final Map<String, String> ABC = Map.of("a", "foo", "b", "bar", "c", "baz");

    @Test
    void replace() {
        assertOutput(Map.of("a", "foo", "b", "bar", "c", "baz", "d", "choo-choo"), ABC,
                rule(List.of("a"), "f(.*)", "d", "ch${1}-ch${1}", "replace"));
        assertOutput(Map.of("a", "boobam", "b", "bar", "c", "baz", "d", "boooom"), ABC,
                rule(List.of("a", "b"), "f(.*);(.*)r", "a", "b${1}${2}m", "replace"),
                rule(List.of("c", "a"), "(b).*b(.*)ba(.*)", "d", "$1$2$2$3", "replace"));
        assertOutput(Map.of("a", "abc", "d", "b"), Map.of("a", "abc"), rule(List.of("a"), ".*(b).*", "d", "$1", "replace"));
        assertOutput(Map.of("a", "boo"), Map.of("a", "boo"), rule(List.of("a"), "f", "b", "bar", "replace"));
    }

    @Test
    void replaceWithTemplatedTargets() {
        assertOutput(Map.of("a", "some-name-value", "name", "value"), Map.of("a", "some-name-value"),
                rule(List.of("a"), "some-([^-]+)-([^,]+)", "${1}", "${2}", "replace"));
        assertOutput(Map.of("a", "some-name-value"), Map.of("a", "some-name-value"),
                rule(List.of("a"), "some-([^-]+)-([^,]+)", "${1}", "${3}", "replace"));
        assertOutput(Map.of("a", "some-name-0"), Map.of("a", "some-name-0"),
                rule(List.of("a"), "some-([^-]+)-([^,]+)", "${3}", "${1}", "replace"),
                rule(List.of("a"), "some-([^-]+)-([^,]+)", "${3}", "${1}", "replace"),
                rule(List.of("a"), "some-([^-]+)(-[^,]+)", "${3}", "${1}", "replace"));
        assertOutput(Map.of("__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar", "__metrics_path__", "/secret",
                        "job", "some-job", "foo", "bar"),
                Map.of("__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"),
                rule(List.of("__meta_sd_tags"), "(?:.+,|^)path:(/[^,]+).*", "__metrics_path__", "${1}", "replace"),
                rule(List.of("__meta_sd_tags"), "(?:.+,|^)job:([^,]+).*", "job", "${1}", "replace"),
                rule(List.of("__meta_sd_tags"), "(?:.+,|^)label:([^=]+)=([^,]+).*", "${1}", "${2}", "replace"));
    }

    @Test
    void keepAndDrop() {
        assertDropped(Map.of("a", "foo"), rule(List.of("a"), ".*o.*", null, null, "drop"),
                rule(List.of("a"), "f(.*)", "d", "ch$1-ch$1", "replace"));
        assertDropped(Map.of("a", "foo", "b", "bar"), rule(List.of("a"), ".*o.*", null, null, "drop"));
        assertOutput(Map.of("a", "foo"), Map.of("a", "foo"), rule(List.of("a"), "no-match", null, null, "drop"));
        assertOutput(Map.of("a", "foo"), Map.of("a", "foo"), rule(List.of("a"), "f|o", null, null, "drop"));
        assertDropped(Map.of("a", "foo"), rule(List.of("a"), "no-match", null, null, "keep"));
        assertOutput(Map.of("a", "foo"), Map.of("a", "foo"), rule(List.of("a"), "f.*", null, null, "keep"));
    }

    @Test
    void hashmodAsPrometheusComputesIt() {
        assertOutput(Map.of("a", "foo", "b", "bar", "c", "baz", "d", "976"), ABC, hashmod(List.of("c"), "d", 1000));
        assertOutput(Map.of("a", "foo\nbar", "b", "734"), Map.of("a", "foo\nbar"), hashmod(List.of("a"), "b", 1000));
    }

    @Test
    void labelmapLabeldropLabelkeep() {
        Map<String, String> b = Map.of("a", "foo", "b1", "bar", "b2", "baz");
        assertOutput(Map.of("a", "foo", "b1", "bar", "b2", "baz", "bar_b1", "bar", "bar_b2", "baz"), b,
                rule(null, "(b.*)", null, "bar_${1}", "labelmap"));
        Map<String, String> meta = Map.of("a", "foo", "__meta_my_bar", "aaa", "__meta_my_baz", "bbb", "__meta_other", "ccc");
        TreeMap<String, String> mapped = new TreeMap<>(meta);
        mapped.put("my_bar", "aaa");
        mapped.put("my_baz", "bbb");
        assertOutput(mapped, meta, rule(null, "__meta_(my.*)", null, "${1}", "labelmap"));
        assertOutput(Map.of("b1", "bar", "b2", "baz"), b, rule(null, "(b.*)", null, null, "labelkeep"));
        assertOutput(Map.of("a", "foo"), b, rule(null, "(b.*)", null, null, "labeldrop"));
        assertOutput(Map.of("__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091",
                        "__meta_kubernetes_pod_container_port_name", "metrics"),
                Map.of("__meta_kubernetes_pod_container_port_name", "foo",
                        "__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"),
                rule(null, "^__meta_kubernetes_pod_container_port_name$", null, null, "labeldrop"),
                rule(List.of("__meta_kubernetes_pod_annotation_XXX_metrics_port"), "(.+)",
                        "__meta_kubernetes_pod_container_port_name", "metrics", "replace"),
                rule(List.of("__meta_kubernetes_pod_container_port_name"), "^metrics$", null, null, "keep"));
    }

    @Test
    void caseAndEquality() {
        assertOutput(Map.of("foo", "bAr123Foo", "foo_lowercase", "bar123foo", "foo_uppercase", "BAR123FOO"),
                Map.of("foo", "bAr123Foo"), rule(List.of("foo"), null, "foo_uppercase", null, "uppercase"),
                rule(List.of("foo"), null, "foo_lowercase", null, "lowercase"));
        Map<String, String> ports = Map.of("__tmp_port", "1234", "__port1", "1234", "__port2", "5678");
        assertOutput(ports, ports, rule(List.of("__tmp_port"), null, "__port1", null, "keepequal"));
        assertDropped(ports, rule(List.of("__tmp_port"), null, "__port1", null, "dropequal"));
        assertOutput(ports, ports, rule(List.of("__tmp_port"), null, "__port2", null, "dropequal"));
        assertDropped(ports, rule(List.of("__tmp_port"), null, "__port2", null, "keepequal"));
    }

    @Test
    void rulesPrometheusRefusesAreRefusedNamingTheRule() {
        String[][] cases = {
                {"replace", null, "requires 'target_label' value"},
                {"lowercase", null, "requires 'target_label' value"},
                {"lowercase", "${3}", "\"${3}\" is invalid 'target_label'"},
                {"replace", "0${3}", "\"0${3}\" is invalid 'target_label'"},
                {"replace", "-${3}", "\"-${3}\" is invalid 'target_label' for replace action"},
                {"frobnicate", "x", "unknown relabel action"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Relabeling.of("job node", List.of(rule(List.of("a"), null, c[1], null, c[0]))));
            assertTrue(e.getMessage().startsWith("job node: relabel rule 0") && e.getMessage().contains(c[2]),
                    e.getMessage());
        }
        Relabeling.of("job node", List.of(rule(List.of("a"), "some-([^-]+)-([^,]+)", "${3}", "${1}", "replace")));
        assertThrows(IllegalArgumentException.class, () -> Relabeling.of("j", List.of(hashmod(List.of("a"), "b", 0))));
        assertThrows(IllegalArgumentException.class, () -> Relabeling.of("j", List.of(rule(null, "(", "x", null, "replace"))));
    }

    /** Prometheus's TestTargetLabelValidity: which templated target labels are valid. */
    @Test
    void templatedTargetLabels() {
        Map<String, Boolean> cases = Map.ofEntries(Map.entry("-label", false), Map.entry("label", true),
                Map.entry("label${1}", true), Map.entry("${1}label", true), Map.entry("${1}", true),
                Map.entry("${", false), Map.entry("$", false), Map.entry("${}", false), Map.entry("foo${", false),
                Map.entry("$1", true), Map.entry("asd$2asd", true), Map.entry("-foo${1}bar-", false),
                Map.entry("_${1}_", true), Map.entry("foo${bar}foo", true));
        cases.forEach((target, valid) -> {
            boolean accepted;
            try {
                Relabeling.of("j", List.of(rule(List.of("a"), null, target, null, "replace")));
                accepted = true;
            } catch (IllegalArgumentException e) {
                accepted = false;
            }
            assertEquals(valid, accepted, target);
        });
    }

    @Test
    void templatesExpandAsGoExpandsThem() {
        Map<String, String> in = Map.of("a", "xy");
        assertOutput(Map.of("a", "xy", "t", "$x|y|"), in, rule(List.of("a"), "(?P<first>x)(y)", "t", "$$${first}|$2|$1x", "replace"));
        assertOutput(Map.of("a", "xy", "t", "$-x"), in, rule(List.of("a"), "(x)y", "t", "$-$1", "replace"));
    }
}
