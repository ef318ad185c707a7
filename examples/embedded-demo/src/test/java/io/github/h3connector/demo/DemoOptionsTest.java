package io.github.h3connector.demo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.github.h3connector.jetty.AltSvcFrameMode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoOptionsTest
{
    @Test
    void defaults()
    {
        DemoOptions options = DemoOptions.parse();
        assertEquals(8443, options.port());
        assertNull(options.keyStore());
        assertNull(options.keyStorePassword());
        assertNull(options.host());
        assertFalse(options.help());
    }

    @Test
    void port()
    {
        assertEquals(9443, DemoOptions.parse("--port", "9443").port());
        assertEquals(1, DemoOptions.parse("--port=1").port());
        assertEquals(65535, DemoOptions.parse("--port", "65535").port());
    }

    @Test
    void keyStore() throws Exception
    {
        Path keyStore = DemoServerTest.keyStore();
        DemoOptions options = DemoOptions.parse("--keystore", keyStore.toString(), "--keystore-password", "secret");
        assertEquals(keyStore, options.keyStore());
        assertEquals("secret", options.keyStorePassword());
    }

    @Test
    void badPorts()
    {
        for (String bad : new String[]{"abc", "0", "65536", "-1", "", "8443x", "99999999999"})
            assertEquals("--port must be 1..65535, got " + bad, error("--port", bad), bad);
        assertEquals("--port must be 1..65535, got x", error("--port=x"));
        assertEquals("--port needs a value", error("--port"));
    }

    @Test
    void quicSwitches()
    {
        DemoOptions defaults = DemoOptions.parse();
        assertEquals(false, defaults.earlyData());
        assertEquals(null, defaults.retry());
        assertEquals(null, defaults.idleTimeout());
        io.github.h3connector.jetty.H3Options connector = defaults.applyTo(io.github.h3connector.jetty.H3Options.builder()).build();
        assertEquals(false, connector.earlyData());

        DemoOptions set = DemoOptions.parse("--early-data", "--retry=always", "--idle-timeout", "5", "--port", "9443");
        assertEquals(true, set.earlyData());
        assertEquals(io.github.h3connector.jetty.RetryPolicy.ALWAYS, set.retry());
        assertEquals(java.time.Duration.ofSeconds(5), set.idleTimeout());
        assertEquals(9443, set.port());
        connector = set.applyTo(io.github.h3connector.jetty.H3Options.builder()).build();
        assertEquals(true, connector.earlyData());
        assertEquals(io.github.h3connector.jetty.RetryPolicy.ALWAYS, connector.retry());
        assertEquals(java.time.Duration.ofSeconds(5), connector.idleTimeout());

        assertEquals("--retry must be always, under_load or never, got sometimes", error("--retry=sometimes"));
        assertEquals("--idle-timeout must be 1..3600 seconds, got 0", error("--idle-timeout=0"));
        assertEquals("--early-data takes no value, got --early-data=yes", error("--early-data=yes"));
    }

    @Test
    void altSvcFrame()
    {
        assertEquals(AltSvcFrameMode.OFF, DemoOptions.parse().altSvcFrame());
        assertEquals(AltSvcFrameMode.CONNECTION, DemoOptions.parse("--altsvc-frame").altSvcFrame());
        // A flag: the next argument stays an option of its own.
        DemoOptions flagThenPort = DemoOptions.parse("--altsvc-frame", "--port", "9443");
        assertEquals(AltSvcFrameMode.CONNECTION, flagThenPort.altSvcFrame());
        assertEquals(9443, flagThenPort.port());
        assertEquals(AltSvcFrameMode.CONNECTION_AND_STREAMS, DemoOptions.parse("--altsvc-frame=connection_and_streams").altSvcFrame());
        assertEquals(AltSvcFrameMode.OFF, DemoOptions.parse("--altsvc-frame=off").altSvcFrame());
        assertEquals("--altsvc-frame must be off, connection or connection_and_streams, got yes", error("--altsvc-frame=yes"));
    }

    @Test
    void unknownOption()
    {
        assertEquals("unknown option --bogus (options: --port N, --keystore FILE, --keystore-password P, --altsvc-frame[=MODE], --early-data, --retry=POLICY, --idle-timeout=SECONDS)", error("--bogus"));
        assertEquals("unknown option -p (options: --port N, --keystore FILE, --keystore-password P, --altsvc-frame[=MODE], --early-data, --retry=POLICY, --idle-timeout=SECONDS)", error("-p", "8443"));
        assertEquals("unexpected argument 8443 (options: --port N, --keystore FILE, --keystore-password P, --altsvc-frame[=MODE], --early-data, --retry=POLICY, --idle-timeout=SECONDS)", error("8443"));
    }

    @Test
    void keyStoreErrors() throws Exception
    {
        Path missing = Path.of("target", "no-such-keystore.p12");
        assertEquals("--keystore file not found: " + missing.toAbsolutePath(), error("--keystore", missing.toString(), "--keystore-password", "x"));
        assertEquals("--keystore needs --keystore-password", error("--keystore", DemoServerTest.keyStore().toString()));
        assertEquals("--keystore-password needs --keystore", error("--keystore-password", "x"));
        assertEquals("--keystore needs a value", error("--keystore"));
    }

    @Test
    void runExitsWith2AndOneLineOnBadArguments()
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DemoServer.run(new String[]{"--port", "70000"}, print(out), print(err));
        assertEquals(2, code);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertEquals("embedded-demo: --port must be 1..65535, got 70000\n" + DemoOptions.USAGE + "\n",
            err.toString(StandardCharsets.UTF_8).replace("\r\n", "\n"));
    }

    @Test
    void help()
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, DemoServer.run(new String[]{"--help"}, print(out), print(new ByteArrayOutputStream())));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith(DemoOptions.USAGE));
    }

    @Test
    void chromiumCommandForcesQuicOnlyOnAnUnusedPort()
    {
        String command = DemoServer.chromiumCommand(8443, "SPKI=");
        assertTrue(command.startsWith("chromium --user-data-dir=\"$(mktemp -d)\" "), command);
        assertTrue(command.contains(" --ignore-certificate-errors-spki-list=SPKI= "), command);
        assertTrue(command.contains(" --origin-to-force-quic-on=localhost:1 "), command);
        assertTrue(command.endsWith(" https://localhost:8443/"), command);
        assertTrue(DemoServer.chromiumCommand(1, "S").contains("--origin-to-force-quic-on=localhost:2 "));
    }

    private static String error(String... args)
    {
        return assertThrows(DemoOptions.UsageException.class, () -> DemoOptions.parse(args)).getMessage();
    }

    static PrintStream print(ByteArrayOutputStream bytes)
    {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
