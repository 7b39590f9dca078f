package dev.realtime.cluster;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisMovedDataException;
import redis.clients.jedis.util.SafeEncoder;

/**
 * One subscriber connection of the bus to one Redis node: {@code SUBSCRIBE} on a single server,
 * {@code SSUBSCRIBE} (sharded pub/sub) on a cluster primary. Its thread connects (retrying every
 * 100 ms, backing off to 1 s), reads replies and messages, and reports everything to its
 * {@link Events}; the bus's control thread is the only writer of commands ({@link #subscribe},
 * {@link #unsubscribe}, {@link #ping}) while the thread reads.
 *
 * <p>Unlike Jedis's pub/sub classes it keeps reading when the last channel goes (a sharded
 * subscription loses its channels when their slot moves), understands {@code PING} replies in both
 * modes, and reports an error reply ({@code MOVED} for a slot this node no longer serves) without
 * dropping the connection.
 *
 * <p>Threading: {@link #connection} and {@link #up} are written by the link's thread and read by the
 * control thread; commands are written only by the control thread.
 */
final class PubSubLink {
    private static final Logger log = LoggerFactory.getLogger(PubSubLink.class);

    /** What a link reports, on its own thread. Implementations hand work to the control thread. */
    interface Events {
        /** Connected and ready for commands: (re)subscribe what this link should carry. */
        void connected(PubSubLink link);

        /** The connection broke (or was dropped by the watchdog); the link reconnects by itself. */
        void disconnected(PubSubLink link, String why);

        void subscribed(PubSubLink link, byte[] channel);

        /** Redis ended a subscription: asked for, or because the channel's slot left this node. */
        void unsubscribed(PubSubLink link, byte[] channel);

        void message(PubSubLink link, byte[] channel, byte[] payload);

        /** An error reply, e.g. {@code MOVED} for a subscription to a slot this node does not serve. */
        void refused(PubSubLink link, JedisDataException error);
    }

    /** A connection whose commands the control thread can flush while the link's thread reads. */
    private static final class Wire extends Connection {
        Wire(HostAndPort node, JedisClientConfig config) {
            super(node, config);
        }

        void send(ProtocolCommand command, byte[]... args) {
            sendCommand(new CommandArguments(command).addObjects((Object[]) args));
            flush();
        }
    }

    private static final byte[] SUBSCRIBE = bytes("subscribe");
    private static final byte[] SSUBSCRIBE = bytes("ssubscribe");
    private static final byte[] UNSUBSCRIBE = bytes("unsubscribe");
    private static final byte[] SUNSUBSCRIBE = bytes("sunsubscribe");
    private static final byte[] MESSAGE = bytes("message");
    private static final byte[] SMESSAGE = bytes("smessage");
    private static final byte[] PONG = bytes("pong");

    private final HostAndPort node;
    private final JedisClientConfig config;
    private final boolean sharded;
    private final Events events;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Wire connection;
    private volatile boolean up;
    private volatile long lastPongNanos = System.nanoTime();

    PubSubLink(HostAndPort node, JedisClientConfig config, boolean sharded, Events events, String threadName) {
        this.node = node;
        this.config = config;
        this.sharded = sharded;
        this.events = events;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    HostAndPort node() {
        return node;
    }

    /** Connected and not (yet) found broken. */
    boolean up() {
        return up;
    }

    PubSubLink start() {
        thread.start();
        return this;
    }

    /** Control thread: subscribe {@code channels} (ignored while down: {@link Events#connected} resubscribes). */
    void subscribe(List<byte[]> channels) {
        if (channels.isEmpty()) {
            return;
        }
        if (sharded) {
            for (byte[] c : channels) { // one per command: channels of different slots may not share one
                send(Protocol.Command.SSUBSCRIBE, c);
            }
        } else {
            send(Protocol.Command.SUBSCRIBE, channels.toArray(byte[][]::new));
        }
    }

    /** Control thread. */
    void unsubscribe(byte[] channel) {
        send(sharded ? Protocol.Command.SUNSUBSCRIBE : Protocol.Command.UNSUBSCRIBE, channel);
    }

    private void send(ProtocolCommand command, byte[]... args) {
        Wire c = connection;
        if (c == null || !up) {
            return;
        }
        try {
            c.send(command, args);
        } catch (RuntimeException e) {
            log.debug("{} to {} failed (the link reconnects): {}", command, node, e.toString());
        }
    }

    /**
     * Control thread, every {@code everyMs}: pings the connection, or drops it when nothing (no pong,
     * no message) came back for three intervals, so a half-open connection cannot silence the bus.
     *
     * @return false when the connection was found silent and dropped
     */
    boolean ping(long everyMs) {
        Wire c = connection;
        if (c == null || !up) {
            lastPongNanos = System.nanoTime();
            return true;
        }
        if (System.nanoTime() - lastPongNanos > TimeUnit.MILLISECONDS.toNanos(3 * everyMs)) {
            log.warn("redis bus subscriber to {} silent for {} ms; reconnecting", node, 3 * everyMs);
            lastPongNanos = System.nanoTime();
            up = false;
            c.disconnect();
            return false;
        }
        send(Protocol.Command.PING);
        return true;
    }

    private void run() {
        long backoff = 100;
        while (running) {
            Wire c = null;
            try {
                c = new Wire(node, config); // connects, authenticates (bounded by the client timeouts)
                connection = c;
                if (!running) {
                    break;
                }
                c.setTimeoutInfinite(); // subscriptions read without a timeout; ping() watches them
                lastPongNanos = System.nanoTime();
                up = true;
                backoff = 100;
                events.connected(this);
                read(c);
            } catch (JedisConnectionException e) {
                if (running) {
                    events.disconnected(this, e.getMessage());
                }
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("redis bus subscriber to {} failed", node, e);
                    events.disconnected(this, e.toString());
                }
            } finally {
                up = false;
                connection = null;
                if (c != null) {
                    try {
                        c.close();
                    } catch (RuntimeException ignored) {
                        // already broken
                    }
                }
            }
            if (running) {
                sleep(backoff);
                backoff = Math.min(backoff * 2, 1_000);
            }
        }
    }

    private void read(Wire c) {
        while (running) {
            Object reply;
            try {
                reply = c.getUnflushedObject();
            } catch (JedisMovedDataException e) {
                events.refused(this, e);
                continue;
            } catch (JedisConnectionException e) {
                throw e;
            } catch (JedisDataException e) {
                events.refused(this, e);
                continue;
            }
            lastPongNanos = System.nanoTime(); // anything read proves the connection alive
            if (!(reply instanceof List<?> list) || list.isEmpty() || !(list.get(0) instanceof byte[] kind)) {
                continue; // +PONG outside subscribed mode, or something we did not ask for
            }
            if (eq(kind, MESSAGE) || eq(kind, SMESSAGE)) {
                events.message(this, (byte[]) list.get(1), (byte[]) list.get(2));
            } else if (eq(kind, SUBSCRIBE) || eq(kind, SSUBSCRIBE)) {
                events.subscribed(this, (byte[]) list.get(1));
            } else if (eq(kind, UNSUBSCRIBE) || eq(kind, SUNSUBSCRIBE)) {
                if (list.get(1) instanceof byte[] channel) {
                    events.unsubscribed(this, channel);
                }
            } else if (!eq(kind, PONG)) {
                log.debug("unexpected pub/sub reply from {}: {}", node, SafeEncoder.encode(kind));
            }
        }
    }

    /** Stops the thread and closes the connection (any thread). */
    void close() {
        running = false;
        up = false;
        Wire c = connection;
        if (c != null) {
            try {
                c.disconnect();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
        thread.interrupt();
        try {
            thread.join(3_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean eq(byte[] a, byte[] b) {
        return java.util.Arrays.equals(a, b);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "link to " + node;
    }
}
