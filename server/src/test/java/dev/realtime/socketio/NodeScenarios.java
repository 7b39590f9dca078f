package dev.realtime.socketio;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one scenario of {@code src/test/node/scenarios.js} (the real socket.io-client 4.8, installed
 * by {@code .ci/run} with {@code npm ci --prefix server/src/test/node}) and returns its output, or
 * throws with it. Fails, never skips, when Node.js or the npm modules are missing.
 */
final class NodeScenarios {
    static final File DIR = new File("src/test/node");

    private NodeScenarios() {
    }

    static String run(String scenario, Map<String, String> env) {
        ensureInstalled();
        ProcessBuilder pb = new ProcessBuilder(node(), "scenarios.js", scenario).directory(DIR).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes(); // ends when the script exits (its waits are bounded)
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("scenario " + scenario + " did not end:\n" + new String(out, StandardCharsets.UTF_8));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError("scenario " + scenario + " failed (exit " + p.exitValue() + "):\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new AssertionError("cannot run node: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Installs the locked socket.io-client with {@code npm ci} the first time it is missing, so
     * {@code mvn verify} alone works on a fresh clone (.ci/run installs it beforehand too).
     */
    private static synchronized void ensureInstalled() {
        File modules = new File(DIR, "node_modules/socket.io-client/package.json");
        if (modules.isFile()) {
            return;
        }
        String npm = new File(new File(node()).getParentFile(), "npm").getPath();
        ProcessBuilder pb = new ProcessBuilder(new File(npm).canExecute() ? npm : "npm", "ci", "--no-audit", "--no-fund")
                .directory(DIR).redirectErrorStream(true);
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0 || !modules.isFile()) {
                p.destroyForcibly();
                throw new AssertionError("socket.io-client could not be installed in " + DIR.getAbsolutePath()
                        + " (`npm ci --prefix server/src/test/node`):\n" + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run npm to install socket.io-client: " + e.getMessage()
                    + " (install Node.js 18+ with npm; .ci/run does)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String node() {
        for (String candidate : List.of("/usr/bin/node", "/usr/local/bin/node")) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                File f = new File(dir, "node");
                if (f.canExecute()) {
                    return f.getPath();
                }
            }
        }
        throw new AssertionError("Node.js not found: install Node.js 18+ (`apt-get install -y nodejs npm`; .ci/run does)");
    }
}
