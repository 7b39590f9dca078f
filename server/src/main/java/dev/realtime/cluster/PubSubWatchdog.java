package dev.realtime.cluster;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSubBase;

/**
 * Keeps a Redis subscription honest. A subscribed Jedis connection reads with no timeout, so a
 * half-open one (Redis frozen, or gone behind a partition without a FIN) would leave its subscriber
 * waiting forever while the node believes it is connected. {@link #check} pings the subscription and,
 * after three intervals without a pong, disconnects it so the subscriber thread reconnects.
 *
 * <p>Threading: {@link #check} runs on one scheduled thread that may write to the subscription
 * (Jedis allows {@code ping} from another thread while subscribed) and owns {@code watched};
 * {@link #pong} runs on the subscriber thread. The only shared state is a volatile timestamp. Pass
 * {@code subscribed = true} only while the subscription is confirmed on that very connection (a
 * ping on a dead Jedis connection would silently open a new socket).
 */
public final class PubSubWatchdog {
    private static final Logger log = LoggerFactory.getLogger(PubSubWatchdog.class);

    private final String what;
    private final long everyMs;
    private volatile long lastPongNanos = System.nanoTime();
    /** The connection the last check saw (checker thread only): a new one starts a fresh count. */
    private Jedis watched;

    /**
     * @param what    names the subscription in the log
     * @param everyMs how often {@link #check} is called
     */
    public PubSubWatchdog(String what, long everyMs) {
        this.what = what;
        this.everyMs = everyMs;
    }

    public long everyMs() {
        return everyMs;
    }

    /** The subscription's {@code onPong}. */
    public void pong() {
        lastPongNanos = System.nanoTime();
    }

    /**
     * Pings {@code pubSub} on {@code connection}, or drops the connection when it stayed silent.
     *
     * @param connection the subscriber's current connection, null while it has none
     * @param subscribed whether the subscription is established
     * @return false when the connection was found silent and dropped
     */
    public boolean check(Jedis connection, JedisPubSubBase<?> pubSub, boolean subscribed) {
        if (connection == null || !subscribed) { // nothing to watch yet
            watched = null;
            pong();
            return true;
        }
        if (connection != watched) { // a new connection: count its silence from now, not from the old one's
            watched = connection;
            pong();
        }
        if (System.nanoTime() - lastPongNanos > TimeUnit.MILLISECONDS.toNanos(3 * everyMs)) {
            log.warn("{} silent for {} ms; reconnecting", what, 3 * everyMs);
            watched = null;
            pong();
            try {
                connection.disconnect();
            } catch (RuntimeException e) {
                // already broken
            }
            return false;
        }
        try {
            pubSub.ping();
        } catch (RuntimeException e) {
            // the subscriber thread sees the broken connection too
        }
        return true;
    }
}
