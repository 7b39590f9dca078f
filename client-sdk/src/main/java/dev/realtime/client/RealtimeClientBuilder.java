package dev.realtime.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;

/**
 * Configures and builds a {@link RealtimeClient}. Obtain one with {@link RealtimeClient#builder()}.
 * Not thread-safe: a builder is mutable and meant to be used by one thread, then discarded.
 *
 * <p>Only the server URI is required. Defaults: no token (anonymous), {@link CodecType#JSON},
 * connect timeout 10 s, request timeout 10 s, {@link ReconnectPolicy#defaults()}, an own event loop
 * thread, an {@code ObjectMapper} that ignores unknown properties, 16 MiB maximum inbound message.
 */
public final class RealtimeClientBuilder {
    private URI uri;
    private String token;
    private Supplier<String> tokenSupplier;
    private Executor tokenExecutor = ForkJoinPool.commonPool();
    private CodecType codec = CodecType.JSON;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private int rejoinRate = 50;
    private Duration closeTimeout = Duration.ofSeconds(2);
    private ReconnectPolicy reconnect = ReconnectPolicy.defaults();
    private EventLoopGroup group;
    private Class<? extends Channel> channelType = NioSocketChannel.class;
    private ObjectMapper mapper;
    private SslContext sslContext;
    private int maxMessageBytes = 16 * 1024 * 1024;

    RealtimeClientBuilder() {
    }

    /** The WebSocket endpoint, e.g. {@code ws://localhost:8080/ws} or {@code wss://rt.example.com/ws}. */
    public RealtimeClientBuilder uri(String uri) {
        return uri(URI.create(uri));
    }

    /** The WebSocket endpoint ({@code ws://} or {@code wss://}). */
    public RealtimeClientBuilder uri(URI uri) {
        this.uri = Objects.requireNonNull(uri, "uri");
        return this;
    }

    /** A fixed token, sent as {@code Authorization: Bearer} on every upgrade. Replaces a supplier. */
    public RealtimeClientBuilder token(String token) {
        this.token = Objects.requireNonNull(token, "token");
        this.tokenSupplier = null;
        return this;
    }

    /**
     * A token supplier, asked for a fresh token before every connection attempt and when the server
     * announces {@code auth:expiring}. It runs on the token executor (by default
     * {@link ForkJoinPool#commonPool()}), never on the event loop, so it may block briefly. Replaces a
     * fixed token.
     */
    public RealtimeClientBuilder tokenSupplier(Supplier<String> supplier) {
        this.tokenSupplier = Objects.requireNonNull(supplier, "supplier");
        this.token = null;
        return this;
    }

    /** Where the token supplier runs. */
    public RealtimeClientBuilder tokenExecutor(Executor executor) {
        this.tokenExecutor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** The wire format (default {@link CodecType#JSON}). */
    public RealtimeClientBuilder codec(CodecType codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        return this;
    }

    /** Limit for one attempt: TCP connect, upgrade and the server's {@code connected} message. */
    public RealtimeClientBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = positive(timeout, "connectTimeout");
        return this;
    }

    /** How long a request ({@code join}, {@code emit}, ...) waits for its reply before failing with {@code timeout}. */
    public RealtimeClientBuilder requestTimeout(Duration timeout) {
        this.requestTimeout = positive(timeout, "requestTimeout");
        return this;
    }

    /** How long {@code close()} waits for the server to answer the close frame before dropping the connection. */
    public RealtimeClientBuilder closeTimeout(Duration timeout) {
        this.closeTimeout = positive(timeout, "closeTimeout");
        return this;
    }

    /** Retry behaviour after failed attempts and lost connections. */
    public RealtimeClientBuilder reconnectPolicy(ReconnectPolicy policy) {
        this.reconnect = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * A shared NIO event loop group. The client picks one loop of it for all its state and never
     * shuts the group down. Without this the client owns a one-thread group and stops it on close.
     */
    public RealtimeClientBuilder eventLoopGroup(EventLoopGroup group) {
        return eventLoopGroup(group, NioSocketChannel.class);
    }

    /** A shared event loop group of another transport, with the matching socket channel class. */
    public RealtimeClientBuilder eventLoopGroup(EventLoopGroup group, Class<? extends Channel> channelType) {
        this.group = Objects.requireNonNull(group, "group");
        this.channelType = Objects.requireNonNull(channelType, "channelType");
        return this;
    }

    /** The Jackson mapper for {@code data} arguments, replies and typed handlers. */
    public RealtimeClientBuilder objectMapper(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        return this;
    }

    /** TLS settings for {@code wss://} (default: the JDK trust store, hostname verification on). */
    public RealtimeClientBuilder sslContext(SslContext sslContext) {
        this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
        return this;
    }

    /** Largest inbound message accepted (after reassembling fragments). */
    public RealtimeClientBuilder maxMessageBytes(int bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes must be at least 1024");
        }
        this.maxMessageBytes = bytes;
        return this;
    }

    /**
     * Rooms rejoined per second at most after a reconnect (default 50, as many in a first burst):
     * below the server's default message rate limit (100 per second), so that a client in many rooms
     * is not refused. A rejoin refused anyway with {@code rate_limited} is retried after the server's
     * {@code retryAfterMs}, at a lower rate.
     */
    public RealtimeClientBuilder rejoinRate(int roomsPerSecond) {
        if (roomsPerSecond < 1) {
            throw new IllegalArgumentException("rejoinRate must be at least 1");
        }
        this.rejoinRate = roomsPerSecond;
        return this;
    }

    /** Builds the client. It does not connect until {@link RealtimeClient#connect()}. */
    public RealtimeClient build() {
        if (uri == null) {
            throw new IllegalStateException("uri is required");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
            throw new IllegalArgumentException("uri must start with ws:// or wss://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("uri has no host");
        }
        boolean tls = scheme.equals("wss");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        TokenSource tokens = tokenSupplier != null ? TokenSource.supplied(tokenSupplier, tokenExecutor)
                : TokenSource.fixed(token);
        ClientConfig config = new ClientConfig(uri, uri.getHost(), port, tls, sslContext, tokens, codec,
                connectTimeout, requestTimeout, reconnect, group, channelType,
                mapper != null ? mapper : defaultMapper(), maxMessageBytes, closeTimeout, rejoinRate);
        return new RealtimeClient(config);
    }

    /** A plain mapper that ignores unknown properties: servers may add fields to any payload. */
    private static ObjectMapper defaultMapper() {
        return new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return d;
    }
}
