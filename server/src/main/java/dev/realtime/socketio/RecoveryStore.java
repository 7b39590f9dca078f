package dev.realtime.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.realtime.server.Json;
import dev.realtime.store.KeyValueStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection-state recovery records, by private session id ({@code pid}), in the shared key/value
 * store (Redis in a cluster, so a client may recover on any node) for
 * {@code SOCKETIO_RECOVERY_MS}: the user, the socket id, the rooms the client had joined and where
 * its writes stood ({@link WriteTracker}). A record is used at most once.
 *
 * <p>Threading: store calls run on one thread of its own ({@code rt-sio-recovery-<node>}), never on
 * an event loop; futures complete there.
 */
final class RecoveryStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecoveryStore.class);
    private static final String PREFIX = "sio:pid:";

    private final KeyValueStore store;
    private final Duration ttl;
    private final ExecutorService thread;

    /** What a recovered session gets back. */
    record Record(String userId, String socketId, List<String> rooms, WriteTracker writes) {
    }

    RecoveryStore(KeyValueStore store, long ttlMs, String nodeId) {
        this.store = store;
        this.ttl = Duration.ofMillis(ttlMs);
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rt-sio-recovery-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Keeps {@code r} under {@code pid}; failures are logged (the client just does not recover). */
    void save(String pid, Record r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("userId", r.userId()).put("socketId", r.socketId());
        ArrayNode rooms = o.putArray("rooms");
        r.rooms().forEach(rooms::add);
        ArrayNode writes = o.putArray("writes");
        r.writes().forEachWrite((hash, epoch, offset) -> writes.addArray().add(hash).add(epoch).add(offset));
        byte[] bytes = Json.bytes(o);
        run(() -> store.set(PREFIX + pid, bytes, ttl));
    }

    /** Takes the record of {@code pid} (deleting it); completes with null when there is none. */
    CompletableFuture<Record> take(String pid) {
        CompletableFuture<Record> out = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    byte[] bytes = store.get(PREFIX + pid);
                    // Only the caller whose delete removed it recovers (two nodes racing on one pid:
                    // one wins); single-key commands, so any Redis Cluster slot will do.
                    boolean taken = bytes != null && store.delete(PREFIX + pid);
                    out.complete(taken ? parse(bytes) : null);
                } catch (RuntimeException e) {
                    log.debug("recovery read failed: {}", e.toString());
                    out.complete(null);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            out.complete(null);
        }
        return out;
    }

    private static Record parse(byte[] bytes) {
        try {
            JsonNode o = Json.MAPPER.readTree(bytes);
            List<String> rooms = new ArrayList<>();
            o.path("rooms").forEach(n -> rooms.add(n.asText()));
            WriteTracker writes = new WriteTracker();
            o.path("writes").forEach(w -> writes.add(w.get(0).asText(), w.get(1).asText(), w.get(2).asLong()));
            return new Record(o.path("userId").asText(null), o.path("socketId").asText(null), rooms, writes);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void run(Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.debug("recovery write failed: {}", e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down: this session is not recoverable
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
