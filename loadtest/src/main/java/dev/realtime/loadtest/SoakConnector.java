package dev.realtime.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Opens the soak's WebSocket connections ({@code rt.json.v1}, bearer token) to any node of
 * {@code --url} on a few shared event loops. Thread-safe: connect from any thread.
 */
final class SoakConnector implements AutoCloseable {
    private final List<URI> urls;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final SslContext ssl;

    SoakConnector(List<URI> urls, int threads) {
        this.urls = urls;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("soak", true), io);
        this.bootstrap = new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
        boolean tls = urls.stream().anyMatch(u -> "wss".equals(u.getScheme()));
        try {
            this.ssl = tls ? SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build() : null;
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Connects {@code client} to node {@code node} as the token's user; {@code client.ready} tells the outcome. */
    void connect(SoakClient client, int node, String token) {
        connect(client, node, token, 0);
    }

    /** As {@link #connect(SoakClient, int, String)}, with a socket receive buffer of {@code receiveBuffer} bytes (0: default). */
    void connect(SoakClient client, int node, String token, int receiveBuffer) {
        URI url = urls.get(node);
        boolean tls = "wss".equals(url.getScheme());
        int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(url).subprotocol("rt.json.v1")
                .customHeaders(new DefaultHttpHeaders().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token))
                .maxFramePayloadLength(16 * 1024 * 1024).handshakeTimeoutMillis(30_000)
                .dropPongFrames(true).handleCloseFrames(false).build();
        Bootstrap b = bootstrap.clone();
        if (receiveBuffer > 0) {
            b.option(ChannelOption.SO_RCVBUF, receiveBuffer);
        }
        b.handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (tls) {
                    ch.pipeline().addLast(ssl.newHandler(ch.alloc(), url.getHost(), port));
                }
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                        new WebSocketClientProtocolHandler(config), client);
            }
        }).connect(url.getHost(), port).addListener(f -> {
            if (!f.isSuccess()) {
                client.ready.completeExceptionally(f.cause());
            }
        });
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
