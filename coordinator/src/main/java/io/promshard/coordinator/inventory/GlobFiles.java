package io.promshard.coordinator.inventory;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Expands a file_sd glob such as {@code /etc/prometheus/node/*.yml} to the regular files it matches. */
public final class GlobFiles {

    private GlobFiles() {
    }

    /**
     * @return matching regular files, sorted; empty when the base directory does not exist
     * @throws IOException when the directory exists but cannot be listed (the caller keeps its last good state)
     */
    public static List<Path> expand(String glob) throws IOException {
        Path absolute = Paths.get(glob).toAbsolutePath().normalize();
        Path base = absolute.getRoot();
        int depth = 0;
        boolean globbing = false;
        for (Path segment : absolute) {
            if (!globbing && !hasGlobChars(segment.toString())) {
                base = base.resolve(segment);
            } else {
                globbing = true;
                depth = segment.toString().contains("**") ? Integer.MAX_VALUE : depth + 1;
            }
        }
        if (!globbing) {
            return Files.isRegularFile(absolute) ? List.of(absolute) : List.of();
        }
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + absolute);
        List<Path> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(base, depth)) {
            walk.filter(p -> matcher.matches(p) && Files.isRegularFile(p)).forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    /** The directory a glob lists: its longest prefix without glob characters (a plain path's parent). */
    public static Path baseDirectory(String glob) {
        Path absolute = Paths.get(glob).toAbsolutePath().normalize();
        Path base = absolute.getRoot();
        for (Path segment : absolute) {
            if (hasGlobChars(segment.toString())) {
                return base;
            }
            base = base.resolve(segment);
        }
        return absolute.getParent() == null ? absolute : absolute.getParent();
    }

    private static boolean hasGlobChars(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }
}
