package io.github.h3connector.jetty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.h3connector.jetty.module.H3ModuleSupport;
import io.github.h3connector.servlet.AltSvcFilter;
import jakarta.servlet.FilterConfig;
import io.github.h3connector.altsvc.AltSvcException;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every invalid setting of {@link H3Options}, of the Jetty module glue ({@link H3ModuleSupport}) and of the
 * {@link AltSvcFilter} init-params fails with one clear line that names the setting. Writes the table of cases and
 * messages to {@code target/reliability/bad-config.md} for docs/RELIABILITY.md.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReliabilityBadConfigTest
{
    private static final List<String> ROWS = Collections.synchronizedList(new ArrayList<>());

    @TempDir
    static Path temp;

    /** Cases run by the current test method, which asserts their number, so that a case dropped by mistake shows. */
    private int cases;

    interface Config
    {
        void run() throws Exception;
    }

    /**
     * Records the case; it must throw exactly {@code type} with exactly {@code message} (one line, naming the setting
     * and the fix), so that an NPE or a JDK message from deeper down fails the case.
     */
    private void bad(String component, String setting, String value, Class<? extends Throwable> type, String message, Config config)
    {
        cases++;
        Throwable failure = null;
        try
        {
            config.run();
        }
        catch (Throwable x)
        {
            failure = x;
        }
        if (failure == null)
        {
            ROWS.add(row(component, setting, value, "**ACCEPTED** (no error)"));
            fail(component + " " + setting + "=" + show(value) + " was accepted");
        }
        ROWS.add(row(component, setting, value, failure.getClass().getSimpleName() + ": " + failure.getMessage()));
        String what = component + " " + setting + "=" + show(value);
        if (failure.getClass() != type)
            throw new AssertionError(what + ": expected " + type.getName() + ", got " + failure, failure);
        assertEquals(message, failure.getMessage(), what);
        assertFalse(message.contains("\n") || message.contains("\r"), what + ": expected message of more than one line");
    }

    private static String row(String component, String setting, String value, String outcome)
    {
        return "| " + component + " | `" + setting + "` | `" + show(value).replace("|", "\\|").replace("`", "'") + "` | " + show(outcome).replace("|", "\\|") + " |";
    }

    private static String show(String value)
    {
        if (value == null)
            return "null";
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray())
            out.append(c < 0x20 || c == 0x7F ? String.format("\\u%04X", (int)c) : String.valueOf(c));
        return out.toString();
    }

    @AfterAll
    static void writeTable() throws Exception
    {
        Files.createDirectories(ReliabilitySupport.REPORTS);
        List<String> lines = new ArrayList<>();
        lines.add("| component | setting | value | outcome (exception: message) |");
        lines.add("|---|---|---|---|");
        lines.addAll(ROWS);
        Files.write(ReliabilitySupport.REPORTS.resolve("bad-config.md"), lines, StandardCharsets.UTF_8);
        ReliabilitySupport.figure("bad-config", ROWS.size() + " invalid settings, each refused with one line; table in target/reliability/bad-config.md");
    }

    @Test
    void h3Options()
    {
        bad("H3Options", "port", "-1", IllegalArgumentException.class, "H3Options port must be between 0 and 65535, got -1", () -> H3Options.builder().port(-1));
        bad("H3Options", "port", "65536", IllegalArgumentException.class, "H3Options port must be between 0 and 65535, got 65536", () -> H3Options.builder().port(65536));
        bad("H3Options", "udpPort", "-2", IllegalArgumentException.class, "H3Options udpPort must be between 0 and 65535, got -2", () -> H3Options.builder().udpPort(-2));
        bad("H3Options", "udpPort", "65536", IllegalArgumentException.class, "H3Options udpPort must be between 0 and 65535, got 65536", () -> H3Options.builder().udpPort(65536));
        bad("H3Options", "advertisedPort", "0", IllegalArgumentException.class, "H3Options advertisedPort must be between 1 and 65535, got 0", () -> H3Options.builder().advertisedPort(0));
        bad("H3Options", "advertisedPort", "65536", IllegalArgumentException.class, "H3Options advertisedPort must be between 1 and 65535, got 65536", () -> H3Options.builder().advertisedPort(65536));
        bad("H3Options", "idleTimeout", "0s", IllegalArgumentException.class, "H3Options idleTimeout must be positive, got PT0S", () -> H3Options.builder().idleTimeout(Duration.ZERO));
        bad("H3Options", "idleTimeout", "-1s", IllegalArgumentException.class, "H3Options idleTimeout must be positive, got PT-1S", () -> H3Options.builder().idleTimeout(Duration.ofSeconds(-1)));
        bad("H3Options", "idleTimeout", null, IllegalArgumentException.class, "H3Options idleTimeout must be positive, got null", () -> H3Options.builder().idleTimeout(null));
        bad("H3Options", "sessionMaxData", "65535", IllegalArgumentException.class, "H3Options sessionMaxData must be at least 65536, got 65535", () -> H3Options.builder().sessionMaxData(65535));
        bad("H3Options", "streamMaxData", "16383", IllegalArgumentException.class, "H3Options streamMaxData must be at least 16384, got 16383", () -> H3Options.builder().streamMaxData(16383));
        bad("H3Options", "maxStreams", "0", IllegalArgumentException.class, "H3Options maxStreams must be at least 1, got 0", () -> H3Options.builder().maxStreams(0));
        bad("H3Options", "maxConnections", "0", IllegalArgumentException.class, "H3Options maxConnections must be at least 1, got 0", () -> H3Options.builder().maxConnections(0));
        bad("H3Options", "eventLoops", "0", IllegalArgumentException.class, "H3Options eventLoops must be between 1 and 256, got 0", () -> H3Options.builder().eventLoops(0));
        bad("H3Options", "secret", "15 bytes", IllegalArgumentException.class, "H3Options secret must have at least 16 bytes, got 15", () -> H3Options.builder().secret(new byte[15]));
        bad("H3Options", "maxAge", "-1s", IllegalArgumentException.class, "H3Options maxAge must be zero or positive, got PT-1S", () -> H3Options.builder().maxAge(Duration.ofSeconds(-1)));
        bad("H3Options", "retry", null, IllegalArgumentException.class, "H3Options retry must be ALWAYS, UNDER_LOAD or NEVER, got null", () -> H3Options.builder().retry(null));
        bad("H3Options", "altSvcFrame", null, IllegalArgumentException.class, "H3Options altSvcFrame must be OFF, CONNECTION or CONNECTION_AND_STREAMS, got null", () -> H3Options.builder().altSvcFrame(null));
        bad("H3Options", "advertisedHost", "alt\r\nSet-Cookie: x=1.example", AltSvcException.class, "Alt-Svc host must not contain control characters, got \"alt\\r\\nSet-Cookie: x=1.example\"",
            () -> H3Options.builder().advertisedHost("alt\r\nSet-Cookie: x=1.example").build());
        bad("H3Options", "advertisedHost", "alt\n.example", AltSvcException.class, "Alt-Svc host must not contain control characters, got \"alt\\n.example\"",
            () -> H3Options.builder().advertisedHost("alt\n.example").build());
        bad("H3Options", "advertisedHost", "alt\".example", AltSvcException.class, "Alt-Svc host must not contain '\"' or '\\', got \"alt\\\".example\"",
            () -> H3Options.builder().advertisedHost("alt\".example").build());
        bad("H3Options", "advertisedHost", "alta\"b.example", AltSvcException.class, "Alt-Svc host must not contain '\"' or '\\', got \"alta\\\"b.example\"",
            () -> H3Options.builder().advertisedHost("alta\"b.example").build());
        bad("H3Options", "advertisedHost", "alta\rb.example", AltSvcException.class, "Alt-Svc host must not contain control characters, got \"alta\\rb.example\"",
            () -> H3Options.builder().advertisedHost("alta\rb.example").build());
        bad("H3Options", "advertisedHost", "alta\0b.example", AltSvcException.class, "Alt-Svc host must not contain control characters, got \"alta\\0b.example\"",
            () -> H3Options.builder().advertisedHost("alta\0b.example").build());
        bad("H3Options", "advertisedHost", "alta b.example", AltSvcException.class, "Alt-Svc host must be a name, an IPv4 address or an IPv6 address, got \"alta b.example\" (' ' at index 4 is not allowed)",
            () -> H3Options.builder().advertisedHost("alta b.example").build());
        bad("H3Options", "advertisedHost", "alt\u00E9.example", AltSvcException.class, "Alt-Svc host must be a name, an IPv4 address or an IPv6 address, got \"alt\u00E9.example\" ('\u00E9' at index 3 is not allowed; use the ASCII (punycode) form of the name)",
            () -> H3Options.builder().advertisedHost("alt\u00E9.example").build());
        bad("H3Options", "advertisedHost", "", AltSvcException.class, "Alt-Svc host must not be empty (use null for the origin's host), got \"\"", () -> H3Options.builder().advertisedHost("").build());
        bad("H3Connector.addTo", "sslContextFactory", null, TlsConfigurationException.class, "HTTP/3 needs TLS, but no SslContextFactory.Server was given: create one with a keystore (setKeyStorePath, setKeyStorePassword)", () -> H3Connector.addTo(new Server(), null, H3Options.builder().build()));
        bad("H3Connector.attachTo", "httpsConnector", "plain HTTP connector", TlsConfigurationException.class, "HTTP/3 needs TLS, but connector null (port 0) has no SslConnectionFactory: attach HTTP/3 to an HTTPS connector", () -> H3Connector.attachTo(new ServerConnector(new Server()), H3Options.builder().build()));
        bad("H3Connector.attachTo", "altSvcFrame", "CONNECTION on an HTTPS connector without HTTP/2", IllegalArgumentException.class, "altSvcFrame=CONNECTION needs HTTP/2 on the HTTPS connector (port 0): add an HTTP2ServerConnectionFactory (Jetty's http2 module), or set altSvcFrame OFF", () -> H3Connector.attachTo(
            new ServerConnector(new Server(), new SslConnectionFactory(TestKeyStores.serverTls(), "http/1.1"), new HttpConnectionFactory()),
            H3Options.builder().altSvcFrame(AltSvcFrameMode.CONNECTION).build()));
        assertEquals(30, cases);
    }

    @Test
    void startTimeChecks() throws Exception
    {
        bad("start", "keystore", "DSA key only (no key usable for TLS 1.3)", TlsConfigurationException.class, "keystore " + TestKeyStores.dsaOnly().toUri() + " has no private key usable for TLS 1.3 (found: DSA 'dsa'): add an EC P-256 or RSA 2048+ key, e.g. keytool -genkeypair -keyalg EC -groupname secp256r1", () -> start(tls(TestKeyStores.dsaOnly().toString(), TestKeyStores.PASSWORD), H3Options.builder()));
        bad("start", "keystore", "none configured", TlsConfigurationException.class, "HTTP/3 needs TLS, but the SslContextFactory has no keystore: set one (jetty.sslContext.keyStorePath, or SslContextFactory.Server.setKeyStorePath)", () -> start(new SslContextFactory.Server(), H3Options.builder()));
        bad("start", "keyStorePassword", "wrong", TlsConfigurationException.class, "keystore " + TestKeyStores.localhost().keyStore().toUri() + ": wrong password: set the keystore password (jetty.sslContext.keyStorePassword, or SslContextFactory.setKeyStorePassword)", () -> start(tls(TestKeyStores.localhost().keyStore().toString(), "wrong"), H3Options.builder()));
        assertEquals(3, cases);
    }

    private static SslContextFactory.Server tls(String keyStore, String password)
    {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(keyStore);
        ssl.setKeyStorePassword(password);
        return ssl;
    }

    private static void start(SslContextFactory.Server tls, H3Options.Builder options) throws Exception
    {
        Server server = new Server();
        try
        {
            H3Connector.addTo(server, tls, options.host("127.0.0.1").port(0).build());
            server.start();
        }
        finally
        {
            server.stop();
        }
    }

    @Test
    void jettyModule()
    {
        // {setting, value, the whole message}; each is an IllegalArgumentException.
        String[][] settings = {
            {H3ModuleSupport.ADVERTISED_PORT, "abc",
                "jetty.h3connector.advertisedPort must be a port number 1..65535, or -1 for the bound UDP port, got 'abc'"},
            {H3ModuleSupport.ADVERTISED_PORT, "0",
                "jetty.h3connector.advertisedPort=0 is invalid: H3Options advertisedPort must be between 1 and 65535, got 0"},
            {H3ModuleSupport.ADVERTISED_PORT, "65536",
                "jetty.h3connector.advertisedPort must be a port number 1..65535, or -1 for the bound UDP port, got '65536'"},
            {H3ModuleSupport.ADVERTISED_HOST, "a\r\nb",
                "jetty.h3connector.advertisedHost=a\\r\\nb is invalid: Alt-Svc host must not contain control characters, got \"a\\r\\nb\""},
            {H3ModuleSupport.ADVERTISED_HOST, "a\"b",
                "jetty.h3connector.advertisedHost=a\"b is invalid: Alt-Svc host must not contain '\"' or '\\', got \"a\\\"b\""},
            {H3ModuleSupport.ADVERTISED_HOST, "a b",
                "jetty.h3connector.advertisedHost=a b is invalid: Alt-Svc host must be a name, an IPv4 address or an IPv6 address, got \"a b\" (' ' at index 1 is not allowed)"},
            {H3ModuleSupport.ALT_SVC_MAX_AGE_SECONDS, "-1",
                "jetty.h3connector.altSvcMaxAgeSeconds must be a whole number of seconds >= 0, got '-1'"},
            {H3ModuleSupport.ALT_SVC_MAX_AGE_SECONDS, "1d",
                "jetty.h3connector.altSvcMaxAgeSeconds must be a whole number of seconds >= 0, got '1d'"},
            {H3ModuleSupport.ALT_SVC_PERSIST, "yes",
                "jetty.h3connector.altSvcPersist must be true or false, got 'yes'"},
            {H3ModuleSupport.ALT_SVC_ON_HTTP3, "1",
                "jetty.h3connector.altSvcOnHttp3 must be true or false, got '1'"},
            {H3ModuleSupport.UDP_PORT, "65536",
                "jetty.h3connector.udpPort must be a port number 0..65535, or -1 for the port number of jetty.ssl.port, got '65536'"},
            {H3ModuleSupport.UDP_PORT, "-2",
                "jetty.h3connector.udpPort must be a port number 0..65535, or -1 for the port number of jetty.ssl.port, got '-2'"},
            {H3ModuleSupport.UDP_PORT, "x",
                "jetty.h3connector.udpPort must be a port number 0..65535, or -1 for the port number of jetty.ssl.port, got 'x'"},
            {H3ModuleSupport.IDLE_TIMEOUT, "0",
                "jetty.quic.idleTimeout must be a whole number of milliseconds > 0, got '0'"},
            {H3ModuleSupport.IDLE_TIMEOUT, "30s",
                "jetty.quic.idleTimeout must be a whole number of milliseconds > 0, got '30s'"},
            {H3ModuleSupport.SESSION_MAX_DATA, "1",
                "jetty.quic.sessionMaxData=1 is invalid: H3Options sessionMaxData must be at least 65536, got 1"},
            {H3ModuleSupport.STREAM_MAX_DATA, "x",
                "jetty.quic.streamMaxData must be a whole number of bytes, got 'x'"},
            {H3ModuleSupport.BIDIRECTIONAL_MAX_STREAMS, "0",
                "jetty.quic.bidirectionalMaxStreams=0 is invalid: H3Options maxStreams must be at least 1, got 0"},
            {H3ModuleSupport.MAX_CONNECTIONS, "0",
                "jetty.h3connector.maxConnections=0 is invalid: H3Options maxConnections must be at least 1, got 0"},
            {H3ModuleSupport.MAX_CONNECTIONS, "many",
                "jetty.h3connector.maxConnections must be a whole number of connections, got 'many'"},
            {H3ModuleSupport.CONGESTION_CONTROL, "VEGAS",
                "jetty.quic.congestionControl must be BBR, CUBIC or RENO, got 'VEGAS'"},
            {H3ModuleSupport.ALT_SVC_FRAME, "on",
                "jetty.h3connector.altSvcFrame must be OFF, CONNECTION or CONNECTION_AND_STREAMS, got 'on'"},
            {H3ModuleSupport.EVENT_LOOPS, "0",
                "jetty.h3connector.eventLoops=0 is invalid: H3Options eventLoops must be between 1 and 256, got 0"},
            {H3ModuleSupport.RETRY, "sometimes",
                "jetty.h3connector.retry must be ALWAYS, UNDER_LOAD or NEVER, got 'sometimes'"},
        };
        for (String[] c : settings)
            bad("Jetty module", c[0], c[1], IllegalArgumentException.class, c[2], () -> H3ModuleSupport.options(Map.of(c[0], c[1])).build());
        bad("Jetty module", "ssl module", "no HTTPS connector", IllegalArgumentException.class, "h3connector needs Jetty's HTTPS connector (id sslConnector of the ssl module): enable the ssl and https modules", () -> H3ModuleSupport.attach(null, Map.of()));
        assertEquals(25, this.cases);
    }

    @Test
    void altSvcFilter()
    {
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\":443\"; ma=86400\\u000D\\u000ASet-Cookie: x=1' (Alt-Svc: unexpected character '\\r' at index 19 in \"h3=\\\":443\\\"; ma=86400\\r\\nSet-Cookie: x=1\", expected ';', ',' or end of value)", "alt-svc", "h3=\":443\"; ma=86400\r\nSet-Cookie: x=1");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3\\u000D\\u000A=\":443\"' (Alt-Svc: unexpected character '\\r' at index 2 in \"h3\\r\\n=\\\":443\\\"\", expected '=')", "alt-svc", "h3\r\n=\":443\"");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\"evil\\u000D\\u000A.example:443\"' (Alt-Svc: unexpected character '\\r' at index 8 in \"h3=\\\"evil\\r\\n.example:443\\\"\", expected '\"' to close the quoted-string)", "alt-svc", "h3=\"evil\r\n.example:443\"");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\"alt.example:44\\u000D\\u000A3\"' (Alt-Svc: unexpected character '\\r' at index 18 in \"h3=\\\"alt.example:44\\r\\n3\\\"\", expected '\"' to close the quoted-string)", "alt-svc", "h3=\"alt.example:44\r\n3\"");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\":443\"; ma=86\\u000D\\u000A400' (Alt-Svc: unexpected character '\\r' at index 16 in \"h3=\\\":443\\\"; ma=86\\r\\n400\", expected ';', ',' or end of value)", "alt-svc", "h3=\":443\"; ma=86\r\n400");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\":443\"; persist=1\\u000D\\u000A; ma=60' (Alt-Svc: unexpected character '\\r' at index 20 in \"h3=\\\":443\\\"; persist=1\\r\\n; ma=60\", expected ';', ',' or end of value)", "alt-svc", "h3=\":443\"; persist=1\r\n; ma=60");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\":443\"; x\\u000D\\u000Ay=1' (Alt-Svc: unexpected character '\\r' at index 12 in \"h3=\\\":443\\\"; x\\r\\ny=1\", expected '=')", "alt-svc", "h3=\":443\"; x\r\ny=1");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\"alt\".example:443\"' (Alt-Svc: missing port in alt-authority \"alt\" at index 3 in \"h3=\\\"alt\\\".example:443\\\"\")", "alt-svc", "h3=\"alt\".example:443\"");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\":443' (Alt-Svc: unexpected end of value at index 8 in \"h3=\\\":443\", expected '\"' to close the quoted-string)", "alt-svc", "h3=\":443");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\":443\"; ma=\"1\"\"' (Alt-Svc: unexpected character '\"' at index 17 in \"h3=\\\":443\\\"; ma=\\\"1\\\"\\\"\", expected ';', ',' or end of value)", "alt-svc", "h3=\":443\"; ma=\"1\"\"");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\":0\"' (Alt-Svc: port must be between 1 and 65535, got \"0\" at index 3 in \"h3=\\\":0\\\"\")", "alt-svc", "h3=\":0\"");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=\":65536\"' (Alt-Svc: port must be between 1 and 65535, got \"65536\" at index 3 in \"h3=\\\":65536\\\"\")", "alt-svc", "h3=\":65536\"");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=:443' (Alt-Svc: unexpected character ':' at index 3 in \"h3=:443\", expected '\"' (the alt-authority is a quoted-string))", "alt-svc", "h3=:443");
        filter("AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got '' (Alt-Svc: empty value at index 0 in \"\", expected \"clear\" or an alternative)", "alt-svc", "");
        filter("AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '0'", "h3-port", "0");
        filter("AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '65536'", "h3-port", "65536");
        filter("AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '44\\u000D\\u000A3'", "h3-port", "44\r\n3");
        filter("AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '44 3'", "h3-port", "44 3");
        filter("AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got 'alt\\u000D\\u000ASet-Cookie: x=1.example' (Alt-Svc host must not contain control characters, got \"alt\\r\\nSet-Cookie: x=1.example\")", "h3-host", "alt\r\nSet-Cookie: x=1.example", "h3-port", "443");
        filter("AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got 'alt\\u000A.example' (Alt-Svc host must not contain control characters, got \"alt\\n.example\")", "h3-host", "alt\n.example", "h3-port", "443");
        filter("AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got 'alt\".example' (Alt-Svc host must not contain '\"' or '\\', got \"alt\\\".example\")", "h3-host", "alt\".example", "h3-port", "443");
        filter("AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got 'alta\"b.example' (Alt-Svc host must not contain '\"' or '\\', got \"alta\\\"b.example\")", "h3-host", "alta\"b.example", "h3-port", "443");
        filter("AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got 'alta\\u000Db.example' (Alt-Svc host must not contain control characters, got \"alta\\rb.example\")", "h3-host", "alta\rb.example", "h3-port", "443");
        filter("AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got 'alta\\u0000b.example' (Alt-Svc host must not contain control characters, got \"alta\\0b.example\")", "h3-host", "alta\0b.example", "h3-port", "443");
        filter("AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got 'alta b.example' (Alt-Svc host must be a name, an IPv4 address or an IPv6 address, got \"alta b.example\" (' ' at index 4 is not allowed))", "h3-host", "alta b.example", "h3-port", "443");
        filter("AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got 'alt\u00E9.example' (Alt-Svc host must be a name, an IPv4 address or an IPv6 address, got \"alt\u00E9.example\" ('\u00E9' at index 3 is not allowed; use the ASCII (punycode) form of the name))", "h3-host", "alt\u00E9.example", "h3-port", "443");
        filter("AltSvcFilter init-param 'max-age' must be a whole number of seconds between 0 and 2147483647, got '-1'", "max-age", "-1", "h3-port", "443");
        filter("AltSvcFilter init-param 'max-age' must be a whole number of seconds between 0 and 2147483647, got '86400\\u000D\\u000AX: y'", "max-age", "86400\r\nX: y", "h3-port", "443");
        filter("AltSvcFilter init-param 'max-age' must be a whole number of seconds between 0 and 2147483647, got '99999999999'", "max-age", "99999999999", "h3-port", "443");
        filter("AltSvcFilter init-param 'persist' must be 'true' or 'false', got '1'", "persist", "1", "h3-port", "443");
        filter("AltSvcFilter init-param 'persist' must be 'true' or 'false', got 'true\"'", "persist", "true\"", "h3-port", "443");
        filter("AltSvcFilter init-param 'advertise' must be 'secure', 'always' or 'never', got 'sometimes'", "advertise", "sometimes", "h3-port", "443");
        filter("AltSvcFilter init-param 'trusted-proxies' entry '300.1.2.3' is invalid: '300.1.2.3' is not an IP address; write an IPv4 or IPv6 literal (host names are not accepted: matching them would need DNS)", "trusted-proxies", "300.1.2.3", "h3-port", "443");
        filter("AltSvcFilter init-param 'trusted-proxies' entry '10.0.0.0/33' is invalid: the prefix length of an IPv4 range must be 0 to 32", "trusted-proxies", "10.0.0.0/33", "h3-port", "443");
        filter("AltSvcFilter init-param 'trusted-proxies' entry 'localhost' is invalid: 'localhost' is not an IP address; write an IPv4 or IPv6 literal (host names are not accepted: matching them would need DNS)", "trusted-proxies", "localhost", "h3-port", "443");
        filter("AltSvcFilter init-param 'protocol-header' must be a header name such as 'Via' or 'X-Forwarded-Protocol', got 'X Bad'", "protocol-header", "X Bad", "h3-port", "443");
        filter("AltSvcFilter init-param 'protocol-header' must be a header name such as 'Via' or 'X-Forwarded-Protocol', got 'X-Proto\\u000D\\u000AY'", "protocol-header", "X-Proto\r\nY", "h3-port", "443");
        filter("AltSvcFilter init-param 'protocol-header' must name a header that carries the protocol version, got 'X-Forwarded-Proto', which carries the scheme (read anyway for 'advertise=secure'); use 'Via' or a header such as 'X-Forwarded-Protocol'", "protocol-header", "X-Forwarded-Proto", "h3-port", "443");
        filter("AltSvcFilter init-param 'application-wins' must be 'true' or 'false', got 'maybe'", "application-wins", "maybe", "h3-port", "443");
        filter("AltSvcFilter init-param 'h3Port' (value '443') is not known; did you mean 'h3-port'? the init-params are alt-svc, h3-port, h3-host, max-age, persist, advertise, trusted-proxies, protocol-header, application-wins", "h3Port", "443");
        filter("AltSvcFilter init-param 'h3-host' (value 'alt.example') is only used with 'h3-port', which is not set; set 'h3-port' to the HTTP/3 (UDP) port", "h3-host", "alt.example");
        Map<String, String> both = new LinkedHashMap<>();
        both.put("alt-svc", "h3=\":443\"");
        both.put("h3-port", "443");
        filterCase("alt-svc + h3-port", "both set", "AltSvcFilter init-params 'alt-svc' and 'h3-port' exclude each other, got 'h3=\":443\"' and '443'; keep only one of them", both);
        filterCase("(none)", "no advertisement", "AltSvcFilter needs init-param 'h3-port' or 'alt-svc' to advertise HTTP/3, got neither; set 'h3-port' to the HTTP/3 (UDP) port, or set 'advertise' to 'never' to set only the protocol attributes", Map.of());
        assertEquals(43, cases);
    }

    private void filter(String message, String name, String value, String... others)
    {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < others.length; i += 2)
            params.put(others[i], others[i + 1]);
        params.put(name, value);
        filterCase(name, value, message, params);
    }

    private void filterCase(String setting, String value, String message, Map<String, String> params)
    {
        bad("AltSvcFilter", setting, value, ServletException.class, message, () -> new AltSvcFilter().init(new FilterConfig()
        {
            public String getFilterName()
            {
                return "AltSvcFilter";
            }

            public ServletContext getServletContext()
            {
                return null;
            }

            public String getInitParameter(String name)
            {
                return params.get(name);
            }

            public Enumeration<String> getInitParameterNames()
            {
                return Collections.enumeration(params.keySet());
            }
        }));
    }
}
