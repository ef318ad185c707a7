package io.github.h3connector.jetty.module;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.h3connector.altsvc.AltSvc;
import io.github.h3connector.jetty.AltSvcFrameMode;
import io.github.h3connector.jetty.H3Options;
import io.github.h3connector.jetty.CongestionControl;
import io.github.h3connector.jetty.RetryPolicy;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import static io.github.h3connector.jetty.module.H3ModuleSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The module glue: property values as Jetty XML passes them, and the one-line errors that name the property. */
class H3ModuleSupportTest
{
    /** Options from a single property; every other property empty (its default). */
    static H3Options.Builder with(String property, String value)
    {
        Map<String, String> properties = new HashMap<>();
        properties.put(property, value);
        return H3ModuleSupport.options(properties);
    }

    static List<Arguments> badValues()
    {
        return List.of(
            Arguments.of(ALT_SVC_MAX_AGE_SECONDS, "abc", "jetty.h3connector.altSvcMaxAgeSeconds must be a whole number of seconds >= 0, got 'abc'"),
            Arguments.of(ALT_SVC_MAX_AGE_SECONDS, "-1", "jetty.h3connector.altSvcMaxAgeSeconds must be a whole number of seconds >= 0, got '-1'"),
            Arguments.of(ALT_SVC_MAX_AGE_SECONDS, "1.5", "jetty.h3connector.altSvcMaxAgeSeconds must be a whole number of seconds >= 0, got '1.5'"),
            Arguments.of(ALT_SVC_PERSIST, "yes", "jetty.h3connector.altSvcPersist must be true or false, got 'yes'"),
            Arguments.of(ALT_SVC_ON_HTTP3, "1", "jetty.h3connector.altSvcOnHttp3 must be true or false, got '1'"),
            Arguments.of(ADVERTISED_PORT, "http", "jetty.h3connector.advertisedPort must be a port number 1..65535, or -1 for the bound UDP port, got 'http'"),
            Arguments.of(ADVERTISED_PORT, "65536", "jetty.h3connector.advertisedPort must be a port number 1..65535, or -1 for the bound UDP port, got '65536'"),
            Arguments.of(ADVERTISED_PORT, "0", "jetty.h3connector.advertisedPort=0 is invalid: H3Options advertisedPort must be between 1 and 65535, got 0"),
            Arguments.of(UDP_PORT, "-2", "jetty.h3connector.udpPort must be a port number 0..65535, or -1 for the port number of jetty.ssl.port, got '-2'"),
            Arguments.of(ALT_SVC_FRAME, "on", "jetty.h3connector.altSvcFrame must be OFF, CONNECTION or CONNECTION_AND_STREAMS, got 'on'"),
            Arguments.of(ALT_SVC_FRAME, "true", "jetty.h3connector.altSvcFrame must be OFF, CONNECTION or CONNECTION_AND_STREAMS, got 'true'"),
            Arguments.of(RETRY, "sometimes", "jetty.h3connector.retry must be ALWAYS, UNDER_LOAD or NEVER, got 'sometimes'"),
            Arguments.of(EARLY_DATA, "on", "jetty.h3connector.earlyData must be true or false, got 'on'"),
            Arguments.of(EARLY_DATA_METHODS, "GET,PO ST", "jetty.h3connector.earlyDataMethods=GET,PO ST is invalid: H3Options earlyDataMethods must be HTTP method names such as GET, got 'PO ST'"),
            Arguments.of(QLOG_MAX_BYTES, "1000", "jetty.h3connector.qlogMaxBytes must be a whole number of bytes >= 65536, got '1000'"),
            Arguments.of(EVENT_LOOPS, "0", "jetty.h3connector.eventLoops=0 is invalid: H3Options eventLoops must be between 1 and 256, got 0"),
            Arguments.of(EVENT_LOOPS, "two", "jetty.h3connector.eventLoops must be a whole number of event loops, got 'two'"),
            Arguments.of(IDLE_TIMEOUT, "0", "jetty.quic.idleTimeout must be a whole number of milliseconds > 0, got '0'"),
            Arguments.of(IDLE_TIMEOUT, "30s", "jetty.quic.idleTimeout must be a whole number of milliseconds > 0, got '30s'"),
            Arguments.of(STREAM_IDLE_TIMEOUT, "-1", "jetty.http3.streamIdleTimeout must be a whole number of milliseconds >= 0 (0: never), got '-1'"),
            Arguments.of(SESSION_MAX_DATA, "24MiB", "jetty.quic.sessionMaxData must be a whole number of bytes, got '24MiB'"),
            Arguments.of(SESSION_MAX_DATA, "1000", "jetty.quic.sessionMaxData=1000 is invalid: H3Options sessionMaxData must be at least 65536, got 1000"),
            Arguments.of(STREAM_MAX_DATA, "1", "jetty.quic.streamMaxData=1 is invalid: H3Options streamMaxData must be at least 16384, got 1"),
            Arguments.of(BIDIRECTIONAL_MAX_STREAMS, "0", "jetty.quic.bidirectionalMaxStreams=0 is invalid: H3Options maxStreams must be at least 1, got 0"),
            Arguments.of(BIDIRECTIONAL_MAX_STREAMS, "many", "jetty.quic.bidirectionalMaxStreams must be a whole number of streams, got 'many'"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badValues")
    void badValueFailsWithOneLineNamingTheProperty(String property, String value, String message)
    {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> with(property, value));
        assertEquals(message, x.getMessage());
        assertTrue(x.getMessage().startsWith(property), x.getMessage());
        assertEquals(1, x.getMessage().lines().count());
    }

    @Test
    void emptyAndNullMeanTheDefault()
    {
        String defaults = H3Options.builder().build().toString();
        for (String property : JettyModuleDefaultsTest.ATTACH_PROPERTIES)
        {
            assertEquals(defaults, with(property, "").build().toString(), property);
            assertEquals(defaults, with(property, "  ").build().toString(), property);
            assertEquals(defaults, with(property, null).build().toString(), property);
        }
    }

    @Test
    void valuesReachTheOptions()
    {
        assertEquals(4443, with(ADVERTISED_PORT, " 4443 ").build().advertisedPort().orElseThrow());
        assertTrue(with(EARLY_DATA, "TRUE").build().earlyData());
        assertEquals(java.util.Set.of("GET", "POST"), with(EARLY_DATA_METHODS, " get , POST ").build().earlyDataMethods());
        assertEquals(java.nio.file.Path.of("/var/log/qlog"), with(QLOG_DIRECTORY, " /var/log/qlog ").build().qlogDirectory().orElseThrow());
        assertEquals(1L << 20, with(QLOG_MAX_BYTES, "1048576").build().qlogMaxBytes());
        assertEquals("alt.example", with(ADVERTISED_HOST, "alt.example").build().advertisedHost().orElseThrow());
        assertEquals(Duration.ofSeconds(60), with(ALT_SVC_MAX_AGE_SECONDS, "60").build().maxAge());
        assertEquals(Duration.ZERO, with(ALT_SVC_MAX_AGE_SECONDS, "0").build().maxAge());
        assertTrue(with(ALT_SVC_PERSIST, "TRUE").build().persist());
        assertTrue(with(ALT_SVC_ON_HTTP3, "true").build().advertiseOnHttp3());
        assertEquals(9443, with(UDP_PORT, "9443").build().udpPort().orElseThrow());
        assertEquals(0, with(UDP_PORT, "0").build().udpPort().orElseThrow());
        assertEquals(3, with(EVENT_LOOPS, "3").build().eventLoops());
        assertEquals(RetryPolicy.ALWAYS, with(RETRY, "always").build().retry());
        assertEquals(CongestionControl.CUBIC, with(CONGESTION_CONTROL, "cubic").build().congestionControl());
        assertEquals("127.0.0.1", with(QUIC_HOST, "127.0.0.1").build().host().orElseThrow());
        assertEquals(Duration.ofMillis(5000), with(IDLE_TIMEOUT, "5000").build().idleTimeout());
        assertEquals(Duration.ZERO, with(STREAM_IDLE_TIMEOUT, "0").build().streamIdleTimeout());
        assertEquals(1 << 20, with(SESSION_MAX_DATA, "1048576").build().sessionMaxData());
        assertEquals(1 << 17, with(STREAM_MAX_DATA, "131072").build().streamMaxData());
        assertEquals(100, with(BIDIRECTIONAL_MAX_STREAMS, "100").build().maxStreams());
        assertEquals(AltSvcFrameMode.CONNECTION, with(ALT_SVC_FRAME, " connection ").build().altSvcFrame());
        assertEquals(AltSvcFrameMode.CONNECTION_AND_STREAMS, with(ALT_SVC_FRAME, "CONNECTION_AND_STREAMS").build().altSvcFrame());
        H3Options advertised = with(ADVERTISED_PORT, "4443").maxAge(Duration.ofSeconds(60)).persist(true).build();
        assertEquals("h3=\":4443\"; ma=60; persist=1", AltSvc.of(advertised.alternative(8443)).headerValue());
    }

    @Test
    void attachNeedsTheSslConnector()
    {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
            () -> H3ModuleSupport.attach(null, Map.of()));
        assertTrue(x.getMessage().contains("sslConnector"), x.getMessage());
    }

    @Test
    void attachRefusesAConnectorWithoutTls()
    {
        Server server = new Server();
        ServerConnector plain = new ServerConnector(server, new HttpConnectionFactory());
        IllegalStateException x = assertThrows(IllegalStateException.class,
            () -> H3ModuleSupport.attach(plain, Map.of()));
        assertTrue(x.getMessage().startsWith("HTTP/3 needs TLS"), x.getMessage());
    }

    /** A property the XML passes under a wrong name (a typo, or one that attach does not read) fails start, named. */
    @Test
    void anUnknownPropertyIsNamed()
    {
        for (String name : List.of("jetty.h3connector.advertisedport", READINESS_PATH, "jetty.h3connector.udpPort "))
        {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> with(name, "1"));
            assertTrue(x.getMessage().startsWith(name + " is not an h3connector module property: use one of " + ADVERTISED_PORT + ", "), x.getMessage());
            assertEquals(1, x.getMessage().lines().count());
        }
    }
}
