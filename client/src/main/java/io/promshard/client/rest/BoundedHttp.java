package io.promshard.client.rest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP exchanges whose answers are bounded in size and time before they are allocated: a peer that
 * sends headers and then stalls its body, or sends more than the limit, costs its caller at most the
 * deadline and the limit. {@link HttpRequest#timeout} alone bounds only the wait for the headers.
 */
public final class BoundedHttp {

    private BoundedHttp() {
    }

    /** The answer holds more than the limit (its Content-Length says so, or the bytes received). */
    public static final class TooLargeException extends IOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    /**
     * Sends {@code request} and reads the whole body within {@code deadline} (headers included),
     * refusing more than {@code maxBytes}; on timeout the exchange is cancelled.
     *
     * @throws HttpTimeoutException when the whole answer did not arrive within the deadline
     * @throws TooLargeException     when the body exceeds the limit (its Content-Length already, or the
     *                              bytes received)
     * @throws IOException          when the exchange fails
     */
    public static HttpResponse<byte[]> send(HttpClient http, HttpRequest request, long maxBytes, Duration deadline)
            throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(request, info -> new LimitedBody(maxBytes,
                info.headers().firstValueAsLong("Content-Length").orElse(-1)));
        try {
            return answer.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new HttpTimeoutException(request.uri() + ": no complete answer within " + deadline.toMillis() + " ms");
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IOException(request.uri() + ": " + cause, cause);
        }
    }

    /** Collects a body up to a limit; more (or a larger Content-Length) cancels the exchange. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {

        private final long maxBytes;
        private final long declaredLength;
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        LimitedBody(long maxBytes, long declaredLength) {
            this.maxBytes = maxBytes;
            this.declaredLength = declaredLength;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declaredLength > maxBytes) {
                s.cancel();
                body.completeExceptionally(tooLarge("Content-Length " + declaredLength));
                return;
            }
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) {
                if (received.size() + (long) b.remaining() > maxBytes) {
                    subscription.cancel();
                    body.completeExceptionally(tooLarge("more than that"));
                    return;
                }
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                received.writeBytes(bytes);
            }
            subscription.request(1);
        }

        private IOException tooLarge(String what) {
            return new TooLargeException("answer exceeds the limit of " + maxBytes + " bytes (" + what + ")");
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            body.complete(received.toByteArray());
        }
    }
}
