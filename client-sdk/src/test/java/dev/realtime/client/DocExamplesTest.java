package dev.realtime.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.client.examples.QuickStart;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code in docs/client-sdk.md is what the build compiles and what a user runs: every example shown
 * there is byte for byte its source file, each compiles as written (javac on the page's text), and
 * the quick start works against a real node.
 */
class DocExamplesTest {
    private static final Path DOC = Path.of("..", "docs", "client-sdk.md");
    private static final Path EXAMPLES = Path.of("src", "test", "java", "dev", "realtime", "client", "examples");
    private static final Pattern BLOCK = Pattern.compile("(?m)^```java\\n(package dev\\.realtime\\.client\\.examples;\\n.*?)^```$",
            Pattern.DOTALL);

    private static List<String> exampleBlocks() throws Exception {
        List<String> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(DOC));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String className(String source) {
        Matcher m = Pattern.compile("public final class (\\w+)").matcher(source);
        assertTrue(m.find(), source);
        return m.group(1);
    }

    @Test
    void theExamplesOnThePageAreTheirSourceFiles() throws Exception {
        List<String> blocks = exampleBlocks();
        assertEquals(List.of("QuickStart", "QuizGameClient", "NotificationListener"),
                blocks.stream().map(DocExamplesTest::className).toList());
        for (String block : blocks) {
            String name = className(block);
            assertEquals(Files.readString(EXAMPLES.resolve(name + ".java")), block, name + " on the page differs from its source");
        }
    }

    @Test
    void theExamplesCompileAsWrittenOnThePage(@TempDir Path out) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<JavaFileObject> units = new ArrayList<>();
        for (String block : exampleBlocks()) {
            String name = className(block);
            units.add(new SimpleJavaFileObject(java.net.URI.create("string:///dev/realtime/client/examples/" + name + ".java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return block;
                }
            });
        }
        StringWriter errors = new StringWriter();
        boolean ok = javac.getTask(errors, null, null, List.of("-d", out.toString(), "-classpath",
                System.getProperty("java.class.path"), "--release", "17"), null, units).call();
        assertTrue(ok, errors.toString());
    }

    @Test
    void theQuickStartRunsAgainstANode() throws Exception {
        try (GatewayFixture node = GatewayFixture.start()) {
            PrintStream original = System.out;
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            try {
                QuickStart.main(new String[] {node.wsUri(), GatewayFixture.token("alice")});
            } finally {
                System.setOut(original);
            }
            String text = printed.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("alice: hi"), text);
            assertTrue(text.contains("my rooms: [\"user:alice\",\"global\",\"game-lobby-1\"]"), text);
        }
    }
}
