package dev.realtime.client;

import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Requests waiting for their {@code reply} (or {@code pong}), by id, each with its timeout timer.
 * Ids increase for the client's whole life and are never reused across reconnects, so a late reply
 * from an old connection can never complete a new request.
 *
 * <p>Confined to the client's event loop: every method must be called on it, and futures complete
 * on it.
 */
final class PendingRequests {
    private final EventLoop loop;
    private final long timeoutMillis;
    private final Map<Long, Pending<?>> byId = new HashMap<>();
    private long nextId = 1;

    PendingRequests(EventLoop loop, long timeoutMillis) {
        this.loop = loop;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Registers a request: {@code onOk} maps the reply data (it may throw a {@link RealtimeException},
     * which fails the future). Returns the id to send.
     */
    <T> long register(CompletableFuture<T> future, Function<Payload, T> onOk, String what) {
        long id = nextId++;
        ScheduledFuture<?> timer = loop.schedule(() -> fail(id, new RealtimeException(RealtimeException.TIMEOUT,
                what + ": no reply within " + timeoutMillis + " ms")), timeoutMillis, TimeUnit.MILLISECONDS);
        byId.put(id, new Pending<>(future, onOk, timer));
        return id;
    }

    /** Completes the request a reply answers; replies to unknown ids (timed out already) are dropped. */
    void reply(ServerMessage.Reply reply) {
        Pending<?> p = byId.remove(reply.id());
        if (p == null) {
            return;
        }
        if (reply.ok()) {
            p.succeed(reply.data());
        } else if (reply.error() != null) {
            p.fail(RealtimeException.fromServer(reply.error()));
        } else {
            p.fail(new RealtimeException("internal_error", "the server sent a failed reply without an error"));
        }
    }

    /** Completes a {@code ping} request. */
    void pong(ServerMessage.Pong pong) {
        if (pong.id() != null) {
            Pending<?> p = byId.remove(pong.id());
            if (p != null) {
                p.succeed(null);
            }
        }
    }

    /** Fails one request (timeout, write failure). */
    void fail(long id, RealtimeException error) {
        Pending<?> p = byId.remove(id);
        if (p != null) {
            p.fail(error);
        }
    }

    /** Fails every waiting request; callbacks that issue new requests see an empty table. */
    void failAll(Supplier<RealtimeException> error) {
        if (byId.isEmpty()) {
            return;
        }
        List<Pending<?>> all = new ArrayList<>(byId.values());
        byId.clear();
        for (Pending<?> p : all) {
            p.fail(error.get());
        }
    }

    /** One waiting request. Loop-confined like its owner. */
    private static final class Pending<T> {
        private final CompletableFuture<T> future;
        private final Function<Payload, T> onOk;
        private final ScheduledFuture<?> timer;

        Pending(CompletableFuture<T> future, Function<Payload, T> onOk, ScheduledFuture<?> timer) {
            this.future = future;
            this.onOk = onOk;
            this.timer = timer;
        }

        void succeed(Payload data) {
            timer.cancel(false);
            T value;
            try {
                value = onOk.apply(data);
            } catch (RealtimeException e) {
                future.completeExceptionally(e);
                return;
            } catch (RuntimeException e) {
                future.completeExceptionally(new RealtimeException(RealtimeException.DECODE_FAILED,
                        "cannot handle the reply: " + e, null, e));
                return;
            }
            future.complete(value);
        }

        void fail(RealtimeException e) {
            timer.cancel(false);
            future.completeExceptionally(e);
        }
    }
}
