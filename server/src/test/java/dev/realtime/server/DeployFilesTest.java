package dev.realtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files ship no known secret and expose nothing beyond this machine by default, and
 * {@code deploy/gen-env.sh} makes the secrets they require. (No Docker engine runs here: the files are
 * checked as text, the script for real.)
 */
class DeployFilesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void composeRequiresTheSecretsAndHasNoDefaults() throws Exception {
        String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
        for (String secret : List.of("JWT_SECRET", "INTERNAL_API_KEY")) {
            Matcher m = Pattern.compile("\\b" + secret + ": (.*)").matcher(compose);
            assertTrue(m.find(), secret);
            assertTrue(m.group(1).startsWith("${" + secret + ":?"), secret + " must be required: " + m.group(1));
        }
        assertFalse(compose.contains("change-me"), "no default secret values");
    }

    @Test
    void publishedPortsAreLoopbackByDefault() throws Exception {
        String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
        Matcher ports = Pattern.compile("ports:\\s*\\n((?:\\s+- .*\\n)+)").matcher(compose);
        int seen = 0;
        while (ports.find()) {
            for (String line : ports.group(1).split("\n")) {
                assertTrue(line.contains("\"${BIND_ADDRESS:-127.0.0.1}:"), "published on loopback: " + line);
                seen++;
            }
        }
        assertEquals(4, seen, "nginx and prometheus publish a port each, and the cluster profile's two gateways");
    }

    @Test
    void theDeployGuideShowsNoKnownSecret() throws Exception {
        String guide = Files.readString(ROOT.resolve("deploy/README.md"));
        assertFalse(guide.contains("change-me"), "no default secret in the guide");
        assertTrue(guide.contains("deploy/gen-env.sh"));
    }

    @Test
    void genEnvWritesRandomSecretsOnceAndKeepsThem(@TempDir Path dir) throws Exception {
        Path env = dir.resolve(".env");
        run(env);
        String first = Files.readString(env);
        Matcher jwt = Pattern.compile("(?m)^JWT_SECRET=([A-Za-z0-9]{48})$").matcher(first);
        Matcher key = Pattern.compile("(?m)^INTERNAL_API_KEY=([A-Za-z0-9]{48})$").matcher(first);
        assertTrue(jwt.find(), first);
        assertTrue(key.find(), first);
        assertFalse(jwt.group(1).equals(key.group(1)));
        run(env);
        assertEquals(first, Files.readString(env), "a second run changes nothing");
        Files.writeString(env, "JWT_SECRET=mine-mine-mine-mine-mine\n");
        run(env);
        String completed = Files.readString(env);
        assertTrue(completed.startsWith("JWT_SECRET=mine-mine-mine-mine-mine\nINTERNAL_API_KEY="), completed);
    }

    private static void run(Path env) throws Exception {
        Process p = new ProcessBuilder("bash", ROOT.resolve("deploy/gen-env.sh").toString(), env.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.contains(Files.readString(env).split("\n")[0].split("=", 2)[1]), "the script prints no secret");
    }
}
