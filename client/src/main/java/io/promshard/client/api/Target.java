package io.promshard.client.api;

/**
 * Identity of one scrape target: its job, its {@code __address__} and, when set, its
 * {@code __metrics_path__}. Never the full label set: relabelling a target must not move it.
 */
public final class Target {

    private Target() {
    }

    private static final char SEP = '\u0000';

    /** The assignment key of a target. */
    public static String key(String job, String address, String metricsPath) {
        StringBuilder sb = new StringBuilder(job.length() + address.length() + 2).append(job).append(SEP).append(address);
        if (metricsPath != null && !metricsPath.isEmpty() && !metricsPath.equals("/metrics")) {
            sb.append(SEP).append(metricsPath);
        }
        return sb.toString();
    }

    /** A key as a person reads it: {@code job/address[/path]}. */
    public static String display(String key) {
        return key.replace(SEP, '/');
    }
}
