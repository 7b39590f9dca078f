package dev.realtime.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A real Redis server for tests: the {@code redis-server} binary (Debian package {@code redis-server},
 * installed by {@code .ci/run}) started on a free loopback port with persistence off. Can be stopped
 * and started again on the same port to test reconnects.
 */
public final class RedisServer implements AutoCloseable {
    private static final List<String> CANDIDATES = List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server");

    private final int port;
    private final Path dir;
    private Process process;

    private RedisServer(int port) throws IOException {
        this.port = port;
        this.dir = Files.createTempDirectory("redis-test");
    }

    /** Starts a server on a free port; fails with install instructions when the binary is missing. */
    public static RedisServer start() {
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            RedisServer r = new RedisServer(port);
            r.startProcess();
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** (Re)starts the process on the same port and waits until it answers PING. */
    /**
     * Waits (up to 20 s) until the nodes' presence in this server (prefix {@code rt:}) counts
     * {@code n} connections of {@code userId}: the trackers write on their own thread, after
     * {@code connected} reached the client.
     */
    public void awaitConnections(String userId, int n) {
        try (redis.clients.jedis.JedisPooled pool = new redis.clients.jedis.JedisPooled("127.0.0.1", port)) {
            dev.realtime.store.RedisPresenceStore store =
                    new dev.realtime.store.RedisPresenceStore(pool, java.time.Duration.ofMinutes(1));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (store.connectionCount(userId) != n) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(userId + " has " + store.connectionCount(userId) + " connections, not " + n);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    public void startProcess() throws IOException {
        String binary = CANDIDATES.stream().filter(p -> new File(p).canExecute()).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "redis-server not found: install it with `apt-get install -y redis-server` (.ci/run does)"));
        process = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Jedis j = new Jedis("127.0.0.1", port, 200)) {
                if ("PONG".equals(j.ping())) {
                    return;
                }
            } catch (RuntimeException notYet) {
                Thread.onSpinWait();
            }
        }
        throw new IllegalStateException("redis-server did not answer on port " + port);
    }

    /** Kills the process (as a crash would) and waits for it to be gone. */
    public void stopProcess() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Suspends the process (SIGSTOP): connections stay open but nothing answers, like a half-open peer. */
    public void freeze() {
        signal("STOP");
    }

    /** Resumes a frozen process (SIGCONT). */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            thaw(); // a frozen process ignores nothing but SIGKILL; thaw anyway for a clean exit
        }
        stopProcess();
    }
}
