package io.github.h3connector.jetty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The one rule for tests that need something outside the JVM (a client binary, IPv6 loopback): with {@code CI=true}
 * a missing tool fails the test, because CI installs everything; otherwise the test is skipped with a one-line message
 * that names the Debian package (or the command) that provides it. {@code sudo ./test.sh} installs and sets up all of it.
 */
public final class ExternalTools
{
    private ExternalTools()
    {
    }

    static boolean isCi()
    {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Requires the executable {@code path}, provided by the Debian package {@code debianPackage}. */
    public static void requireExecutable(Path path, String debianPackage)
    {
        require(Files.isExecutable(path), path + " is missing", "apt-get install " + debianPackage);
    }

    /** Requires {@code command} on the PATH, provided by the Debian package {@code debianPackage}. */
    public static void requireCommand(String command, String debianPackage)
    {
        String path = System.getenv("PATH");
        boolean found = path != null && Arrays.stream(path.split(":"))
            .anyMatch(directory -> !directory.isEmpty() && Files.isExecutable(Path.of(directory, command)));
        require(found, command + " is not on the PATH", "apt-get install " + debianPackage);
    }

    /** Requires {@code present}; otherwise fails (CI) or skips with "{@code missing}: {@code fix} (or sudo ./test.sh)". */
    public static void require(boolean present, String missing, String fix)
    {
        if (present)
            return;
        String message = missing + ": " + fix + " (or run sudo ./test.sh)";
        if (isCi())
            fail("CI=true but " + message);
        assumeTrue(false, message);
    }
}
