package dev.realtime.server;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * Proves at startup that the node's TLS settings work: one TLS handshake in memory between the
 * server context and a client that trusts anything. Loading {@code TLS_CERT}/{@code TLS_KEY} alone
 * accepts a key that does not belong to the certificate, and such a node would listen and then fail
 * every handshake without a word.
 *
 * <p>Stateless; called once, on the starting thread.
 */
final class TlsSelfCheck {
    private TlsSelfCheck() {
    }

    /** Throws {@link IllegalStateException} saying why when a client cannot complete a handshake. */
    static void verify(SslContext server) {
        try {
            SslContext client = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
            SSLEngine c = client.newEngine(ByteBufAllocator.DEFAULT, "localhost", 443);
            int packet = Math.max(s.getSession().getPacketBufferSize(), c.getSession().getPacketBufferSize());
            int app = Math.max(s.getSession().getApplicationBufferSize(), c.getSession().getApplicationBufferSize());
            ByteBuffer toServer = ByteBuffer.allocate(packet * 4);
            ByteBuffer toClient = ByteBuffer.allocate(packet * 4);
            ByteBuffer sink = ByteBuffer.allocate(app * 2);
            ByteBuffer none = ByteBuffer.allocate(0);
            c.beginHandshake();
            s.beginHandshake();
            for (int round = 0; round < 64; round++) {
                step(c, none, toServer, sink);
                step(s, toServer, toClient, sink);
                step(c, toClient, toServer, sink);
                if (done(c) && done(s)) {
                    return;
                }
            }
            throw new IllegalStateException("TLS_CERT/TLS_KEY: a test handshake did not finish");
        } catch (SSLException e) {
            throw new IllegalStateException("TLS_CERT/TLS_KEY do not work together (does the key belong to the "
                    + "certificate?): a test handshake failed: " + e.getMessage(), e);
        }
    }

    private static boolean done(SSLEngine e) {
        HandshakeStatus h = e.getHandshakeStatus();
        return h == HandshakeStatus.NOT_HANDSHAKING || h == HandshakeStatus.FINISHED;
    }

    /** Feeds {@code in} to {@code e}, runs its tasks, and lets it write what it has to {@code out}. */
    private static void step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteBuffer sink) throws SSLException {
        in.flip();
        while (in.hasRemaining()) {
            sink.clear();
            int before = in.remaining();
            e.unwrap(in, sink);
            runTasks(e);
            if (in.remaining() == before) {
                break; // needs more than is there
            }
        }
        in.compact();
        for (int i = 0; i < 8 && e.getHandshakeStatus() == HandshakeStatus.NEED_WRAP; i++) {
            e.wrap(ByteBuffer.allocate(0), out);
            runTasks(e);
        }
    }

    private static void runTasks(SSLEngine e) {
        Runnable task;
        while ((task = e.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
