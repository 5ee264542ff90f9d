package io.promshard.sidecar.assignment;

import java.util.Map;

/**
 * What the sidecar has written to its file_sd directory, for its status endpoint and for tests.
 *
 * @param worker         this worker's id
 * @param epoch          epoch of the applied assignment, 0 before the first
 * @param sha256         digest of the applied share, empty before the first
 * @param targets        owned targets in the files
 * @param handoff        targets in the files only until their new owners confirm them
 * @param jobs           targets per job
 * @param appliedAtMillis when it was applied, 0 before the first
 * @param errors         failures to apply an assignment since start (corrupt, unreadable, files not writable;
 *                       a write retried counts each time)
 * @param lastError      the last failure's message, empty if none
 */
public record AppliedState(String worker, long epoch, String sha256, int targets, int handoff, Map<String, Integer> jobs,
                           long appliedAtMillis, long errors, String lastError) {

    public AppliedState {
        jobs = Map.copyOf(jobs);
    }

    static AppliedState initial(String worker) {
        return new AppliedState(worker, 0, "", 0, 0, Map.of(), 0, 0, "");
    }

    /** Whether the files hold no target at all (owned or handed off). */
    public boolean empty() {
        return targets + handoff == 0;
    }
}
