package io.github.h3connector.altsvc;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlternativeTest
{
    @Test
    void h3OnPortWritesTheDefaultMaxAge()
    {
        Alternative alternative = Alternative.h3(443);
        assertEquals("h3=\":443\"; ma=86400", alternative.headerValue());
        assertEquals("h3", alternative.protocolId());
        assertEquals(Optional.empty(), alternative.host());
        assertEquals(443, alternative.port());
        assertEquals(Duration.ofSeconds(86400), alternative.maxAge());
        assertFalse(alternative.persist());
        assertEquals(alternative.headerValue(), alternative.toString());
    }

    @Test
    void everyPartIsWritten()
    {
        Alternative alternative = Alternative.builder("h3").host("example.com").port(8443)
            .maxAgeSeconds(3600).persist(true).build();
        assertEquals("h3=\"example.com:8443\"; ma=3600; persist=1", alternative.headerValue());
        assertEquals(Optional.of("example.com"), alternative.host());
        assertEquals(Duration.ofHours(1), alternative.maxAge());
        assertTrue(alternative.persist());
    }

    @Test
    void headerValueIsComputedOnce()
    {
        Alternative alternative = Alternative.h3(443);
        assertSame(alternative.headerValue(), alternative.headerValue());
        assertSame(alternative.host(), alternative.host());
        assertSame(alternative.maxAge(), alternative.maxAge());
    }

    @Test
    void digitsDoNotDependOnTheDefaultLocale()
    {
        Locale saved = Locale.getDefault();
        try
        {
            // Arabic and Hindi locales format numbers with their own digits in String.format.
            for (Locale locale : new Locale[]{Locale.forLanguageTag("ar-EG"), Locale.forLanguageTag("hi-IN-u-nu-deva")})
            {
                Locale.setDefault(locale);
                Alternative alternative = Alternative.builder("h3").port(8443).maxAgeSeconds(2592000).build();
                assertEquals("h3=\":8443\"; ma=2592000", alternative.headerValue());
            }
        }
        finally
        {
            Locale.setDefault(saved);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 80, 443, 65535})
    void validPorts(int port)
    {
        assertEquals("h3=\":" + port + "\"; ma=86400", Alternative.h3(port).headerValue());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 65536, -1, -443, Integer.MIN_VALUE, Integer.MAX_VALUE})
    void invalidPorts(int port)
    {
        AltSvcException e = assertThrows(AltSvcException.class, () -> Alternative.h3(port));
        assertEquals("Alt-Svc port must be between 1 and 65535, got " + port, e.getMessage());
    }

    @Test
    void portIsRequired()
    {
        AltSvcException e = assertThrows(AltSvcException.class, () -> Alternative.builder("h3").host("a.example").build());
        assertEquals("Alt-Svc port must be between 1 and 65535, got none", e.getMessage());
    }

    static Stream<Arguments> validMaxAges()
    {
        return Stream.of(
            Arguments.of(Duration.ZERO, "h3=\":443\"; ma=0"),
            Arguments.of(Duration.ofSeconds(1), "h3=\":443\"; ma=1"),
            Arguments.of(Duration.ofDays(30), "h3=\":443\"; ma=2592000"),
            Arguments.of(Duration.ofSeconds(Integer.MAX_VALUE), "h3=\":443\"; ma=2147483647"));
    }

    @ParameterizedTest
    @MethodSource("validMaxAges")
    void validMaxAges(Duration maxAge, String expected)
    {
        Alternative alternative = Alternative.builder("h3").port(443).maxAge(maxAge).build();
        assertEquals(expected, alternative.headerValue());
        assertEquals(maxAge, alternative.maxAge());
        assertEquals(alternative, Alternative.builder("h3").port(443).maxAgeSeconds(maxAge.getSeconds()).build());
    }

    static Stream<Arguments> invalidMaxAges()
    {
        String range = "Alt-Svc max-age must be between 0 and 2147483647 seconds, got ";
        return Stream.of(
            Arguments.of(Duration.ofSeconds(-1), range + "-1"),
            Arguments.of(Duration.ofSeconds(Long.MIN_VALUE), range + "-9223372036854775808"),
            Arguments.of(Duration.ofMillis(-1), range + "PT-0.001S"),
            Arguments.of(Duration.ofSeconds(2147483648L), range + "2147483648"),
            Arguments.of(Duration.ofSeconds(Integer.MAX_VALUE, 1), range + "PT596523H14M7.000000001S"),
            Arguments.of(Duration.ofSeconds(Long.MAX_VALUE), range + "9223372036854775807"),
            Arguments.of(Duration.ofMillis(1500), "Alt-Svc max-age must be a whole number of seconds, got PT1.5S"));
    }

    @ParameterizedTest
    @MethodSource("invalidMaxAges")
    void invalidMaxAges(Duration maxAge, String message)
    {
        AltSvcException e = assertThrows(AltSvcException.class,
            () -> Alternative.builder("h3").port(443).maxAge(maxAge).build());
        assertEquals(message, e.getMessage());
    }

    @Test
    void negativeMaxAgeSeconds()
    {
        AltSvcException e = assertThrows(AltSvcException.class,
            () -> Alternative.builder("h3").port(443).maxAgeSeconds(-86400).build());
        assertEquals("Alt-Svc max-age must be between 0 and 2147483647 seconds, got -86400", e.getMessage());
    }

    @Test
    void persistIsWrittenOnlyWhenSet()
    {
        assertEquals("h2=\":443\"; ma=60; persist=1",
            Alternative.builder("h2").port(443).maxAgeSeconds(60).persist(true).build().headerValue());
        assertEquals("h2=\":443\"; ma=60",
            Alternative.builder("h2").port(443).maxAgeSeconds(60).persist(false).build().headerValue());
    }

    static Stream<Arguments> validHosts()
    {
        return Stream.of(
            Arguments.of("example.com", "example.com", "h3=\"example.com:443\"; ma=86400"),
            Arguments.of("EXAMPLE.com", "EXAMPLE.com", "h3=\"EXAMPLE.com:443\"; ma=86400"),
            Arguments.of("localhost", "localhost", "h3=\"localhost:443\"; ma=86400"),
            Arguments.of("a-b_c~d.example", "a-b_c~d.example", "h3=\"a-b_c~d.example:443\"; ma=86400"),
            Arguments.of("xn--mnchen-3ya.de", "xn--mnchen-3ya.de", "h3=\"xn--mnchen-3ya.de:443\"; ma=86400"),
            Arguments.of("a%2Db.example", "a%2Db.example", "h3=\"a%2Db.example:443\"; ma=86400"),
            Arguments.of("192.0.2.1", "192.0.2.1", "h3=\"192.0.2.1:443\"; ma=86400"),
            Arguments.of("::1", "::1", "h3=\"[::1]:443\"; ma=86400"),
            Arguments.of("[::1]", "::1", "h3=\"[::1]:443\"; ma=86400"),
            Arguments.of("[2001:db8::1]", "2001:db8::1", "h3=\"[2001:db8::1]:443\"; ma=86400"),
            Arguments.of("2001:DB8:0:0:0:0:0:1", "2001:DB8:0:0:0:0:0:1", "h3=\"[2001:DB8:0:0:0:0:0:1]:443\"; ma=86400"),
            Arguments.of("[::ffff:192.0.2.1]", "::ffff:192.0.2.1", "h3=\"[::ffff:192.0.2.1]:443\"; ma=86400"),
            Arguments.of("[1:2:3:4:5:6:7::]", "1:2:3:4:5:6:7::", "h3=\"[1:2:3:4:5:6:7::]:443\"; ma=86400"),
            Arguments.of("[::]", "::", "h3=\"[::]:443\"; ma=86400"));
    }

    @ParameterizedTest
    @MethodSource("validHosts")
    void validHosts(String host, String kept, String expected)
    {
        Alternative alternative = Alternative.builder("h3").host(host).port(443).build();
        assertEquals(expected, alternative.headerValue());
        assertEquals(Optional.of(kept), alternative.host());
    }

    @Test
    void nullHostMeansTheOriginsHost()
    {
        Alternative alternative = Alternative.builder("h3").host("example.com").host(null).port(443).build();
        assertEquals(Optional.empty(), alternative.host());
        assertEquals("h3=\":443\"; ma=86400", alternative.headerValue());
    }

    static Stream<Arguments> invalidHosts()
    {
        String invalid = "Alt-Svc host must be a name, an IPv4 address or an IPv6 address, got ";
        String control = "Alt-Svc host must not contain control characters, got ";
        String quote = "Alt-Svc host must not contain '\"' or '\\', got ";
        return Stream.of(
            Arguments.of("", "Alt-Svc host must not be empty (use null for the origin's host), got \"\""),
            Arguments.of(" ", invalid + "\" \" (' ' at index 0 is not allowed)"),
            Arguments.of("exa mple.com", invalid + "\"exa mple.com\" (' ' at index 3 is not allowed)"),
            Arguments.of("example.com/path", invalid + "\"example.com/path\" ('/' at index 11 is not allowed)"),
            Arguments.of("user@example.com", invalid + "\"user@example.com\" ('@' at index 4 is not allowed)"),
            Arguments.of("example.com:443", invalid + "\"example.com:443\" (':' is allowed only in an IPv6 address)"),
            Arguments.of("1:2:3:4:5:6:7:8:9", invalid + "\"1:2:3:4:5:6:7:8:9\" (':' is allowed only in an IPv6 address)"),
            Arguments.of("[::1", invalid + "\"[::1\" (not a valid IPv6 address)"),
            Arguments.of("[]", invalid + "\"[]\" (not a valid IPv6 address)"),
            Arguments.of("[", invalid + "\"[\" (not a valid IPv6 address)"),
            Arguments.of("[example.com]", invalid + "\"[example.com]\" (not a valid IPv6 address)"),
            Arguments.of("[::g]", invalid + "\"[::g]\" (not a valid IPv6 address)"),
            Arguments.of("[1::2::3]", invalid + "\"[1::2::3]\" (not a valid IPv6 address)"),
            Arguments.of("[fe80::1%25eth0]", invalid + "\"[fe80::1%25eth0]\" (not a valid IPv6 address)"),
            Arguments.of("[::1]:443", invalid + "\"[::1]:443\" (not a valid IPv6 address)"),
            Arguments.of("example.com]", invalid + "\"example.com]\" (']' at index 11 is not allowed)"),
            Arguments.of("a%zzb", invalid + "\"a%zzb\" (bad percent-encoding at index 1)"),
            Arguments.of("a%2", invalid + "\"a%2\" (bad percent-encoding at index 1)"),
            Arguments.of("münchen.de",
                invalid + "\"münchen.de\" ('ü' at index 1 is not allowed; use the ASCII (punycode) form of the name)"),
            Arguments.of("a\u2028b", invalid + "\"a\\u2028b\" ('\\u2028' at index 1 is not allowed; use the ASCII (punycode) form of the name)"),
            Arguments.of("example.com\r\nSet-Cookie: a=b", control + "\"example.com\\r\\nSet-Cookie: a=b\""),
            Arguments.of("example.com\n", control + "\"example.com\\n\""),
            Arguments.of("exa\0mple.com", control + "\"exa\\0mple.com\""),
            Arguments.of("\texample.com", control + "\"\\texample.com\""),
            Arguments.of("example.com\u007F", control + "\"example.com\\u007F\""),
            Arguments.of("example.com\u0085", control + "\"example.com\\u0085\""),
            Arguments.of("example.com\":443\"; ma=1", quote + "\"example.com\\\":443\\\"; ma=1\""),
            Arguments.of("example.com\\", quote + "\"example.com\\\\\""));
    }

    @ParameterizedTest
    @MethodSource("invalidHosts")
    void invalidHosts(String host, String message)
    {
        AltSvcException e = assertThrows(AltSvcException.class,
            () -> Alternative.builder("h3").host(host).port(443).build());
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("\r") || e.getMessage().contains("\n"), "one-line message");
    }

    static Stream<Arguments> protocolIds()
    {
        return Stream.of(
            Arguments.of("h3", "h3"),
            Arguments.of("h2", "h2"),
            Arguments.of("h3-29", "h3-29"),
            Arguments.of("http/1.1", "http%2F1.1"),
            Arguments.of("a%b", "a%25b"),
            Arguments.of("%", "%25"),
            Arguments.of("h 3", "h%203"),
            Arguments.of("a=b", "a%3Db"),
            Arguments.of("a,b;c", "a%2Cb%3Bc"),
            Arguments.of("é", "%C3%A9"),
            Arguments.of("\uD83D\uDE80", "%F0%9F%9A%80"),
            Arguments.of("!#$&'*+-.^_`|~09AZaz", "!#$&'*+-.^_`|~09AZaz"));
    }

    @ParameterizedTest
    @MethodSource("protocolIds")
    void protocolIdIsPercentEncoded(String protocolId, String encoded)
    {
        Alternative alternative = Alternative.builder(protocolId).port(443).build();
        assertEquals(encoded + "=\":443\"; ma=86400", alternative.headerValue());
        assertEquals(protocolId, alternative.protocolId());
    }

    static Stream<Arguments> invalidProtocolIds()
    {
        String blank = "Alt-Svc protocol-id must not be empty or blank, got ";
        String control = "Alt-Svc protocol-id must not contain control characters, got ";
        String quote = "Alt-Svc protocol-id must not contain '\"' or '\\', got ";
        return Stream.of(
            Arguments.of("", blank + "\"\""),
            Arguments.of("   ", blank + "\"   \""),
            Arguments.of(" \t ", blank + "\" \\t \""),
            Arguments.of("h3\r\nSet-Cookie: a=b", control + "\"h3\\r\\nSet-Cookie: a=b\""),
            Arguments.of("h3\n", control + "\"h3\\n\""),
            Arguments.of("h3\r", control + "\"h3\\r\""),
            Arguments.of("h3\0", control + "\"h3\\0\""),
            Arguments.of("h\u001B3", control + "\"h\\u001B3\""),
            Arguments.of("h3\u0085", control + "\"h3\\u0085\""),
            Arguments.of("h\"3", quote + "\"h\\\"3\""),
            Arguments.of("h3=\":1\", evil", quote + "\"h3=\\\":1\\\", evil\""),
            Arguments.of("h\\3", quote + "\"h\\\\3\""),
            Arguments.of("h3\uD800",
                "Alt-Svc protocol-id must be well-formed Unicode (no unpaired surrogate), got \"h3\\uD800\""));
    }

    @ParameterizedTest
    @MethodSource("invalidProtocolIds")
    void invalidProtocolIds(String protocolId, String message)
    {
        AltSvcException e = assertThrows(AltSvcException.class, () -> Alternative.builder(protocolId).port(443).build());
        assertEquals(message, e.getMessage());
    }

    @Test
    void longValuesAreCutInMessages()
    {
        String host = "a".repeat(300) + " ";
        AltSvcException e = assertThrows(AltSvcException.class,
            () -> Alternative.builder("h3").host(host).port(443).build());
        assertEquals("Alt-Svc host must be a name, an IPv4 address or an IPv6 address, got \"" + "a".repeat(200)
            + "\"... (' ' at index 300 is not allowed)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\r", "\n", "\r\n", "\"", "\\", "\0", "\",", "\"; x=\"", "\u2028", " \r\n X: y"})
    void noInjectionThroughAnyPart(String nasty)
    {
        for (String protocolId : new String[]{"h3" + nasty, nasty + "h3", nasty})
        {
            try
            {
                assertSafe(Alternative.builder(protocolId).port(443).build());
            }
            catch (AltSvcException expected)
            {
                // refused: fine
            }
        }
        for (String host : new String[]{"example.com" + nasty, nasty + "example.com", nasty, "[::1" + nasty + "]"})
        {
            try
            {
                assertSafe(Alternative.builder("h3").host(host).port(443).build());
            }
            catch (AltSvcException expected)
            {
                // refused: fine
            }
        }
    }

    private static void assertSafe(Alternative alternative)
    {
        String value = alternative.headerValue();
        assertFalse(value.contains("\r") || value.contains("\n") || value.contains("\0") || value.contains("\\"), value);
        // Exactly the two quotes around the alt-authority.
        assertEquals(2, value.chars().filter(c -> c == '"').count(), value);
        assertEquals(alternative, AltSvc.parse(value).alternatives().get(0));
    }

    @Test
    void toBuilderCopiesEveryPart()
    {
        Alternative original = Alternative.builder("http/1.1").host("[2001:db8::1]").port(8080)
            .maxAgeSeconds(60).persist(true).build();
        assertEquals(original, original.toBuilder().build());
        Alternative derived = original.toBuilder().port(8081).build();
        assertEquals("http%2F1.1=\"[2001:db8::1]:8081\"; ma=60; persist=1", derived.headerValue());
        assertEquals("http%2F1.1=\"[2001:db8::1]:8080\"; ma=60; persist=1", original.headerValue());
    }

    @Test
    void builderCanBuildTwice()
    {
        Alternative.Builder builder = Alternative.builder("h3").port(443);
        Alternative first = builder.build();
        Alternative second = builder.persist(true).build();
        assertFalse(first.persist());
        assertTrue(second.persist());
    }

    @Test
    void equalsAndHashCode()
    {
        Alternative a = Alternative.builder("h3").host("::1").port(443).build();
        Alternative b = Alternative.builder("h3").host("[::1]").port(443).maxAge(Duration.ofDays(1)).build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, a.toBuilder().port(444).build());
        assertNotEquals(a, a.toBuilder().host(null).build());
        assertNotEquals(a, a.toBuilder().maxAgeSeconds(1).build());
        assertNotEquals(a, a.toBuilder().persist(true).build());
        assertNotEquals(a, Alternative.builder("h2").host("::1").port(443).build());
        assertNotEquals(a, "h3=\"[::1]:443\"; ma=86400");
    }

    @Test
    void nullsAreRefused()
    {
        assertThrows(NullPointerException.class, () -> Alternative.builder(null));
        assertThrows(NullPointerException.class, () -> Alternative.builder("h3").maxAge(null));
    }
}
