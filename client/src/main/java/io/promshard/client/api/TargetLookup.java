package io.promshard.client.api;

import java.util.List;

/**
 * Which workers own a target and why, {@code GET /api/v1/targets/{job}/{address}}.
 *
 * @param job        job
 * @param address    {@code __address__}
 * @param key        assignment key, as a person reads it
 * @param hash       the key's 64-bit hash, hexadecimal
 * @param slot       the hash slot whose preference order it follows
 * @param weight     its weight (learned series, or the mean while unknown)
 * @param owners     its owners in the assignment in force
 * @param scrapedBy  workers whose published share includes it (owners plus a previous owner in hand-off)
 * @param candidates every worker's standing for it, preferred first
 * @param reason     why it sits where it does, in words
 * @param replication the owners it should have: a count (its job's, or the factor), or {@code all}
 */
public record TargetLookup(String job, String address, String key, String hash, int slot, double weight,
                           List<String> owners, List<String> scrapedBy, List<Candidate> candidates, String reason,
                           String replication) {

    /**
     * @param rank      1-based preference among eligible workers, 0 when not eligible
     * @param score     weighted rendezvous score
     * @param owner     whether it owns the target
     * @param state     {@code eligible}, {@code draining}, {@code held} or {@code pinned-out}
     * @param load      summed weight it holds
     * @param fairShare its fair share
     * @param bound     the most it may hold
     */
    public record Candidate(String worker, int rank, double score, boolean owner, String state, double load,
                            double fairShare, double bound) {
    }
}
