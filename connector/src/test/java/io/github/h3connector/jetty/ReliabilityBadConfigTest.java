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
import jakarta.servlet.ServletContext;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
    private static final String[] INJECTIONS = {"\r\nSet-Cookie: x=1", "\n", "\"", "a\"b", "a\rb", "a\u0000b", "a b", "\u00e9"};

    @TempDir
    static Path temp;

    interface Config
    {
        void run() throws Exception;
    }

    /** Records the case; it must throw, with a one-line message that contains {@code mustName}. */
    private static void bad(String component, String setting, String value, String mustName, Config config)
    {
        try
        {
            config.run();
            ROWS.add(row(component, setting, value, "**ACCEPTED** (no error)"));
            fail(component + " " + setting + "=" + show(value) + " was accepted");
        }
        catch (AssertionError x)
        {
            throw x;
        }
        catch (Throwable x)
        {
            String message = x.getMessage();
            ROWS.add(row(component, setting, value, x.getClass().getSimpleName() + ": " + message));
            assertTrue(message != null && !message.isBlank(), component + " " + setting + ": no message, " + x);
            assertFalse(message.contains("\n") || message.contains("\r"), component + " " + setting + ": message of more than one line: " + message);
            assertTrue(message.contains(mustName), component + " " + setting + ": message does not name '" + mustName + "': " + message);
        }
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
        bad("H3Options", "port", "-1", "port", () -> H3Options.builder().port(-1));
        bad("H3Options", "port", "65536", "port", () -> H3Options.builder().port(65536));
        bad("H3Options", "udpPort", "-2", "udpPort", () -> H3Options.builder().udpPort(-2));
        bad("H3Options", "udpPort", "65536", "udpPort", () -> H3Options.builder().udpPort(65536));
        bad("H3Options", "advertisedPort", "0", "advertisedPort", () -> H3Options.builder().advertisedPort(0));
        bad("H3Options", "advertisedPort", "65536", "advertisedPort", () -> H3Options.builder().advertisedPort(65536));
        bad("H3Options", "idleTimeout", "0s", "idleTimeout", () -> H3Options.builder().idleTimeout(Duration.ZERO));
        bad("H3Options", "idleTimeout", "-1s", "idleTimeout", () -> H3Options.builder().idleTimeout(Duration.ofSeconds(-1)));
        bad("H3Options", "idleTimeout", null, "idleTimeout", () -> H3Options.builder().idleTimeout(null));
        bad("H3Options", "sessionMaxData", "65535", "sessionMaxData", () -> H3Options.builder().sessionMaxData(65535));
        bad("H3Options", "streamMaxData", "16383", "streamMaxData", () -> H3Options.builder().streamMaxData(16383));
        bad("H3Options", "maxStreams", "0", "maxStreams", () -> H3Options.builder().maxStreams(0));
        bad("H3Options", "maxConnections", "0", "maxConnections", () -> H3Options.builder().maxConnections(0));
        bad("H3Options", "eventLoops", "0", "eventLoops", () -> H3Options.builder().eventLoops(0));
        bad("H3Options", "secret", "15 bytes", "secret", () -> H3Options.builder().secret(new byte[15]));
        bad("H3Options", "maxAge", "-1s", "maxAge", () -> H3Options.builder().maxAge(Duration.ofSeconds(-1)));
        bad("H3Options", "retry", null, "H3Options retry", () -> H3Options.builder().retry(null));
        bad("H3Options", "altSvcFrame", null, "H3Options altSvcFrame", () -> H3Options.builder().altSvcFrame(null));
        for (String injection : INJECTIONS)
            bad("H3Options", "advertisedHost", "alt" + injection + ".example", "", () -> H3Options.builder().advertisedHost("alt" + injection + ".example").build());
        bad("H3Options", "advertisedHost", "", "", () -> H3Options.builder().advertisedHost("").build());
        bad("H3Connector.addTo", "sslContextFactory", null, "TLS", () -> H3Connector.addTo(new Server(), null, H3Options.builder().build()));
        bad("H3Connector.attachTo", "httpsConnector", "plain HTTP connector", "TLS", () -> H3Connector.attachTo(new ServerConnector(new Server()), H3Options.builder().build()));
        bad("H3Connector.attachTo", "altSvcFrame", "CONNECTION on an HTTPS connector without HTTP/2", "altSvcFrame", () -> H3Connector.attachTo(
            new ServerConnector(new Server(), new SslConnectionFactory(TestKeyStores.serverTls(), "http/1.1"), new HttpConnectionFactory()),
            H3Options.builder().altSvcFrame(AltSvcFrameMode.CONNECTION).build()));
    }

    @Test
    void startTimeChecks() throws Exception
    {
        bad("start", "keystore", "DSA key only (no key usable for TLS 1.3)", "keystore", () -> start(tls(TestKeyStores.dsaOnly().toString(), TestKeyStores.PASSWORD), H3Options.builder()));
        bad("start", "keystore", "none configured", "keystore", () -> start(new SslContextFactory.Server(), H3Options.builder()));
        bad("start", "keyStorePassword", "wrong", "password", () -> start(tls(TestKeyStores.localhost().keyStore().toString(), "wrong"), H3Options.builder()));
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
        String[][] cases = {
            {H3ModuleSupport.ADVERTISED_PORT, "abc"}, {H3ModuleSupport.ADVERTISED_PORT, "0"}, {H3ModuleSupport.ADVERTISED_PORT, "65536"},
            {H3ModuleSupport.ADVERTISED_HOST, "a\r\nb"}, {H3ModuleSupport.ADVERTISED_HOST, "a\"b"}, {H3ModuleSupport.ADVERTISED_HOST, "a b"},
            {H3ModuleSupport.ALT_SVC_MAX_AGE_SECONDS, "-1"}, {H3ModuleSupport.ALT_SVC_MAX_AGE_SECONDS, "1d"},
            {H3ModuleSupport.ALT_SVC_PERSIST, "yes"}, {H3ModuleSupport.ALT_SVC_ON_HTTP3, "1"},
            {H3ModuleSupport.UDP_PORT, "65536"}, {H3ModuleSupport.UDP_PORT, "-2"}, {H3ModuleSupport.UDP_PORT, "x"},
            {H3ModuleSupport.IDLE_TIMEOUT, "0"}, {H3ModuleSupport.IDLE_TIMEOUT, "30s"},
            {H3ModuleSupport.SESSION_MAX_DATA, "1"}, {H3ModuleSupport.STREAM_MAX_DATA, "x"}, {H3ModuleSupport.BIDIRECTIONAL_MAX_STREAMS, "0"},
            {H3ModuleSupport.MAX_CONNECTIONS, "0"}, {H3ModuleSupport.MAX_CONNECTIONS, "many"}, {H3ModuleSupport.CONGESTION_CONTROL, "VEGAS"},
            {H3ModuleSupport.ALT_SVC_FRAME, "on"}, {H3ModuleSupport.EVENT_LOOPS, "0"}, {H3ModuleSupport.RETRY, "sometimes"},
        };
        List<String> names = List.of(H3ModuleSupport.ADVERTISED_PORT, H3ModuleSupport.ADVERTISED_HOST, H3ModuleSupport.ALT_SVC_MAX_AGE_SECONDS,
            H3ModuleSupport.ALT_SVC_PERSIST, H3ModuleSupport.ALT_SVC_ON_HTTP3, H3ModuleSupport.UDP_PORT,
            H3ModuleSupport.QUIC_HOST, H3ModuleSupport.IDLE_TIMEOUT, H3ModuleSupport.SESSION_MAX_DATA,
            H3ModuleSupport.STREAM_MAX_DATA, H3ModuleSupport.BIDIRECTIONAL_MAX_STREAMS, H3ModuleSupport.MAX_CONNECTIONS, H3ModuleSupport.CONGESTION_CONTROL, H3ModuleSupport.ALT_SVC_FRAME, H3ModuleSupport.EVENT_LOOPS, H3ModuleSupport.RETRY);
        for (String[] c : cases)
        {
            String[] values = new String[names.size()];
            values[names.indexOf(c[0])] = c[1];
            bad("Jetty module", c[0], c[1], c[0], () -> H3ModuleSupport.options(values[0], values[1], values[2], values[3], values[4], values[5],
                values[6], values[7], values[8], values[9], values[10], values[11], values[12], values[13], values[14], values[15]).build());
        }
        bad("Jetty module", "ssl module", "no HTTPS connector", "ssl", () -> H3ModuleSupport.attach(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null));
    }

    @Test
    void altSvcFilter()
    {
        filter("alt-svc", "h3=\":443\"; ma=86400\r\nSet-Cookie: x=1");
        filter("alt-svc", "h3\r\n=\":443\"");
        filter("alt-svc", "h3=\"evil\r\n.example:443\"");
        filter("alt-svc", "h3=\"alt.example:44\r\n3\"");
        filter("alt-svc", "h3=\":443\"; ma=86\r\n400");
        filter("alt-svc", "h3=\":443\"; persist=1\r\n; ma=60");
        filter("alt-svc", "h3=\":443\"; x\r\ny=1");
        filter("alt-svc", "h3=\"alt\".example:443\"");
        filter("alt-svc", "h3=\":443");
        filter("alt-svc", "h3=\":443\"; ma=\"1\"\"");
        filter("alt-svc", "h3=\":0\"");
        filter("alt-svc", "h3=\":65536\"");
        filter("alt-svc", "h3=:443");
        filter("alt-svc", "");
        filter("h3-port", "0");
        filter("h3-port", "65536");
        filter("h3-port", "44\r\n3");
        filter("h3-port", "44 3");
        for (String injection : INJECTIONS)
            filter("h3-host", "alt" + injection + ".example", "h3-port", "443");
        filter("max-age", "-1", "h3-port", "443");
        filter("max-age", "86400\r\nX: y", "h3-port", "443");
        filter("max-age", "99999999999", "h3-port", "443");
        filter("persist", "1", "h3-port", "443");
        filter("persist", "true\"", "h3-port", "443");
        filter("advertise", "sometimes", "h3-port", "443");
        filter("trusted-proxies", "300.1.2.3", "h3-port", "443");
        filter("trusted-proxies", "10.0.0.0/33", "h3-port", "443");
        filter("trusted-proxies", "localhost", "h3-port", "443");
        filter("protocol-header", "X Bad", "h3-port", "443");
        filter("protocol-header", "X-Proto\r\nY", "h3-port", "443");
        filter("protocol-header", "X-Forwarded-Proto", "h3-port", "443");
        filter("application-wins", "maybe", "h3-port", "443");
        filter("h3Port", "443");
        filter("h3-host", "alt.example");
        Map<String, String> both = new LinkedHashMap<>();
        both.put("alt-svc", "h3=\":443\"");
        both.put("h3-port", "443");
        filterCase("alt-svc + h3-port", "both set", "alt-svc", both);
        filterCase("(none)", "no advertisement", "h3-port", Map.of());
    }

    private static void filter(String name, String value, String... others)
    {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < others.length; i += 2)
            params.put(others[i], others[i + 1]);
        params.put(name, value);
        filterCase(name, value, name, params);
    }

    private static void filterCase(String setting, String value, String mustName, Map<String, String> params)
    {
        bad("AltSvcFilter", setting, value, mustName, () -> new AltSvcFilter().init(new FilterConfig()
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
