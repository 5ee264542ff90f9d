package io.promshard.coordinator.resources;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * Guards every mutating request (POST, PUT, PATCH, DELETE): a bearer token from the configuration
 * (none configured: mutations are refused), no cross-site origin (a browser page elsewhere cannot
 * drive the API with an operator's credentials), and a bounded body (413 past the limit, whether
 * announced by Content-Length or not). Errors are JSON {@code {"code": ..., "message": ...}}.
 */
public final class MutationGuard implements ContainerRequestFilter {

    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");

    private final byte[] token;
    private final int maxBodyBytes;

    public MutationGuard(String token, int maxBodyBytes) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (!MUTATING.contains(request.getMethod())) {
            return;
        }
        if (token.length == 0) {
            throw Api.error(Response.Status.FORBIDDEN, "mutating requests are disabled: set api.token in the configuration");
        }
        String auth = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        byte[] given = auth != null && auth.startsWith("Bearer ")
                ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(token, given)) {
            throw Api.error(Response.Status.UNAUTHORIZED, "a valid bearer token is required");
        }
        if ("cross-site".equals(request.getHeaderString("Sec-Fetch-Site")) || foreignOrigin(request)) {
            throw Api.error(Response.Status.FORBIDDEN, "cross-site request refused");
        }
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null && parse(length) > maxBodyBytes) {
            throw Api.error(Response.Status.REQUEST_ENTITY_TOO_LARGE, "request body over " + maxBodyBytes + " bytes");
        }
        request.setEntityStream(new Bounded(request.getEntityStream(), maxBodyBytes));
    }

    private static boolean foreignOrigin(ContainerRequestContext request) {
        String origin = request.getHeaderString("Origin");
        if (origin == null || origin.isEmpty()) {
            return false;
        }
        try {
            URI o = URI.create(origin);
            String host = request.getHeaderString(HttpHeaders.HOST);
            String originHost = o.getHost() + (o.getPort() < 0 ? "" : ":" + o.getPort());
            return host == null || !host.equalsIgnoreCase(originHost);
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    private static long parse(String length) {
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            throw Api.error(Response.Status.BAD_REQUEST, "invalid Content-Length");
        }
    }

    /** Fails with 413 once more than {@code limit} bytes are read. */
    private static final class Bounded extends FilterInputStream {
        private final int limit;
        private long read;

        Bounded(InputStream in, int limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            count(Math.max(n, 0));
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > limit) {
                throw Api.error(Response.Status.REQUEST_ENTITY_TOO_LARGE, "request body over " + limit + " bytes");
            }
        }
    }
}
