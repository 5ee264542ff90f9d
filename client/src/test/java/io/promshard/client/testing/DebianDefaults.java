package io.promshard.client.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Debian {@code /etc/default} file of the kind ops/ ships (ops/victoria-metrics/victoria-metrics). */
public final class DebianDefaults {

    private static final Pattern ARGS = Pattern.compile("(?m)^ARGS=\"([^\"]*)\"$");

    private DebianDefaults() {
    }

    /** The arguments its {@code ARGS="..."} line passes to the server, split on white space; fails without one. */
    public static List<String> args(Path file) throws IOException {
        Matcher m = ARGS.matcher(Files.readString(file));
        if (!m.find()) {
            throw new AssertionError(file + ": no ARGS=\"...\" line");
        }
        return List.of(m.group(1).trim().split("\\s+"));
    }
}
