package dev.realtime.client;

import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.protocol.MessageCodec;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * Opens one connection: a Netty {@link Bootstrap} on the client's own event loop with the pipeline
 * {@code [tls] -> HttpClientCodec -> HttpObjectAggregator -> WsClientHandler}; after the upgrade
 * Netty's handshaker swaps the HTTP codec for the WebSocket frame codec and the handler adds a
 * frame aggregator. Immutable and reused for every attempt; used on the client's loop.
 */
final class Connector {
    /** Room for the server's HTTP refusal (a short JSON body). */
    private static final int MAX_UPGRADE_RESPONSE = 64 * 1024;

    private final ClientConfig config;
    private final EventLoop loop;
    private final SslContext ssl;
    private final MessageCodec json = new JsonCodec();
    private final MessageCodec binary = new BinaryCodec();
    private final AtomicLong malformed;

    Connector(ClientConfig config, EventLoop loop, AtomicLong malformed) {
        this.config = config;
        this.loop = loop;
        this.malformed = malformed;
        this.ssl = config.tls() ? (config.sslContext() != null ? config.sslContext() : defaultSsl()) : null;
    }

    /**
     * Starts connecting {@code conn}; {@code token} (may be null) goes in the {@code Authorization}
     * header only. The attempt fails with {@code timeout} unless {@code connected} arrives within the
     * connect timeout; {@link ConnectionEvents#closed} reports the end of the channel, however it ends.
     */
    void open(Connection conn, String token, ConnectionEvents events) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (token != null) {
            headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
        }
        WebSocketClientHandshaker handshaker = new Handshaker(config.uri(), config.codec().subprotocol(), headers,
                config.maxMessageBytes());
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(config.channelType())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (ssl != null) {
                            p.addLast("tls", ssl.newHandler(ch.alloc(), config.host(), config.port()));
                        }
                        p.addLast("http", new HttpClientCodec());
                        p.addLast("http-aggregator", new HttpObjectAggregator(MAX_UPGRADE_RESPONSE));
                        p.addLast(WsClientHandler.NAME, new WsClientHandler(conn, handshaker, events,
                                new FrameDecoder(json, binary, malformed, config.address()), config.maxMessageBytes()));
                    }
                });
        ChannelFuture connecting = b.connect(config.host(), config.port());
        conn.channel = connecting.channel();
        long timeout = config.connectTimeout().toMillis();
        conn.timer = loop.schedule(() -> {
            if (!conn.live) {
                conn.fail(new RealtimeException(RealtimeException.TIMEOUT, "no connected message within " + timeout + " ms"));
            }
        }, timeout, TimeUnit.MILLISECONDS);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                connectFailed(conn, f.cause());
            }
        });
        conn.channel.closeFuture().addListener(f -> {
            // A refused connect may close the channel before its promise's listeners run.
            if (!connecting.isSuccess()) {
                connectFailed(conn, connecting.cause());
            }
            events.closed(conn);
        });
    }

    private void connectFailed(Connection conn, Throwable cause) {
        String why = cause != null ? cause.getMessage() : "closed before the TCP connection was made";
        conn.fail(new RealtimeException(RealtimeException.CONNECT_FAILED,
                "cannot connect to " + config.address() + ": " + why, null, cause));
    }

    /**
     * Netty's RFC 6455 client handshaker, except that its frame decoder reports protocol violations
     * (oversized or corrupt frames) without closing the connection itself, so that
     * {@link WsClientHandler} sends the close frame and records its code (e.g. 1009). Immutable after
     * the handshake, used on the client's loop.
     */
    private static final class Handshaker extends WebSocketClientHandshaker13 {
        Handshaker(URI uri, String subprotocol, HttpHeaders headers, int maxFramePayloadLength) {
            super(uri, WebSocketVersion.V13, subprotocol, false, headers, maxFramePayloadLength, true, false, 10_000L);
        }

        @Override
        protected WebSocketFrameDecoder newWebsocketDecoder() {
            return new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                    .expectMaskedFrames(false)
                    .allowExtensions(false)
                    .allowMaskMismatch(false)
                    .maxFramePayloadLength(maxFramePayloadLength())
                    .closeOnProtocolViolation(false)
                    .build());
        }
    }

    private static SslContext defaultSsl() {
        try {
            return SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot create the default TLS context: " + e.getMessage(), e);
        }
    }
}
