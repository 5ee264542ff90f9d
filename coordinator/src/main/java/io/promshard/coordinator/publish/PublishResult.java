package io.promshard.coordinator.publish;

import java.util.List;

/**
 * What one publish did.
 *
 * @param epoch          the epoch in force after it (unchanged when nothing was written)
 * @param changedWorkers workers whose assignment was rewritten
 * @param removedWorkers departed workers whose assignment was deleted
 * @param bytesWritten   bytes of chunks and manifests written to ZooKeeper
 * @param transactions   fenced transactions the epoch was switched in (0 when nothing was written)
 */
public record PublishResult(long epoch, List<String> changedWorkers, List<String> removedWorkers, long bytesWritten,
                            int transactions) {

    public PublishResult {
        changedWorkers = List.copyOf(changedWorkers);
        removedWorkers = List.copyOf(removedWorkers);
    }

    public boolean wroteAnything() {
        return !changedWorkers.isEmpty() || !removedWorkers.isEmpty();
    }
}
