package io.promshard.coordinator.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promshard.client.api.TargetGroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parser's own cases, one per rule of Prometheus's reading that it follows; the differential
 * test ({@code FileSdConformanceTest}) runs a corpus through the real promtool as well.
 */
class FileSdParserTest {

    private final FileSdParser parser = new FileSdParser(1024 * 1024);
    private final FileSdParser restricted = FileSdParser.restricted(1024 * 1024, false);

    @TempDir
    Path tmp;

    private List<TargetGroup> yaml(String text) throws InventoryException {
        return parser.parse("t.yml", text.getBytes(StandardCharsets.UTF_8), true);
    }

    private List<TargetGroup> json(String text) throws InventoryException {
        return parser.parse("t.json", text.getBytes(StandardCharsets.UTF_8), false);
    }

    @Test
    void readsTheHashmodRecipesYamlFiles() throws Exception {
        List<TargetGroup> groups = yaml("""
                # node exporters
                - targets: ['10.0.0.1:9100', 'node-2.example.org:9100']
                  labels:
                    env: prod
                - targets: ["[2001:db8::1]:9100"]
                """);
        assertEquals(List.of(
                TargetGroup.of(List.of("10.0.0.1:9100", "node-2.example.org:9100"), Map.of("env", "prod")),
                TargetGroup.of(List.of("[2001:db8::1]:9100"), Map.of())), groups);
    }

    @Test
    void readsJsonFilesWithSchemeAndPath() throws Exception {
        List<TargetGroup> groups = json("""
                [{"targets": ["a:1"], "labels": {"__scheme__": "https", "__metrics_path__": "/probe"}}]""");
        assertEquals("https", groups.get(0).labels().get("__scheme__"));
    }

    @Test
    void emptyYamlIsNoTargetsButEmptyJsonIsRefused() throws Exception {
        assertEquals(List.of(), yaml(""));
        assertEquals(List.of(), yaml("# nothing yet\n"));
        assertEquals(List.of(), json("[]"));
        assertEquals(List.of(), json("null"), "encoding/json reads a null list as no groups");
        InventoryException e = assertThrows(InventoryException.class, () -> json(""));
        assertTrue(e.getMessage().contains("t.json"), e.getMessage());
    }

    @Test
    void targetsAreAnyStringPrometheusTakesIntoAGroup() throws Exception {
        List<String> targets = List.of("https://example.org", "example.org", "my.domain", "[2001:db8::1]:9100",
                "2001:db8::1", "http://10.0.0.1:8080/health?x=1");
        String list = String.join("\", \"", targets);
        assertEquals(targets, json("[{\"targets\": [\"" + list + "\"]}]").get(0).targets());
        assertEquals(targets, yaml("- targets: [\"" + list + "\"]\n").get(0).targets());
    }

    @Test
    void anEmptyTargetIsLeftOutNotTheFile() throws Exception {
        assertEquals(List.of("a:1"), json("[{\"targets\": [\"\", \"a:1\", null]}]").get(0).targets());
        assertEquals(List.of(), json("[{\"targets\": [\"\"]}]"));
    }

    @Test
    void yamlAsYamlV2ReadsIt() throws Exception {
        TargetGroup g = yaml("""
                - targets: [a:1]
                  labels: {env: &e prod, copy: *e, port: 0900, flag: yes, exp: 1e3, none: ~, quoted: "null"}
                ---
                - this second document is never read: [
                """).get(0);
        assertEquals(Map.of("env", "prod", "copy", "prod", "port", "0900", "flag", "yes", "exp", "1e3",
                "none", "", "quoted", "null"), g.labels());
        assertEquals(List.of("a:1"), yaml("\uFEFF- targets: [a:1]\n").get(0).targets(), "a BOM is skipped");
        assertEquals(List.of("a:1"), yaml("[\n\t{\n\t\t\"targets\": [\"a:1\"],\t\"labels\": {}\n\t}\n]\n")
                .get(0).targets(), "JSON with tabs in a .yml file");
        assertEquals(Map.of("a", "1", "b", "2"), yaml("- targets: [x:1]\n  labels:\n    <<: {a: '1'}\n    b: '2'\n")
                .get(0).labels(), "merge keys");
    }

    @Test
    void jsonAsEncodingJsonReadsIt() throws Exception {
        TargetGroup g = json("[{\"Targets\": [\"a:1\"], \"TARGETS\": [\"b:1\"], \"labels\": {\"x\": \"1\", \"x\": \"2\", \"y\": null}}]")
                .get(0);
        assertEquals(List.of("b:1"), g.targets(), "field names fold case; the last one wins");
        assertEquals(Map.of("x", "2", "y", ""), g.labels(), "the last repeated key wins; null is empty");
        assertEquals(List.of(), json("[{\"targets\": null, \"labels\": null}]"));
    }

    @Test
    void everyLabelPrometheusAcceptsInFilesOnlyTheSafeOnesInTheManagedInventory() throws Exception {
        String text = "[{\"targets\": [\"a:1\"], \"labels\": {\"__address__\": \"b:1\", \"__scheme__\": \"https\","
                + " \"__metrics_path__\": \"/probe\", \"__param_module\": \"http_2xx\", \"__meta_dc\": \"x\"}}]";
        assertEquals(5, json(text).get(0).labels().size());
        InventoryException e = assertThrows(InventoryException.class,
                () -> restricted.parse("t.json", text.getBytes(StandardCharsets.UTF_8), false));
        assertTrue(e.getMessage().contains("label __address__ is reserved"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "[{\"targets\": [\"a:1\"]}, {\"targets\": [3]}]   | entry 1 must be a string",
        "[{\"targets\": [\"a:1\"], \"labels\": {\"1x\": \"v\"}}] | \"1x\" is not a valid label name",
        "[{\"targets\": [\"a:1\"], \"labels\": {\"k\": 1}}] | label k of entry 0 must be a string",
        "[{\"targets\": [\"a:1\"], \"extra\": 1}]          | unknown field \"extra\"",
        "{\"targets\": [\"a:1\"]}                          | top level must be a list",
        "[{\"targets\": [\"a:1\"]                          | not valid JSON",
        "[{\"targets\": [\"a:1\"]}] garbage                | not valid JSON",
        "[{\"targets\": [\"a:1\"]}] []                     | data after the top-level value",
        "[{\"targets\": [\"a:1\"]}, null]                  | entry 1 is null",
    })
    void refusesBadEntriesNamingFileEntryAndReason(String text, String expected) {
        InventoryException e = assertThrows(InventoryException.class, () -> json(text));
        assertTrue(e.getMessage().startsWith("t.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "- targets: [a:1]\\n  labels: {env: a, env: b}\\n | label env is set twice",
        "- targets: [a:1]\\n  targets: [b:1]\\n          | field targets is set twice",
        "- targets: [a:1]\\n  target: [b:1]\\n           | unknown field \"target\"",
        "- targets: a:1\\n                             | targets must be a list",
        "- null\\n                                     | entry 0 is null",
        "targets: [a:1]\\n                             | top level must be a list",
        "- targets: [a:1]\\n  labels: {env: [x]}\\n      | must be a string",
    })
    void refusesWhatYamlV2StrictRefuses(String text, String expected) {
        InventoryException e = assertThrows(InventoryException.class, () -> yaml(text.replace("\\n", "\n")));
        assertTrue(e.getMessage().startsWith("t.yml: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aByteOrderMarkRefusesJson() {
        byte[] bom = "\uFEFF[]".getBytes(StandardCharsets.UTF_8);
        InventoryException e = assertThrows(InventoryException.class, () -> parser.parse("t.json", bom, false));
        assertTrue(e.getMessage().contains("byte order mark"), e.getMessage());
    }

    @Test
    void paramLabelsInTheManagedInventoryOnlyWhenAllowed() throws Exception {
        String text = "[{\"targets\": [\"a:1\"], \"labels\": {\"__param_module\": \"http_2xx\"}}]";
        assertThrows(InventoryException.class, () -> restricted.parse("t.json", text.getBytes(StandardCharsets.UTF_8), false));
        FileSdParser allowing = FileSdParser.restricted(1024, true);
        assertEquals("http_2xx", allowing.parse("t.json", text.getBytes(StandardCharsets.UTF_8), false)
                .get(0).labels().get("__param_module"));
    }

    /** Merge keys of merge keys: nine-fold at each of ten levels, 3.5 billion nodes if expanded. */
    @Test
    void yamlAliasBombsAreRefused() {
        StringBuilder bomb = new StringBuilder("- &g0 {targets: [a:1]}\n");
        for (int level = 1; level <= 10; level++) {
            bomb.append("- &g").append(level).append(" {<<: [");
            for (int i = 0; i < 9; i++) {
                bomb.append(i == 0 ? "" : ", ").append("*g").append(level - 1);
            }
            bomb.append("]}\n");
        }
        InventoryException e = assertThrows(InventoryException.class, () -> yaml(bomb.toString()));
        assertTrue(e.getMessage().startsWith("t.yml: ") && e.getMessage().contains("aliases expand to more than"),
                e.getMessage());
    }

    @Test
    void filesOverTheLimitAreRefusedUnread() throws Exception {
        Path big = tmp.resolve("big.json");
        Files.writeString(big, "[{\"targets\": [\"a:1\"]}]" + " ".repeat(2048));
        InventoryException e = assertThrows(InventoryException.class, () -> new FileSdParser(1024).parse(big));
        assertTrue(e.getMessage().contains("exceeds the limit of 1024"), e.getMessage());
        assertTrue(e.getMessage().startsWith(big.toString()), e.getMessage());
    }

    @Test
    void yamlErrorsNameTheLine() {
        InventoryException e = assertThrows(InventoryException.class, () -> yaml("- targets: [a:1\n- x: ]\n"));
        assertTrue(e.getMessage().contains("line"), e.getMessage());
    }
}
