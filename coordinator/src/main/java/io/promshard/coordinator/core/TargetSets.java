package io.promshard.coordinator.core;

import java.util.Set;
import io.promshard.client.api.TargetGroup;
import io.promshard.coordinator.assign.Pin;
import io.promshard.coordinator.assign.TargetSet;
import io.promshard.coordinator.inventory.Inventory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds the engine's {@link TargetSet} from an inventory: keys, weights, pins and jobs' own replication. */
final class TargetSets {

    private final Map<String, Pin> jobPins = new HashMap<>();
    private final Map<String, Pin> targetPins = new HashMap<>();
    private final Map<String, Integer> jobReplication;

    TargetSets(List<PinRule> rules) {
        this(rules, Map.of());
    }

    TargetSets(List<PinRule> rules, Map<String, Integer> jobReplication) {
        this.jobReplication = Map.copyOf(jobReplication);
        for (PinRule rule : rules) {
            Pin pin = new Pin(Set.copyOf(rule.getWorkers()), rule.getZone());
            if (rule.getAddress() == null || rule.getAddress().isEmpty()) {
                jobPins.put(rule.getJob(), pin);
            } else {
                targetPins.put(rule.getJob() + "\u0000" + rule.getAddress(), pin);
            }
        }
    }

    /** Every target of {@code inventory}, weight 1, pinned where a rule names its job or address, with its job's replication. */
    TargetSet build(Inventory inventory) {
        return build(inventory, Map.of());
    }

    /**
     * Every target of {@code inventory}, pinned where a rule names its job or address, with its job's
     * replication, weighing its
     * learned series count, or the mean of the learned counts of this inventory's targets when it has
     * none yet (1 when none is known).
     */
    TargetSet build(Inventory inventory, Map<String, Long> learned) {
        List<String> keys = inventory.keys();
        double mean = meanLearned(keys, learned);
        // keyed by position in the inventory's keys: the set holds no key string of its own
        TargetSet.Builder b = TargetSet.over(keys);
        int position = 0;
        for (var job : inventory.jobs().entrySet()) {
            Pin jobPin = jobPins.get(job.getKey());
            int replicas = jobReplication.getOrDefault(job.getKey(), TargetSet.DEFAULT_REPLICAS);
            for (TargetGroup g : job.getValue()) {
                for (String address : g.targets()) {
                    Pin pin = targetPins.isEmpty() ? jobPin
                            : targetPins.getOrDefault(job.getKey() + "\u0000" + address, jobPin);
                    Long n = learned.isEmpty() ? null : learned.get(keys.get(position));
                    b.add(position++, n == null ? mean : n, pin, replicas);
                }
            }
        }
        return b.build();
    }

    /** The mean of the learned series counts of {@code keys}, 1 when none is known. */
    private static double meanLearned(List<String> keys, Map<String, Long> learned) {
        if (learned.isEmpty()) {
            return 1;
        }
        double sum = 0;
        long known = 0;
        for (String key : keys) {
            Long n = learned.get(key);
            if (n != null) {
                sum += n;
                known++;
            }
        }
        return known == 0 ? 1 : sum / known;
    }
}
