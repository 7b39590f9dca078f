package dev.realtime.client;

import static dev.realtime.client.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.protocol.ClientMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The recovery hook, against a scripted server that already speaks history: the client remembers the
 * last offset/epoch per room and sends it as {@code since} when it rejoins, reports the server's
 * {@code recovered} flag, drops a room the server now refuses, and drops a silent connection.
 */
class RecoveryHookTest {

    @Test
    void rejoinSendsTheLastPositionAndReportsRecovered() throws Exception {
        List<ClientMessage.Join> joins = new CopyOnWriteArrayList<>();
        try (FakeServer server = new FakeServer(new FakeServer.Script() {
            @Override
            public void opened(FakeServer.Conn conn) {
                conn.send(FakeServer.Conn.connected("u1"));
            }

            @Override
            public void received(FakeServer.Conn conn, ClientMessage m) {
                if (!(m instanceof ClientMessage.Join)) {
                    return;
                }
                ClientMessage.Join join = (ClientMessage.Join) m;
                joins.add(join);
                if (join.room().equals("locked") && conn.number > 1) {
                    conn.send("{\"op\":\"reply\",\"id\":" + join.id()
                            + ",\"ok\":false,\"error\":{\"code\":\"forbidden\",\"message\":\"no longer\"}}");
                    return;
                }
                String recovered = join.since() == null ? "" : ",\"recovered\":true";
                conn.send("{\"op\":\"reply\",\"id\":" + join.id() + ",\"ok\":true,\"data\":{\"room\":\""
                        + join.room() + "\"" + recovered + "}}");
                if (conn.number == 1 && join.room().equals("quiz")) {
                    conn.send("{\"op\":\"event\",\"room\":\"quiz\",\"event\":\"q\",\"offset\":40,\"epoch\":\"e1\"}");
                    conn.send("{\"op\":\"event\",\"room\":\"quiz\",\"event\":\"q\",\"offset\":41,\"epoch\":\"e1\"}");
                    conn.close(1001, "going away");
                }
            }
        })) {
            BlockingQueue<RejoinResult> rejoins = new LinkedBlockingQueue<>();
            StateRecorder states = new StateRecorder();
            try (RealtimeClient client = RealtimeClient.builder().uri(server.uri()).token("t")
                    .reconnectPolicy(ReconnectPolicy.forever(Duration.ofMillis(20), Duration.ofMillis(50))).build()) {
                client.onRejoin(rejoins::add);
                client.onStateChange(states);
                await(client.connect());
                await(client.join("locked"));
                await(client.join("quiz"));
                assertEquals(1001, states.await(ConnectionState.RECONNECTING).closeCode());
                states.await(ConnectionState.CONNECTED);

                RejoinResult locked = rejoins.poll(5, TimeUnit.SECONDS);
                assertEquals("locked", locked.room());
                assertFalse(locked.ok());
                assertEquals("forbidden", locked.error().code());
                RejoinResult quiz = rejoins.poll(5, TimeUnit.SECONDS);
                assertEquals("quiz", quiz.room());
                assertTrue(quiz.ok());
                assertEquals(new ClientMessage.Since("e1", 41), quiz.since());
                assertEquals(Boolean.TRUE, quiz.recovered());
                assertEquals(new ClientMessage.Since("e1", 41), joins.get(joins.size() - 1).since());
                assertNull(joins.get(0).since());
                assertEquals(2, server.accepted());
            }
        }
    }

    @Test
    void anExpiryWarningBeforeConnectedIsAnsweredOnceConnected() throws Exception {
        CompletableFuture<ClientMessage.Auth> auth = new CompletableFuture<>();
        try (FakeServer server = new FakeServer(new FakeServer.Script() {
            @Override
            public void opened(FakeServer.Conn conn) {
                // The real server can warn before its connected message (activation is asynchronous).
                conn.send("{\"op\":\"event\",\"event\":\"auth:expiring\",\"data\":{\"exp\":1,\"expiresInMs\":1000}}");
                conn.ctx.executor().schedule(() -> conn.send(FakeServer.Conn.connected("u1")), 200, TimeUnit.MILLISECONDS);
            }

            @Override
            public void received(FakeServer.Conn conn, ClientMessage m) {
                if (m instanceof ClientMessage.Auth) {
                    auth.complete((ClientMessage.Auth) m);
                    conn.send("{\"op\":\"reply\",\"id\":" + m.id() + ",\"ok\":true}");
                }
            }
        })) {
            AtomicInteger calls = new AtomicInteger();
            try (RealtimeClient client = RealtimeClient.builder().uri(server.uri())
                    .tokenSupplier(() -> "token-" + calls.incrementAndGet())
                    .reconnectPolicy(ReconnectPolicy.none()).build()) {
                await(client.connect());
                assertEquals("token-2", auth.get(5, TimeUnit.SECONDS).token());
            }
        }
    }

    @Test
    void aSilentConnectionIsProbedThenDropped() throws Exception {
        try (FakeServer server = new FakeServer(conn -> {
            conn.send(FakeServer.Conn.connected("u1").replace("25000", "1"));
            conn.stopReading();
        })) {
            StateRecorder states = new StateRecorder();
            try (RealtimeClient client = RealtimeClient.builder().uri(server.uri())
                    .reconnectPolicy(ReconnectPolicy.none()).build()) {
                client.onStateChange(states);
                await(client.connect());
                StateChange closed = states.await(c -> c.state() == ConnectionState.CLOSED, 15_000);
                assertEquals("disconnected", closed.error().code());
                assertEquals("the server stopped answering", closed.error().getMessage());
            }
        }
    }
}
