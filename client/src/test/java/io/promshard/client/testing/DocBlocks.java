package io.promshard.client.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The fenced blocks of README.md and docs/*.md with the {@code <!-- ci: KIND -->} tag on the line
 * before each, as ops/docs-check.sh reads them: what the documentation shows, for the tests that
 * check it.
 */
public final class DocBlocks {

    /**
     * One block.
     *
     * @param place {@code file:line} of its opening fence, for failure messages
     * @param lang  the fence's language ({@code yaml}, {@code sh}, ...), "" for none
     * @param tag   the tag's text ({@code prometheus migration-hashmod}), "" when untagged
     * @param text  the lines between the fences, each ending in a newline
     */
    public record Block(String place, String lang, String tag, String text) {
        /** The tag's first word: what the block is. */
        public String kind() {
            int space = tag.indexOf(' ');
            return space < 0 ? tag : tag.substring(0, space);
        }
    }

    private DocBlocks() {
    }

    /** The project's root, found from a module's directory or the root itself. */
    public static Path root() {
        for (Path p : List.of(Path.of(".."), Path.of("."))) {
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isDirectory(p.resolve("docs"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new AssertionError("README.md and docs/ not found from " + Path.of("").toAbsolutePath());
    }

    /** Every block of README.md and docs/*.md, in document order (README first, then docs by name). */
    public static List<Block> all() throws IOException {
        Path root = root();
        List<Block> out = new ArrayList<>();
        for (Path file : files()) {
            out.addAll(of(root.relativize(file).toString(), Files.readAllLines(file)));
        }
        return out;
    }

    /** The documentation: README.md, then docs/*.md by name. */
    public static List<Path> files() throws IOException {
        Path root = root();
        List<Path> files = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    /** The blocks of one kind. */
    public static List<Block> ofKind(String kind) throws IOException {
        return all().stream().filter(b -> b.kind().equals(kind)).toList();
    }

    static List<Block> of(String name, List<String> lines) {
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("```")) {
                continue;
            }
            String tag = i > 0 ? tagOf(lines.get(i - 1)) : "";
            StringBuilder text = new StringBuilder();
            int j = i + 1;
            while (j < lines.size() && !lines.get(j).startsWith("```")) {
                text.append(lines.get(j)).append('\n');
                j++;
            }
            out.add(new Block(name + ":" + (i + 1), lines.get(i).substring(3).trim(), tag, text.toString()));
            i = j;
        }
        return out;
    }

    private static String tagOf(String line) {
        if (line.startsWith("<!-- ci: ") && line.endsWith(" -->")) {
            return line.substring("<!-- ci: ".length(), line.length() - " -->".length());
        }
        return "";
    }
}
