package io.promshard.coordinator.resources;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/** The dashboard: {@code GET /} and its two assets under {@code /ui/}, plain files from the jar. */
@Path("/")
public class DashboardResource {

    private static final Map<String, String> ASSETS = Map.of(
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response index() throws IOException {
        return asset("index.html", "text/html; charset=utf-8");
    }

    @GET
    @Path("ui/{name}")
    public Response ui(@PathParam("name") String name) throws IOException {
        String type = ASSETS.get(name);
        if (type == null) {
            throw Api.error(Response.Status.NOT_FOUND, "no such dashboard asset");
        }
        return asset(name, type);
    }

    private static Response asset(String name, String type) throws IOException {
        try (InputStream in = DashboardResource.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) {
                throw Api.error(Response.Status.NOT_FOUND, "dashboard asset " + name + " missing from the jar");
            }
            return Response.ok(in.readAllBytes(), type)
                    .header("Cache-Control", "no-cache")
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:")
                    .build();
        }
    }
}
