package io.promshard.coordinator.inventory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code file_sd} JSON file (or an http_sd answer) read as Prometheus 2.x reads it: Go's
 * {@code encoding/json} into {@code []*targetgroup.Group}, each group decoded with unknown fields
 * disallowed.
 *
 * <p>Read token by token with Jackson's streaming parser (strict JSON by default: no comments, no
 * single quotes, no trailing commas), because Go's rules are about order: a field name matches
 * {@code targets} or {@code labels} case-insensitively and the last occurrence wins, so a tree that
 * merges repeated names would answer differently. What else follows Go: a top-level {@code null} is
 * no groups, a {@code null} group is refused ("nil target group item found"), {@code null} targets,
 * labels and values read as empty, data after the top-level value is refused, a byte order mark is
 * refused (Jackson would skip it), and invalid UTF-8 becomes U+FFFD instead of an error.
 */
final class JsonTargetGroups {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final String source;
    private final JsonParser parser;

    private JsonTargetGroups(String source, JsonParser parser) {
        this.source = source;
        this.parser = parser;
    }

    /** The groups, in order; anything Go would refuse refuses the whole document. */
    static List<FileSdParser.Group> read(String source, byte[] bytes) throws InventoryException {
        if (bytes.length >= 3 && bytes[0] == BOM[0] && bytes[1] == BOM[1] && bytes[2] == BOM[2]) {
            throw new InventoryException(source + ": not valid JSON: starts with a byte order mark"
                    + " (Prometheus refuses it: invalid character 'ï' looking for beginning of value)");
        }
        // Go replaces invalid UTF-8 by U+FFFD; decoding to a String first does the same
        String text = new String(bytes, StandardCharsets.UTF_8);
        try (JsonParser parser = FACTORY.createParser(text)) {
            return new JsonTargetGroups(source, parser).document();
        } catch (JsonProcessingException e) {
            throw new InventoryException(source + ": not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr()), e);
        } catch (IOException e) {
            throw new InventoryException(source + ": cannot parse: " + e.getMessage(), e);
        }
    }

    private List<FileSdParser.Group> document() throws IOException, InventoryException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            throw refuse("empty (Prometheus refuses it: unexpected end of JSON input)");
        }
        List<FileSdParser.Group> groups = new ArrayList<>();
        if (first == JsonToken.START_ARRAY) {
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                groups.add(group(groups.size(), t));
            }
        } else if (first != JsonToken.VALUE_NULL) {
            throw refuse("top level must be a list of target groups, found " + kind(first));
        }
        if (parser.nextToken() != null) {
            throw refuse("data after the top-level value (invalid character after top-level value)");
        }
        return groups;
    }

    private FileSdParser.Group group(int entry, JsonToken start) throws IOException, InventoryException {
        if (start == JsonToken.VALUE_NULL) {
            throw refuse("entry " + entry + " is null (nil target group item found)");
        }
        if (start != JsonToken.START_OBJECT) {
            throw refuse("entry " + entry + " must be an object with targets and labels, found " + kind(start));
        }
        List<String> targets = List.of();
        Map<String, String> labels = Map.of();
        for (String field = parser.nextFieldName(); field != null; field = parser.nextFieldName()) {
            JsonToken value = parser.nextToken();
            if (matches(field, "targets")) {
                targets = targets(entry, value);
            } else if (matches(field, "labels")) {
                labels = labels(entry, value);
            } else {
                throw refuse("entry " + entry + ": unknown field \"" + FileSdParser.printable(field) + "\"");
            }
        }
        return new FileSdParser.Group(entry, targets, labels);
    }

    private List<String> targets(int entry, JsonToken start) throws IOException, InventoryException {
        if (start == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (start != JsonToken.START_ARRAY) {
            throw refuse("entry " + entry + ": targets must be a list of strings, found " + kind(start));
        }
        List<String> out = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            out.add(string(t, "target " + out.size() + " of entry " + entry));
        }
        return out;
    }

    private Map<String, String> labels(int entry, JsonToken start) throws IOException, InventoryException {
        if (start == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (start != JsonToken.START_OBJECT) {
            throw refuse("entry " + entry + ": labels must be an object of strings, found " + kind(start));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
            out.remove(name); // the last repeated key wins, as in a Go map
            out.put(name, string(parser.nextToken(), "label " + FileSdParser.printable(name) + " of entry " + entry));
        }
        return out;
    }

    private String string(JsonToken token, String what) throws IOException, InventoryException {
        if (token == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        if (token == JsonToken.VALUE_NULL) {
            return "";
        }
        throw refuse(what + " must be a string, found " + kind(token));
    }

    /**
     * Go's field matching: the exact name, or one equal under case folding, where besides ASCII
     * case the Kelvin sign folds to k and the long s to s.
     */
    static boolean matches(String field, String name) {
        if (field.equals(name)) {
            return true;
        }
        String folded = field.replace('\u212A', 'k').replace('\u017F', 's');
        return folded.length() == name.length() && folded.toLowerCase(Locale.ROOT).equals(name)
                && folded.chars().allMatch(c -> c < 0x80);
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }

    private InventoryException refuse(String reason) {
        return new InventoryException(source + ": " + reason + " (line " + parser.currentLocation().getLineNr()
                + ", column " + parser.currentLocation().getColumnNr() + ")");
    }
}
