package io.github.h3connector.servlet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.h3connector.H3Attributes;
import io.github.h3connector.jetty.ExternalTools;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.Attributes;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Trusted and untrusted proxies, end to end: the client connects from 127.0.0.1 (or ::1), which is a trusted proxy
 * when {@code trusted-proxies} covers it and an untrusted client when it is {@code 10.0.0.0/8}.
 */
@Timeout(30)
class AltSvcFilterProxyTest
{
    private static HttpClient client;
    private TestServer server;

    @BeforeAll
    static void startClient() throws Exception
    {
        client = new HttpClient();
        client.start();
    }

    @AfterAll
    static void stopClient()
    {
        LifeCycle.stop(client);
    }

    @AfterEach
    void stopServer()
    {
        if (server != null)
            server.close();
    }

    private String attributes(List<String[]> headers) throws Exception
    {
        Request request = client.newRequest(server.uri("attributes")).timeout(10, TimeUnit.SECONDS);
        for (String[] header : headers)
            request.headers(h -> h.add(header[0], header[1]));
        ContentResponse response = request.send();
        assertEquals(200, response.getStatus());
        return response.getContentAsString().lines().skip(1).findFirst().orElseThrow();
    }

    private static List<String[]> headers(String... namesAndValues)
    {
        java.util.ArrayList<String[]> list = new java.util.ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2)
            list.add(new String[]{namesAndValues[i], namesAndValues[i + 1]});
        return list;
    }

    static Stream<Arguments> viaCases()
    {
        String direct = "HTTP/1.1|false|HTTP/1.1|connection";
        return Stream.of(
            // name, trusted-proxies, request headers, expected protocol|http3|hop|source
            Arguments.of("no Via, trusted", "127.0.0.1", headers(), direct),
            Arguments.of("Via 3, trusted", "127.0.0.1", headers("Via", "3 edge"), "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("Via 3.0 (Jetty's proxy), trusted /8", "127.0.0.0/8", headers("Via", "3.0 jetty-proxy"), "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("Via HTTP/3 with comment", "127.0.0.1", headers("Via", "HTTP/3 iis (ARR, out-of-process)"), "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("Via HTTP/2.0", "127.0.0.1", headers("Via", "HTTP/2.0 lb"), "HTTP/2|false|HTTP/1.1|forwarded"),
            Arguments.of("Via 1.1", "127.0.0.1", headers("Via", "1.1 lb"), "HTTP/1.1|false|HTTP/1.1|forwarded"),
            Arguments.of("spoofed first entry", "127.0.0.1", headers("Via", "3 x, 1.1 proxy"), "HTTP/1.1|false|HTTP/1.1|forwarded"),
            Arguments.of("spoofed first field", "127.0.0.1", headers("Via", "3 x", "Via", "1.1 proxy"), "HTTP/1.1|false|HTTP/1.1|forwarded"),
            Arguments.of("chain ending with h3 edge", "127.0.0.1", headers("Via", "1.1 a", "Via", "1.0 b, 3 edge"), "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("unknown version ignored", "127.0.0.1", headers("Via", "9 future"), direct),
            Arguments.of("other protocol name ignored", "127.0.0.1", headers("Via", "SPDY/3 old"), direct),
            Arguments.of("untrusted Via ignored", "10.0.0.0/8", headers("Via", "3 edge"), direct),
            Arguments.of("no trusted proxies", null, headers("Via", "3 edge"), direct),
            Arguments.of("trusted IPv4-mapped form", "::ffff:127.0.0.1", headers("Via", "3 edge"), "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("trusted list", "10.0.0.0/8, fd00::/8 127.0.0.1", headers("Via", "3 edge"), "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("named header ignored with Via", "127.0.0.1", headers("X-Forwarded-Protocol", "HTTP/3.0"), direct));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("viaCases")
    void via(String name, String trusted, List<String[]> headers, String expected) throws Exception
    {
        server = new TestServer().param("advertise", "never");
        if (trusted != null)
            server.param("trusted-proxies", trusted);
        server.start();
        assertEquals(expected, attributes(headers));
    }

    static Stream<Arguments> namedHeaderCases()
    {
        String direct = "HTTP/1.1|false|HTTP/1.1|connection";
        return Stream.of(
            Arguments.of("nginx $server_protocol", "127.0.0.1", headers("X-Forwarded-Protocol", "HTTP/3.0"), "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("bare 3", "127.0.0.1", headers("X-Forwarded-Protocol", "3"), "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("HTTP/2.0", "127.0.0.1", headers("x-forwarded-protocol", "HTTP/2.0"), "HTTP/2|false|HTTP/1.1|forwarded"),
            Arguments.of("last value counts", "127.0.0.1", headers("X-Forwarded-Protocol", "HTTP/3.0, HTTP/1.1"), "HTTP/1.1|false|HTTP/1.1|forwarded"),
            Arguments.of("last field counts", "127.0.0.1", headers("X-Forwarded-Protocol", "3", "X-Forwarded-Protocol", "1.1"), "HTTP/1.1|false|HTTP/1.1|forwarded"),
            Arguments.of("garbage ignored", "127.0.0.1", headers("X-Forwarded-Protocol", "h3"), direct),
            Arguments.of("Via ignored with a named header", "127.0.0.1", headers("Via", "3 edge"), direct),
            Arguments.of("untrusted ignored", "10.0.0.0/8", headers("X-Forwarded-Protocol", "HTTP/3.0"), direct));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("namedHeaderCases")
    void namedHeader(String name, String trusted, List<String[]> headers, String expected) throws Exception
    {
        server = new TestServer().param("advertise", "never").param("protocol-header", "X-Forwarded-Protocol")
            .param("trusted-proxies", trusted).start();
        assertEquals(expected, attributes(headers));
    }

    @Test
    void trustedProxyOverridesTheConnectorsLazyAttributes() throws Exception
    {
        // Like io.github.h3connector.jetty's customizer: synthetic attributes computed on access.
        server = new TestServer().param("advertise", "never").param("trusted-proxies", "127.0.0.1")
            .customizer((request, responseHeaders) -> new org.eclipse.jetty.server.Request.AttributesWrapper(request,
                new Attributes.Synthetic(request)
                {
                    @Override
                    protected Object getSyntheticAttribute(String name)
                    {
                        return switch (name)
                        {
                            case H3Attributes.PROTOCOL, H3Attributes.HOP_PROTOCOL -> "HTTP/1.1";
                            case H3Attributes.HTTP3 -> Boolean.FALSE;
                            case H3Attributes.PROTOCOL_SOURCE -> H3Attributes.SOURCE_CONNECTION;
                            default -> null;
                        };
                    }

                    @Override
                    protected Set<String> getSyntheticNameSet()
                    {
                        return Set.of(H3Attributes.PROTOCOL, H3Attributes.HTTP3, H3Attributes.HOP_PROTOCOL, H3Attributes.PROTOCOL_SOURCE);
                    }
                }))
            .start();
        assertEquals("HTTP/3|true|HTTP/1.1|forwarded", attributes(headers("Via", "3 edge")));
        // Without a report, the connector's attributes stay.
        assertEquals("HTTP/1.1|false|HTTP/1.1|connection", attributes(headers()));
    }

    private static boolean ipv6LoopbackAvailable()
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        }
        catch (IOException x)
        {
            return false;
        }
    }

    static Stream<Arguments> ipv6Cases()
    {
        return Stream.of(
            Arguments.of("::1", "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("::1/128", "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("::/64", "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("0:0:0:0:0:0:0:1", "HTTP/3|true|HTTP/1.1|forwarded"),
            Arguments.of("127.0.0.0/8", "HTTP/1.1|false|HTTP/1.1|connection"),
            Arguments.of("fd00::/8", "HTTP/1.1|false|HTTP/1.1|connection"),
            Arguments.of("::2", "HTTP/1.1|false|HTTP/1.1|connection"));
    }

    @ParameterizedTest(name = "trusted-proxies={0}")
    @MethodSource("ipv6Cases")
    void ipv6Loopback(String trusted, String expected) throws Exception
    {
        ExternalTools.require(ipv6LoopbackAvailable(), "no IPv6 loopback (::1) on this machine", "sysctl -w net.ipv6.conf.lo.disable_ipv6=0");
        server = new TestServer().host("::1").param("advertise", "never").param("trusted-proxies", trusted).start();
        assertEquals(expected, attributes(headers("Via", "3 edge")));
    }
}
