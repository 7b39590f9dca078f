package dev.realtime.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.time.Duration;

/**
 * Everything a {@link RealtimeClient} was built with, validated by {@link RealtimeClientBuilder}.
 * Immutable (the group, mapper and SSL context are shared, thread-safe objects).
 *
 * @param group a shared event loop group, or null when the client creates (and owns) its own
 * @param rejoinRate rooms rejoined per second at most after a reconnect ({@link RejoinPacer})
 */
record ClientConfig(URI uri, String host, int port, boolean tls, SslContext sslContext, TokenSource tokens,
                    CodecType codec, Duration connectTimeout, Duration requestTimeout, ReconnectPolicy reconnect,
                    EventLoopGroup group, Class<? extends Channel> channelType, ObjectMapper mapper,
                    int maxMessageBytes, Duration closeTimeout, int rejoinRate) {

    /** {@code host:port} for messages (never contains the token, which travels in a header). */
    String address() {
        return host + ":" + port;
    }
}
