package io.promshard.sidecar.registration;

import com.codahale.metrics.health.HealthCheck;
import io.promshard.client.api.WorkerConflict;

/** Unhealthy while another live sidecar holds this sidecar's worker id (it then acts as no worker at all). */
public class RegistrationHealthCheck extends HealthCheck {

    private final WorkerRegistration registration;

    public RegistrationHealthCheck(WorkerRegistration registration) {
        this.registration = registration;
    }

    @Override
    protected Result check() {
        WorkerConflict conflict = registration.conflict();
        if (conflict != null) {
            return Result.unhealthy(conflict.describe());
        }
        return registration.isRegistered() ? Result.healthy("registered as " + registration.info().instance())
                : Result.healthy("registering (ZooKeeper not reached yet)");
    }
}
