package io.promshard.client.api;

/**
 * A worker's drain state. {@code empty} once it owns nothing and scrapes nothing (its targets' new
 * owners confirmed them), so it may be stopped without a gap.
 */
public record DrainStatus(String worker, boolean draining, int targets, boolean empty) {
}
