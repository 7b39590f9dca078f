package dev.realtime.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import javax.net.ssl.SSLException;

/**
 * Opens and holds many WebSocket connections on a few event loops (never a thread per connection),
 * at a target rate or as fast as possible with a bounded number of handshakes in flight, spreading
 * source addresses over 127.0.0.x when asked. Each connection goes to the node
 * {@link LoadConnection#node} of {@code --url}'s list (always node 0 with one URL). Owner thread:
 * the scenario's main thread.
 */
final class Fleet implements AutoCloseable {
    private static final int MAX_IN_FLIGHT = 2000;

    private final Options options;
    private final ProtocolAdapter adapter;
    private final Stats stats;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final InetSocketAddress[] servers;
    private final SslContext ssl;
    final List<LoadConnection> connections = new ArrayList<>();

    Fleet(Options options, ProtocolAdapter adapter, Stats stats) {
        this.options = options;
        this.adapter = adapter;
        this.stats = stats;
        // -Dharness.transport=io_uring|epoll|nio (default epoll where available): the harness's own sockets.
        String transport = System.getProperty("harness.transport", "epoll");
        boolean uring = transport.equals("io_uring") && IoUring.isAvailable();
        boolean epoll = !uring && !transport.equals("nio") && Epoll.isAvailable();
        IoHandlerFactory io = uring ? IoUringIoHandler.newFactory()
                : epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(options.threads(), new DefaultThreadFactory("load", true), io);
        this.bootstrap = new Bootstrap().group(group)
                .channel(uring ? IoUringSocketChannel.class
                        : epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000);
        if (epoll && options.sourceAddresses() > 1) {
            // Pick the local port at connect() time (4-tuple unique) instead of at bind(): bind()
            // draws from half the ephemeral range and slows to a crawl as it fills.
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        List<URI> urls = options.urls();
        this.servers = new InetSocketAddress[urls.size()];
        boolean anyTls = false;
        for (int n = 0; n < servers.length; n++) {
            URI url = urls.get(n);
            boolean tls = "wss".equals(url.getScheme());
            int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
            servers[n] = new InetSocketAddress(url.getHost(), port);
            anyTls |= tls;
        }
        this.ssl = anyTls ? insecureSsl() : null;
    }

    private static SslContext insecureSsl() {
        try {
            return SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Opens {@code count} connections; {@code factory} builds connection {@code i}'s handler.
     * Returns when every connection is ready or failed, or after {@code timeoutSeconds}.
     */
    void open(int count, IntFunction<LoadConnection> factory, int timeoutSeconds) throws InterruptedException {
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        double ramp = options.ramp();
        long start;
        long deadline;
        List<CompletableFuture<LoadConnection>> all = new ArrayList<>(count);
        // Sign every token first so the timed part measures the server, not our HMAC.
        String[] tokens = new String[count];
        com.auth0.jwt.algorithms.Algorithm hs256 = com.auth0.jwt.algorithms.Algorithm.HMAC256(options.secret());
        for (int i = 0; i < count; i++) {
            tokens[i] = Tokens.sign(hs256, "load-" + i);
        }
        start = System.nanoTime();
        deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        for (int i = 0; i < count; i++) {
            if (ramp > 0) {
                long due = start + (long) (i * 1e9 / ramp);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(wait, 50_000_000));
                }
            }
            if (!inFlight.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                stats.error("open_timeout");
                break;
            }
            LoadConnection conn = factory.apply(i);
            connections.add(conn);
            conn.ready.whenComplete((c, e) -> inFlight.release());
            all.add(conn.ready);
            connect(conn, i, tokens[i]);
        }
        CompletableFuture<Void> done = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
        try {
            done.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException ignored) {
            // individual failures are counted by the connections
        } catch (java.util.concurrent.TimeoutException e) {
            long stuck = all.stream().filter(f -> !f.isDone()).count();
            stats.error("not_ready_in_time");
            System.err.println(stuck + " connections not ready after " + timeoutSeconds + " s");
        }
    }

    private void connect(LoadConnection conn, int i, String token) {
        URI base = options.urls().get(conn.node);
        InetSocketAddress server = servers[conn.node];
        boolean tls = "wss".equals(base.getScheme());
        URI uri = adapter.handshakeUri(base, token);
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (tls) {
                    ch.pipeline().addLast(ssl.newHandler(ch.alloc(), server.getHostString(), server.getPort()));
                }
                // One lean handler does the upgrade and the frames (no per-frame objects), then the connection.
                ch.pipeline().addLast(new RawWebSocket(uri.getHost(), server.getPort(), target, adapter.subprotocol(),
                        adapter.handshakeHeaders(token), conn, 30_000), conn);
            }
        });
        var future = options.sourceAddresses() > 1
                ? b.connect(server, new InetSocketAddress("127.0.0." + (1 + i % options.sourceAddresses()), 0))
                : b.connect(server);
        future.addListener(f -> {
            if (!f.isSuccess()) {
                stats.error("connect_" + f.cause().getClass().getSimpleName());
                conn.fail("connect failed");
            }
        });
    }

    /** Connections that became ready. */
    List<LoadConnection> ready() {
        return connections.stream().filter(c -> c.ready.isDone() && !c.ready.isCompletedExceptionally()).toList();
    }

    @Override
    public void close() {
        for (LoadConnection c : connections) {
            Channel ch = c.channel();
            if (ch != null) {
                ch.close();
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
