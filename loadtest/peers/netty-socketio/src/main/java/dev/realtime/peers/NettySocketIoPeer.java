package dev.realtime.peers;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.corundumstudio.socketio.AuthorizationResult;
import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.HandshakeData;
import com.corundumstudio.socketio.SocketIOServer;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Benchmark peer: netty-socketio 2.0.14 serving seed 000's Socket.IO vocabulary (joinRoom with an
 * ack, broadcastToRoom to the room), HTTP and WebSocket compression off, a JWT (HS256) checked at
 * the handshake from {@code ?token=} or {@code Authorization: Bearer}. PORT, JWT_SECRET,
 * PING_INTERVAL and PING_TIMEOUT (ms), WORKER_THREADS from the environment.
 */
public final class NettySocketIoPeer {
    private NettySocketIoPeer() {
    }

    public static void main(String[] args) throws InterruptedException {
        String secret = System.getenv("JWT_SECRET");
        if (secret == null) {
            System.err.println("JWT_SECRET is required");
            System.exit(2);
        }
        JWTVerifier verifier = JWT.require(Algorithm.HMAC256(secret)).build();
        Configuration config = new Configuration();
        config.setHostname("127.0.0.1");
        config.setPort(Integer.parseInt(env("PORT", "3001")));
        config.setHttpCompression(false);
        config.setWebsocketCompression(false);
        config.setPingInterval(Integer.parseInt(env("PING_INTERVAL", "25000")));
        config.setPingTimeout(Integer.parseInt(env("PING_TIMEOUT", "20000")));
        config.setBossThreads(1);
        config.setWorkerThreads(Integer.parseInt(env("WORKER_THREADS", "1")));
        config.setAuthorizationListener(data -> authorize(data, verifier));
        SocketIOServer server = new SocketIOServer(config);
        server.addEventListener("joinRoom", String.class, (client, room, ack) -> {
            client.joinRoom(room);
            if (ack.isAckRequested()) {
                ack.sendAckData(Map.of("room", room));
            }
        });
        server.addEventListener("leaveRoom", String.class, (client, room, ack) -> {
            client.leaveRoom(room);
            if (ack.isAckRequested()) {
                ack.sendAckData(Map.of("room", room));
            }
        });
        server.addEventListener("broadcastToRoom", Map.class, (client, msg, ack) -> {
            Object room = msg.get("room");
            Object event = msg.get("event");
            if (room instanceof String r && event instanceof String e) {
                server.getRoomOperations(r).sendEvent(e, msg.get("payload"));
            }
            if (ack.isAckRequested()) {
                ack.sendAckData();
            }
        });
        server.start();
        System.out.println("netty-socketio peer listening on " + config.getPort());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            stop.countDown();
        }));
        stop.await();
    }

    private static AuthorizationResult authorize(HandshakeData data, JWTVerifier verifier) {
        String token = data.getSingleUrlParam("token");
        String header = data.getHttpHeaders().get("Authorization");
        if (token == null && header != null && header.startsWith("Bearer ")) {
            token = header.substring(7);
        }
        if (token == null) {
            return AuthorizationResult.FAILED_AUTHORIZATION;
        }
        try {
            verifier.verify(token);
            return AuthorizationResult.SUCCESSFUL_AUTHORIZATION;
        } catch (JWTVerificationException e) {
            return AuthorizationResult.FAILED_AUTHORIZATION;
        }
    }

    private static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v;
    }
}
