package io.promshard.client.api;

/**
 * A live worker as {@code GET /api/v1/workers} shows it.
 *
 * @param id             worker id
 * @param prometheusUrl  its Prometheus
 * @param sidecarUrl     its sidecar
 * @param zone           failure domain, "" for none
 * @param capacity       relative weight
 * @param state          state it announces
 * @param drained        whether an operator drained it through the API
 * @param epoch          epoch of its published assignment, 0 when none
 * @param targets        targets it owns
 * @param handoffTargets targets it still scrapes for a hand-off to another worker
 * @param series         series its Prometheus reported for its targets, -1 when not reported
 * @param ackedEpoch     last epoch it applied and confirmed, -1 when it has not acknowledged
 * @param confirmed      whether its Prometheus confirmed that epoch's targets
 * @param lagEpochs      its published epoch minus its acknowledged epoch (0: up to date)
 * @param ackAgeMillis   time since its last acknowledgement, -1 when none
 */
public record WorkerView(String id, String prometheusUrl, String sidecarUrl, String zone, int capacity,
                         WorkerState state, boolean drained, long epoch, int targets, int handoffTargets, long series,
                         long ackedEpoch, boolean confirmed, long lagEpochs, long ackAgeMillis) {
}
