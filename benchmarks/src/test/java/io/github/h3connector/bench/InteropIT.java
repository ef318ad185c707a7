package io.github.h3connector.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The interop matrix of {@code docs/INTEROP.md} in {@code mvn verify}: {@link InteropRunner}'s cases, driven by
 * ngtcp2's {@code gtlsclient}, against the demo and the Jetty 12.1.5 distribution with the module, each on Java 17 and
 * Java 25, every server in its own process. Every cell must be a pass, except the two things the engine cannot do (QUIC
 * v2, ECN), which must be exactly their "unsupported" outcome, so that a crash or a failure there is caught too.
 */
class InteropIT
{
    /** What the engine cannot do, as the runner words it; anything else in these cells is a regression. */
    private static final Map<String, String> UNSUPPORTED = Map.of(
        "quicv2", "unsupported: a v2 Initial gets VN offering 0x00000001 only",
        "ecn", "unsupported: client: \"path is not ECN capable\" (no ECN marks fed back)");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"demo-java17", "demo-java25", "jetty-java17", "jetty-java25"})
    // A hung server or client is stopped; each client run has its own 240 s bound in the runner.
    @Timeout(value = 20, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyCase(String target) throws Exception
    {
        require(onPath("gtlsclient"), "gtlsclient is not on the PATH: apt-get install ngtcp2-client (or run sudo ./test.sh)");
        int feature = target.endsWith("java25") ? 25 : 17;
        String property = "interop.java" + feature;
        Path configured = Path.of(System.getProperty(property, feature == 25 ? "/usr/lib/jvm/temurin-25-jdk-amd64" : "/usr/lib/jvm/java-17-openjdk-amd64"));
        Optional<Path> jdk = jdk(feature, configured);
        require(jdk.isPresent(), "no Java " + feature + " JDK at " + configured + " nor under /usr/lib/jvm: " +
            (feature == 25 ? "install Temurin 25 (temurin-25-jdk, Adoptium's apt repository)" : "apt-get install openjdk-17-jdk-headless") +
            " or set -D" + property + "=<JDK home>");

        List<InteropRunner.TargetResult> results = InteropRunner.runTargets(
            "--java" + feature, jdk.get().toString(),
            "--demo-jar", file("interop.demoJar").toString(),
            "--jetty-home", file("interop.jettyHome").toString(),
            "--module-zip", file("interop.moduleZip").toString(),
            "--large-mib", System.getProperty("interop.largeMib", "64"),
            "--logs", System.getProperty("interop.logs", "target/interop-it"),
            "--only", target);
        assertEquals(1, results.size(), "targets run for " + target);
        InteropRunner.TargetResult result = results.get(0);
        assertEquals(target, result.id());

        List<Executable> checks = new ArrayList<>();
        for (String name : InteropRunner.CASES)
        {
            InteropRunner.Cell cell = result.cells().get(name);
            String where = result.label() + ", case " + name + ": \"" + cell.text() + "\"; client log: " +
                (cell.clientLog() == null ? "none (no gtlsclient run)" : cell.clientLog()) + "; server log: " + cell.serverLog();
            String unsupported = UNSUPPORTED.get(name);
            if (unsupported != null)
                checks.add(() -> assertEquals(unsupported, cell.text(), where));
            else
                checks.add(() -> assertEquals("pass", cell.verdict(), where));
        }
        assertAll(result.label(), checks);
    }

    private static Path file(String property)
    {
        String value = System.getProperty(property);
        if (value == null || !Files.isRegularFile(Path.of(value)))
            fail("-D" + property + " names no file (" + value + "): run InteropIT through mvn verify, which copies it into benchmarks/target/interop-it");
        return Path.of(value);
    }

    /** The JDK of that feature release at {@code configured}, else the first under /usr/lib/jvm whose release file says so. */
    static Optional<Path> jdk(int feature, Path configured) throws IOException
    {
        if (isJdk(configured, feature))
            return Optional.of(configured);
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms))
            return Optional.empty();
        try (Stream<Path> homes = Files.list(jvms))
        {
            return homes.sorted().filter(home -> isJdk(home, feature)).findFirst();
        }
    }

    private static boolean isJdk(Path home, int feature)
    {
        Path release = home.resolve("release");
        if (!Files.isExecutable(home.resolve("bin/java")) || !Files.isExecutable(home.resolve("bin/keytool")) || !Files.isRegularFile(release))
            return false;
        try
        {
            return Files.readAllLines(release).stream()
                .anyMatch(line -> line.equals("JAVA_VERSION=\"" + feature + "\"") || line.startsWith("JAVA_VERSION=\"" + feature + "."));
        }
        catch (IOException x)
        {
            return false;
        }
    }

    private static boolean onPath(String command)
    {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(":")).anyMatch(directory -> !directory.isEmpty() && Files.isExecutable(Path.of(directory, command)));
    }

    /** The project's rule for outside tools: a failure under CI=true, else a skip with a one-line message naming the fix. */
    private static void require(boolean present, String message)
    {
        if (present)
            return;
        if ("true".equalsIgnoreCase(System.getenv("CI")))
            fail("CI=true but " + message);
        assumeTrue(false, message);
    }
}
