package io.promshard.service;

import io.dropwizard.jersey.errors.ErrorMessage;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The services' error answer: JSON {@code {"code": <status>, "message": "..."}}, as Dropwizard writes its own. */
public final class JsonErrors {

    private JsonErrors() {
    }

    /** An exception that answers {@code status} with {@code message}; throw it from a resource or filter. */
    public static WebApplicationException error(Response.Status status, String message) {
        return new WebApplicationException(message, Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorMessage(status.getStatusCode(), message)).build());
    }
}
