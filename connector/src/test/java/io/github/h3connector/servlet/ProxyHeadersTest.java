package io.github.h3connector.servlet;

import java.util.stream.Stream;

import io.github.h3connector.HttpProtocol;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProxyHeadersTest
{
    /** The region parser is {@link HttpProtocol#parse(String)} without the substring. */
    @ParameterizedTest
    @ValueSource(strings = {"3", "3.0", "HTTP/3", "HTTP/3.0", "http/3", "2", "2.0", "HTTP/2", "HTTP/2.0", "1.1", "HTTP/1.1",
        "1.0", "HTTP/1.0", " HTTP/3.0 ", "\t1.1", "", "HTTP/", "HTTP", "1", "3.1", "2.1", "1.2", "4", "HTTP/0.9", "h3",
        "HTTPS/3", "HTTP/HTTP/3", "3.00", "HTTP /3", "x3"})
    void versionAgreesWithHttpProtocol(String text)
    {
        assertEquals(HttpProtocol.parse(text).orElse(null), ProxyHeaders.version(text), text);
    }

    static Stream<Arguments> via()
    {
        return Stream.of(
            Arguments.of("1.1 proxy", HttpProtocol.HTTP_1_1),
            Arguments.of("3 edge", HttpProtocol.HTTP_3),
            Arguments.of("3.0 jetty", HttpProtocol.HTTP_3),
            Arguments.of("HTTP/3 edge", HttpProtocol.HTTP_3),
            Arguments.of("http/2.0 lb", HttpProtocol.HTTP_2),
            Arguments.of("2 lb", HttpProtocol.HTTP_2),
            Arguments.of("1.0 fred, 1.1 p.example.net", HttpProtocol.HTTP_1_1),
            Arguments.of("3 x, 1.1 proxy", HttpProtocol.HTTP_1_1),
            Arguments.of("1.1 proxy, 3 edge (nginx, with a comma)", HttpProtocol.HTTP_3),
            Arguments.of("3 edge (comment (nested, with comma) and \\) escaped, paren)", HttpProtocol.HTTP_3),
            Arguments.of("1.1 a, 3 edge, ", HttpProtocol.HTTP_3),
            Arguments.of(" , 3\tedge ,, ", HttpProtocol.HTTP_3),
            Arguments.of("3", HttpProtocol.HTTP_3),
            Arguments.of("SPDY/3 old", null),
            Arguments.of("HTTPS/3 x", null),
            Arguments.of("3.1 x", null),
            Arguments.of("", null),
            Arguments.of(" , ", null),
            Arguments.of("3 edge, 1.1 proxy (unclosed, comment", HttpProtocol.HTTP_1_1));
    }

    @ParameterizedTest(name = "Via: {0}")
    @MethodSource("via")
    void lastViaEntry(String value, HttpProtocol expected)
    {
        long bounds = ProxyHeaders.lastElement(value, true);
        HttpProtocol actual = bounds < 0 ? null : ProxyHeaders.viaProtocol(value, (int)(bounds >>> 32), (int)bounds);
        assertEquals(expected, actual);
    }

    static Stream<Arguments> forwarded()
    {
        return Stream.of(
            Arguments.of("proto=https", ProxyHeaders.SECURE),
            Arguments.of("for=192.0.2.60;proto=https;by=203.0.113.43", ProxyHeaders.SECURE),
            Arguments.of("for=\"[2001:db8::1]:4711\";PROTO=\"HTTPS\"", ProxyHeaders.SECURE),
            Arguments.of("for=\"x;proto=http\";proto=https", ProxyHeaders.SECURE),
            Arguments.of("proto=wss", ProxyHeaders.SECURE),
            Arguments.of(" proto = https ", ProxyHeaders.SECURE),
            Arguments.of("proto=http", ProxyHeaders.NOT_SECURE),
            Arguments.of("proto=https, proto=http", ProxyHeaders.NOT_SECURE),
            Arguments.of("proto=http, for=1.2.3.4;proto=https", ProxyHeaders.SECURE),
            Arguments.of("proto=https, for=1.2.3.4", ProxyHeaders.UNKNOWN),
            Arguments.of("for=1.2.3.4", ProxyHeaders.UNKNOWN),
            Arguments.of("protocol=https", ProxyHeaders.UNKNOWN));
    }

    @ParameterizedTest(name = "Forwarded: {0}")
    @MethodSource("forwarded")
    void forwardedProto(String value, int expected)
    {
        long bounds = ProxyHeaders.lastElement(value, false);
        assertEquals(expected, ProxyHeaders.forwardedProto(value, (int)(bounds >>> 32), (int)bounds));
    }
}
