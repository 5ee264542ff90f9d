package io.promshard.service;

import io.dropwizard.core.Configuration;
import io.dropwizard.core.ConfiguredBundle;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.server.ServerFactory;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where promshard's services listen: nothing beyond loopback unless configured to. The default
 * configuration binds both connectors to 127.0.0.1; a configuration with its own {@code server:}
 * block that names no {@code bindHost} still gets the admin connector (with its {@code /tasks}
 * endpoints) on 127.0.0.1 (through {@link #bundle()}), and an API listening beyond loopback is
 * logged at start.
 */
public final class Loopback {

    private static final Logger LOG = LoggerFactory.getLogger(Loopback.class);
    public static final String ADDRESS = "127.0.0.1";

    private Loopback() {
    }

    /** Binds the default application and admin connectors of {@code configuration} to 127.0.0.1. */
    public static void bindByDefault(Configuration configuration) {
        if (configuration.getServerFactory() instanceof DefaultServerFactory server) {
            server.getApplicationConnectors().forEach(c -> bind(c, ADDRESS));
            server.getAdminConnectors().forEach(c -> bind(c, ADDRESS));
        }
    }

    /** A bundle that applies {@link #restrict(ServerFactory)} to the configuration read, before the server is built. */
    public static <T extends Configuration> ConfiguredBundle<T> bundle() {
        return new ConfiguredBundle<>() {
            @Override
            public void run(T configuration, Environment environment) {
                restrict(configuration.getServerFactory());
            }
        };
    }

    /**
     * Binds every admin connector without a {@code bindHost} to 127.0.0.1 and logs each application
     * connector that listens beyond loopback. A simple server (one connector for both) is only logged.
     */
    public static void restrict(ServerFactory factory) {
        if (factory instanceof DefaultServerFactory server) {
            for (ConnectorFactory c : server.getAdminConnectors()) {
                if (c instanceof HttpConnectorFactory http && http.getBindHost() == null) {
                    http.setBindHost(ADDRESS);
                }
            }
            warnBeyondLoopback("REST API", server.getApplicationConnectors());
            warnBeyondLoopback("admin", server.getAdminConnectors());
        } else if (factory instanceof SimpleServerFactory simple) {
            warnBeyondLoopback("REST API and admin", List.of(simple.getConnector()));
        }
    }

    private static void bind(ConnectorFactory connector, String host) {
        if (connector instanceof HttpConnectorFactory http) {
            http.setBindHost(host);
        }
    }

    private static void warnBeyondLoopback(String what, List<ConnectorFactory> connectors) {
        for (ConnectorFactory c : connectors) {
            if (c instanceof HttpConnectorFactory http && !isLoopback(http.getBindHost())) {
                LOG.warn("the {} listens on {} port {}, beyond loopback: set server.*.bindHost to limit it",
                        what, http.getBindHost() == null ? "every interface" : http.getBindHost(), http.getPort());
            }
        }
    }

    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
