package io.promshard.client.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The local addresses a TCP port listens on, as the Linux kernel lists them in {@code /proc/net/tcp{,6}}. */
public final class ListeningSockets {

    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    /**
     * The addresses listening on {@code port}, as the kernel writes them: {@code 0100007F} is
     * 127.0.0.1, {@code 00000000} every IPv4 interface, 32 zeros every IPv6 (and IPv4) interface.
     */
    public static List<String> addresses(int port) throws IOException {
        String suffix = ":" + String.format(Locale.ROOT, "%04X", port);
        List<String> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path).subList(1, Files.readAllLines(path).size())) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 3 && fields[1].endsWith(suffix) && fields[3].equals(LISTEN)) {
                    out.add(fields[1].substring(0, fields[1].length() - suffix.length()));
                }
            }
        }
        return out;
    }

    /** Whether {@code port} listens on 127.0.0.1 only. */
    public static boolean onLoopbackOnly(int port) throws IOException {
        List<String> addresses = addresses(port);
        return !addresses.isEmpty() && addresses.stream().allMatch(a -> a.equals("0100007F")
                || a.equals("0000000000000000FFFF00000100007F") || a.equals("00000000000000000000000001000000"));
    }
}
