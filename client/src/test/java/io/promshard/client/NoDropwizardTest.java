package io.promshard.client;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The client library (and promshardctl, built from it) runs without Dropwizard, Jersey or Jetty:
 * the services' helpers live in promshard-service. The build's enforcer rule bans them as
 * dependencies; this checks the classpath the library is tested on.
 */
class NoDropwizardTest {

    @Test
    void theServiceFrameworkIsNotOnTheLibrarysClasspath() {
        for (String name : new String[] {"io.dropwizard.core.Application", "io.dropwizard.util.Duration",
                "org.glassfish.jersey.server.ResourceConfig", "org.eclipse.jetty.server.Server"}) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(name), name);
        }
    }
}
