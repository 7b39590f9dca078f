package dev.realtime.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A client for the realtime gateway's native WebSocket protocol. Build one with {@link #builder()},
 * then {@link #connect()}; {@link #join}, {@link #leave}, {@link #publish} and {@link #emit} return
 * futures of the server's reply, and {@link #on} subscribes to events.
 *
 * <h2>Threading</h2>
 * All of the client's mutable state (connection, pending requests, joined rooms, handlers) is
 * confined to <b>one Netty event loop thread</b> of the client. Public methods are thread-safe: they
 * hand their work to that thread and return at once. Event handlers, listeners and the completion
 * of the returned futures run <b>on that thread</b> (only a future that fails at once, e.g. with
 * {@code invalid_data}, completes on the caller's thread), in the order things happened on the wire,
 * so a handler must not block: no {@code future.get()}/{@code join()} on a client future, no blocking
 * I/O. Offload slow work with {@code executor.execute(...)} or the {@code *Async(..., executor)}
 * variants of {@link CompletableFuture}. Registrations ({@link #on} etc.) take effect in the order
 * they were made from one thread, before any later call from that thread (e.g. {@code on(...)} then
 * {@code connect()} never misses an event).
 *
 * <h2>Requests</h2>
 * Requests are <b>not queued</b>: made while the client is not connected, they fail at once with
 * {@code not_connected} (after {@link #close()}: {@code closed}). Every future ends: with the reply,
 * with the server's error code, with {@code timeout} after the request timeout, or with
 * {@code disconnected} if the connection drops first. A request cut off by a disconnect may or may
 * not have reached the server.
 *
 * <h2>Reconnects</h2>
 * After a lost connection the client retries per its {@link ReconnectPolicy} (asking the token
 * supplier for a fresh token each time), then rejoins the rooms the application joined, passing the
 * last seen stream position as {@code since}, reports each {@link RejoinResult} and only then reports
 * {@link ConnectionState#CONNECTED}. It does not reconnect after {@link #close()}, after
 * {@code forbidden}/{@code handshake_failed}, or after {@code unauthorized} with a fixed token.
 */
public final class RealtimeClient implements AutoCloseable {
    private final ClientCore core;

    RealtimeClient(ClientConfig config) {
        this.core = new ClientCore(config);
    }

    /** A builder; only {@link RealtimeClientBuilder#uri} is required. */
    public static RealtimeClientBuilder builder() {
        return new RealtimeClientBuilder();
    }

    /**
     * Connects. The future completes with the {@code connected} message's fields once the client is
     * {@code CONNECTED}, and fails when the client gives up (see {@link ReconnectPolicy}; a refused
     * fixed token fails at once with {@code unauthorized}) or is closed. Failed attempts before that
     * are retried per the policy. Calling it while connecting returns the same outcome; while
     * connected, the current info; after a give-up it starts over.
     */
    public CompletableFuture<ConnectedInfo> connect() {
        return core.connect();
    }

    /** Joins {@code room}; the reply data is {@code {"room":..}} (plus {@code recovered} with history). */
    public CompletableFuture<JsonNode> join(String room) {
        return core.requests.join(Objects.requireNonNull(room, "room"));
    }

    /** Leaves {@code room}; it is no longer rejoined after reconnects, even if this request fails. */
    public CompletableFuture<JsonNode> leave(String room) {
        return core.requests.leave(Objects.requireNonNull(room, "room"));
    }

    /**
     * Publishes {@code event} to every member of {@code room} (the client must have joined it).
     * {@code data} is serialised with Jackson (null = none); a {@code byte[]} is sent as raw binary.
     */
    public CompletableFuture<JsonNode> publish(String room, String event, Object data) {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(event, "event");
        return withPayload(data, p -> core.requests.request("publish " + event,
                id -> new ClientMessage.Publish(id, room, event, p), core.mapper::toNode));
    }

    /** Calls the server-side handler for {@code event}; completes with its reply data ({@code NullNode} if none). */
    public CompletableFuture<JsonNode> emit(String event, Object data) {
        return emit(event, data, JsonNode.class);
    }

    /** Like {@link #emit(String, Object)}, mapping the reply data to {@code replyType} (null if none). */
    public <T> CompletableFuture<T> emit(String event, Object data, Class<T> replyType) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(replyType, "replyType");
        return withPayload(data, p -> core.requests.request("emit " + event,
                id -> new ClientMessage.Emit(id, event, p), reply -> core.mapper.convert(reply, replyType)));
    }

    /** An application-level ping; completes with the round-trip time. */
    public CompletableFuture<Duration> ping() {
        long start = System.nanoTime();
        return core.requests.request("ping", ClientMessage.Ping::new, p -> Duration.ofNanos(System.nanoTime() - start));
    }

    private <T> CompletableFuture<T> withPayload(Object data, java.util.function.Function<Payload, CompletableFuture<T>> send) {
        Payload payload;
        try {
            payload = core.mapper.encode(data); // on the caller's thread: keeps Jackson work off the loop
        } catch (RealtimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return send.apply(payload);
    }

    /**
     * Subscribes to {@code event}, mapping its data to {@code type} with Jackson ({@code byte[]} for
     * raw binary data, {@link JsonNode} for a tree; null when the event has no data). Data that does
     * not fit {@code type} is logged and reported to the {@link #onError error listeners} with code
     * {@code decode_failed}.
     */
    public <T> Subscription on(String event, Class<T> type, Consumer<? super T> handler) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(handler, "handler");
        return onRaw(event, e -> handler.accept(core.mapper.convert(e.data(), type)));
    }

    /** Subscribes to {@code event} with the raw message (room, data {@link Payload}, offset, epoch). */
    public Subscription onRaw(String event, Consumer<ServerMessage.Event> handler) {
        Objects.requireNonNull(event, "event");
        Listeners.Sub<ServerMessage.Event> sub = new Listeners.Sub<>(Objects.requireNonNull(handler, "handler"));
        return subscribe(l -> l.addEvent(event, sub), l -> l.removeEvent(event, sub));
    }

    /** Subscribes to every event, after the handlers for its name. */
    public Subscription onAnyEvent(Consumer<ServerMessage.Event> handler) {
        Listeners.Sub<ServerMessage.Event> sub = new Listeners.Sub<>(Objects.requireNonNull(handler, "handler"));
        return subscribe(l -> l.addAnyEvent(sub), l -> l.removeAnyEvent(sub));
    }

    /**
     * Listens for errors not tied to a request: the server's {@code error} messages (e.g.
     * {@code rate_limited} with {@code retryAfterMs}), a refused token refresh, and
     * {@code decode_failed} for typed handlers.
     */
    public Subscription onError(Consumer<RealtimeException> listener) {
        Listeners.Sub<RealtimeException> sub = new Listeners.Sub<>(Objects.requireNonNull(listener, "listener"));
        return subscribe(l -> l.addError(sub), l -> l.removeError(sub));
    }

    /** Listens for connection state changes. */
    public Subscription onStateChange(Consumer<StateChange> listener) {
        Listeners.Sub<StateChange> sub = new Listeners.Sub<>(Objects.requireNonNull(listener, "listener"));
        return subscribe(l -> l.addState(sub), l -> l.removeState(sub));
    }

    /** Listens for the result of rejoining each room after a reconnect (before {@code CONNECTED} is reported). */
    public Subscription onRejoin(Consumer<RejoinResult> listener) {
        Listeners.Sub<RejoinResult> sub = new Listeners.Sub<>(Objects.requireNonNull(listener, "listener"));
        return subscribe(l -> l.addRejoin(sub), l -> l.removeRejoin(sub));
    }

    private Subscription subscribe(Consumer<Listeners> add, Consumer<Listeners> remove) {
        core.submit(() -> add.accept(core.listeners));
        AtomicBoolean removed = new AtomicBoolean();
        return () -> {
            if (removed.compareAndSet(false, true)) {
                core.submit(() -> remove.accept(core.listeners));
            }
        };
    }

    /** Maps an event's data the way typed handlers do (call it from a raw handler). */
    public <T> T decode(Payload data, Class<T> type) {
        return core.mapper.convert(data, type);
    }

    /** The current state (a snapshot; the loop may change it right after). */
    public ConnectionState state() {
        return core.state();
    }

    /** The fields of the latest {@code connected} message, or null before the first connection. */
    public ConnectedInfo connectedInfo() {
        return core.info();
    }

    /** How many server frames could not be decoded and were skipped. */
    public long malformedFrames() {
        return core.malformedFrames();
    }

    /**
     * Closes the connection with code 1000 (no reconnect), fails pending requests with
     * {@code disconnected}, and stops the client's own event loop. The client cannot be used again.
     */
    public CompletableFuture<Void> closeAsync() {
        return core.closeAsync();
    }

    /**
     * {@link #closeAsync()}, waiting up to the close timeout plus a second for it to finish. On the
     * client's own event loop (in a handler) it does not wait.
     */
    @Override
    public void close() {
        CompletableFuture<Void> done = closeAsync();
        if (core.loop.inEventLoop()) {
            return;
        }
        try {
            done.get(core.config.closeTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Closing is best effort: the connection is dropped either way.
        }
    }
}
