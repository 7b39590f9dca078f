package dev.realtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A test client built on the JDK's {@code java.net.http.WebSocket} (a client this project did not
 * write). Collects text messages (JSON, batches flattened) and binary messages in queues.
 */
public final class WsClient implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private volatile String closeReason;
    private WebSocket ws;
    private long nextId = 1;
    private final List<JsonNode> backlog = new ArrayList<>();

    /** Connects; fails with the handshake's HTTP status via {@link HandshakeFailed}. */
    public static WsClient connect(URI uri, Map<String, String> headers, String subprotocol) {
        WsClient c = new WsClient();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        headers.forEach(b::header);
        if (subprotocol != null) {
            b.subprotocols(subprotocol);
        }
        try {
            c.ws = b.buildAsync(uri, c.new Listener()).get(10, TimeUnit.SECONDS);
            return c;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                throw new HandshakeFailed(h.getResponse().statusCode(), String.valueOf(h.getResponse().body()));
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    public static WsClient connect(URI uri) {
        return connect(uri, Map.of(), null);
    }

    /** The handshake was answered with a non-101 status. */
    public static final class HandshakeFailed extends RuntimeException {
        public final int status;
        public final String body;

        HandshakeFailed(int status, String body) {
            super("handshake failed with HTTP " + status);
            this.status = status;
            this.body = body;
        }
    }

    public String subprotocol() {
        return ws.getSubprotocol();
    }

    public void send(String text) {
        ws.sendText(text, true).join();
    }

    public void sendBinary(byte[] bytes) {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    /** Sends {@code {"op":op,"id":n,...fields}} and returns the reply. */
    public JsonNode request(String op, String fieldsJson) {
        long id = nextId++;
        String extra = fieldsJson == null || fieldsJson.isEmpty() ? "" : "," + fieldsJson;
        send("{\"op\":\"" + op + "\",\"id\":" + id + extra + "}");
        return expect(m -> "reply".equals(m.path("op").asText()) && m.path("id").asLong() == id);
    }

    public JsonNode join(String room) {
        return request("join", "\"room\":" + quote(room));
    }

    public JsonNode publish(String room, String event, String dataJson) {
        return request("publish", "\"room\":" + quote(room) + ",\"event\":" + quote(event) + ",\"data\":" + dataJson);
    }

    /** Sends {@code emit} of {@code event} with {@code dataJson} (may be null: no data) and returns the reply. */
    public JsonNode emit(String event, String dataJson) {
        return request("emit", "\"event\":" + quote(event) + (dataJson == null ? "" : ",\"data\":" + dataJson));
    }

    /** The error code of a failed reply; fails when the reply was ok. */
    public static String errorCode(JsonNode reply) {
        if (reply.path("ok").asBoolean()) {
            throw new AssertionError("expected a failed reply, got " + reply);
        }
        return reply.path("error").path("code").asText();
    }

    /** The next {@code event} message named {@code event} whose data field {@code field} equals {@code value}. */
    public JsonNode expectEvent(String event, String field, String value) {
        return expect(m -> "event".equals(m.path("op").asText()) && event.equals(m.path("event").asText())
                && value.equals(m.path("data").path(field).asText()));
    }

    public static String quote(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * The next message matching {@code p}; messages that do not match stay queued (in order) for
     * later expectations. Fails after {@link #WAIT}.
     */
    public synchronized JsonNode expect(Predicate<JsonNode> p) {
        for (java.util.Iterator<JsonNode> it = backlog.iterator(); it.hasNext(); ) {
            JsonNode m = it.next();
            if (p.test(m)) {
                it.remove();
                return m;
            }
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<JsonNode> skipped = backlog;
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode m;
            try {
                m = left <= 0 ? null : messages.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            if (m == null) {
                throw new AssertionError("no matching message within " + WAIT + "; skipped: " + skipped
                        + (closeCode.isDone() ? "; closed with " + closeCode.join() + " " + closeReason : ""));
            }
            if (p.test(m)) {
                return m;
            }
            skipped.add(m);
        }
    }

    /** The next message (those skipped by earlier expectations first), or null after {@code timeout}. */
    public synchronized JsonNode poll(Duration timeout) {
        if (!backlog.isEmpty()) {
            return backlog.remove(0);
        }
        try {
            return messages.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    public JsonNode expectOp(String op) {
        return expect(m -> op.equals(m.path("op").asText()));
    }

    public JsonNode expectEvent(String event) {
        return expect(m -> "event".equals(m.path("op").asText()) && event.equals(m.path("event").asText()));
    }

    public JsonNode expectError(String code) {
        return expect(m -> "error".equals(m.path("op").asText()) && code.equals(m.path("error").path("code").asText()));
    }

    /** Asserts that no message matching {@code p} arrives within {@code window} (a bounded wait for absence). */
    public synchronized void expectNone(Predicate<JsonNode> p, Duration window) {
        for (JsonNode m : backlog) {
            if (p.test(m)) {
                throw new AssertionError("unexpected message " + m);
            }
        }
        long deadline = System.nanoTime() + window.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            JsonNode m;
            try {
                m = messages.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            if (m != null) {
                if (p.test(m)) {
                    throw new AssertionError("unexpected message " + m);
                }
                backlog.add(m);
            }
        }
    }

    public byte[] nextBinary() {
        try {
            byte[] b = binaries.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (b == null) {
                throw new AssertionError("no binary message within " + WAIT);
            }
            return b;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The close code the server sent; fails if the connection is not closed within {@link #WAIT}. */
    public int awaitClose() {
        try {
            return closeCode.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("connection not closed within " + WAIT, e);
        }
    }

    public boolean isClosed() {
        return closeCode.isDone();
    }

    public String closeReason() {
        return closeReason;
    }

    @Override
    public void close() {
        if (!closeCode.isDone() && !ws.isOutputClosed()) {
            try {
                ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // already gone
            }
        }
        ws.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream bin = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode n = MAPPER.readTree(text.toString());
                    if (n.isArray()) {
                        n.forEach(messages::add);
                    } else {
                        messages.add(n);
                    }
                } catch (java.io.IOException e) {
                    throw new CompletionException(e);
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bin.writeBytes(b);
            if (last) {
                binaries.add(bin.toByteArray());
                bin.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeReason = String.valueOf(error);
            closeCode.complete(-1);
        }
    }
}
