package io.github.h3connector.altsvc;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AltSvcParseTest
{
    static Stream<AltSvc> generated()
    {
        return Stream.of(
            AltSvc.CLEAR,
            AltSvc.of(Alternative.h3(443)),
            AltSvc.of(Alternative.h3(1)),
            AltSvc.of(Alternative.h3(65535)),
            AltSvc.of(Alternative.builder("h3").host("example.com").port(8443).maxAgeSeconds(3600).persist(true).build()),
            AltSvc.of(Alternative.builder("h3").host("192.0.2.1").port(443).maxAgeSeconds(0).build()),
            AltSvc.of(Alternative.builder("h3").host("::1").port(443).build()),
            AltSvc.of(Alternative.builder("h3").host("[2001:db8::ffff:192.0.2.1]").port(443).build()),
            AltSvc.of(Alternative.builder("h3").host("a%2Db!$&'()*+,;=.example").port(443).build()),
            AltSvc.of(Alternative.builder("h3").port(443).maxAgeSeconds(Integer.MAX_VALUE).build()),
            AltSvc.of(Alternative.builder("http/1.1").port(80).build()),
            AltSvc.of(Alternative.builder("a%b").port(80).build()),
            AltSvc.of(Alternative.builder("é").port(80).build()),
            AltSvc.of(Alternative.builder("\uD83D\uDE80 x=,;").port(80).build()),
            AltSvc.of(Alternative.builder("clear").port(80).build()),
            AltSvc.of(Alternative.h3(443), Alternative.builder("h3-29").port(443).build(),
                Alternative.builder("h2").host("alt.example.com").port(443).persist(true).build()));
    }

    @ParameterizedTest
    @MethodSource("generated")
    void generatedValuesRoundTrip(AltSvc altSvc)
    {
        AltSvc parsed = AltSvc.parse(altSvc.headerValue());
        assertEquals(altSvc, parsed);
        assertEquals(altSvc.headerValue(), parsed.headerValue());
    }

    @Test
    void clearParsesToTheConstant()
    {
        assertSame(AltSvc.CLEAR, AltSvc.parse("clear"));
        assertSame(AltSvc.CLEAR, AltSvc.parse(" clear "));
        assertSame(AltSvc.CLEAR, AltSvc.parse(", clear,"));
    }

    static Stream<Arguments> handWritten()
    {
        return Stream.of(
            // RFC 7838 §3 and §3.1 examples, and values seen in the wild.
            Arguments.of("h2=\"new.example.org:80\"", "h2=\"new.example.org:80\"; ma=86400"),
            Arguments.of("h2=\":8000\"; ma=60", "h2=\":8000\"; ma=60"),
            Arguments.of("h3=\":443\"; ma=2592000, h3-29=\":443\"; ma=2592000",
                "h3=\":443\"; ma=2592000, h3-29=\":443\"; ma=2592000"),
            Arguments.of("clear", "clear"),
            Arguments.of("h2=\"alt.example.com:443\"; ma=2592000; persist=1",
                "h2=\"alt.example.com:443\"; ma=2592000; persist=1"),
            Arguments.of("h2=\"alt.example.com:8000\", h2=\":443\"",
                "h2=\"alt.example.com:8000\"; ma=86400, h2=\":443\"; ma=86400"),
            Arguments.of("h2=\":443\"; ma=3600", "h2=\":443\"; ma=3600"),
            Arguments.of("a%3Db%2C#z=\":443\"", "a%3Db%2C#z=\":443\"; ma=86400"),
            Arguments.of("x%2Fy=\"xx:443\"", "x%2Fy=\"xx:443\"; ma=86400"),
            // OWS variants.
            Arguments.of("h3=\":443\";ma=60", "h3=\":443\"; ma=60"),
            Arguments.of("h3=\":443\" \t;\t ma=60 ; persist=1", "h3=\":443\"; ma=60; persist=1"),
            Arguments.of("  h3=\":443\"  ,  h2=\":443\"  ", "h3=\":443\"; ma=86400, h2=\":443\"; ma=86400"),
            Arguments.of("h3=\":443\",h2=\":443\"", "h3=\":443\"; ma=86400, h2=\":443\"; ma=86400"),
            // Empty list elements (RFC 9110 §5.6.1).
            Arguments.of(", ,h3=\":443\", , ,h2=\":443\",", "h3=\":443\"; ma=86400, h2=\":443\"; ma=86400"),
            // Unknown parameters are ignored, whatever their value.
            Arguments.of("h3=\":443\"; v=\"1,2\"; ma=60; foo=bar", "h3=\":443\"; ma=60"),
            Arguments.of("h3=\":443\"; x=\"a\\\"b;c\"", "h3=\":443\"; ma=86400"),
            // persist other than 1 is ignored.
            Arguments.of("h3=\":443\"; persist=0", "h3=\":443\"; ma=86400"),
            Arguments.of("h3=\":443\"; persist=true", "h3=\":443\"; ma=86400"),
            Arguments.of("h3=\":443\"; persist=\"1\"", "h3=\":443\"; ma=86400; persist=1"),
            // Parameter names are case-insensitive; a quoted value means the same as the token.
            Arguments.of("h3=\":443\"; MA=60; Persist=1", "h3=\":443\"; ma=60; persist=1"),
            Arguments.of("h3=\":443\"; ma=\"60\"", "h3=\":443\"; ma=60"),
            Arguments.of("h3=\":443\"; ma=0060", "h3=\":443\"; ma=60"),
            Arguments.of("h3=\":443\"; ma=0", "h3=\":443\"; ma=0"),
            // A max-age beyond 2^31-1 is capped (RFC 9111 §1.2.2).
            Arguments.of("h3=\":443\"; ma=99999999999999999999999", "h3=\":443\"; ma=2147483647"),
            // quoted-pair escapes in the alt-authority.
            Arguments.of("h3=\"\\e\\x\\a\\m\\p\\l\\e.com\\:\\4\\4\\3\"", "h3=\"example.com:443\"; ma=86400"),
            Arguments.of("h3=\"[2001:db8::1]:443\"", "h3=\"[2001:db8::1]:443\"; ma=86400"),
            Arguments.of("h3=\"192.0.2.1:00443\"", "h3=\"192.0.2.1:443\"; ma=86400"),
            // Percent-decoded protocol ids.
            Arguments.of("http%2F1.1=\":80\"", "http%2F1.1=\":80\"; ma=86400"),
            Arguments.of("%C3%A9=\":80\"", "%C3%A9=\":80\"; ma=86400"),
            Arguments.of("a%25b=\":80\"", "a%25b=\":80\"; ma=86400"),
            // A protocol named "clear" is an alternative, not the clear value.
            Arguments.of("clear=\":80\"", "clear=\":80\"; ma=86400"),
            Arguments.of("Clear=\":80\"", "Clear=\":80\"; ma=86400"));
    }

    @ParameterizedTest
    @MethodSource("handWritten")
    void handWrittenValues(String fieldValue, String canonical)
    {
        AltSvc parsed = AltSvc.parse(fieldValue);
        assertEquals(canonical, parsed.headerValue());
        assertEquals(parsed, AltSvc.parse(canonical));
    }

    @Test
    void partsAreParsed()
    {
        List<Alternative> alternatives = AltSvc.parse(
            "h2=\"alt.example.com:443\"; ma=2592000; persist=1, http%2F1.1=\"[::1]:8080\"").alternatives();
        assertEquals(2, alternatives.size());
        Alternative first = alternatives.get(0);
        assertEquals("h2", first.protocolId());
        assertEquals(Optional.of("alt.example.com"), first.host());
        assertEquals(443, first.port());
        assertEquals(Duration.ofDays(30), first.maxAge());
        assertTrue(first.persist());
        Alternative second = alternatives.get(1);
        assertEquals("http/1.1", second.protocolId());
        assertEquals(Optional.of("::1"), second.host());
        assertEquals(8080, second.port());
        assertEquals(Duration.ofSeconds(86400), second.maxAge());
        assertFalse(second.persist());
    }

    static Stream<Arguments> refused()
    {
        return Stream.of(
            Arguments.of("", "Alt-Svc: empty value at index 0 in \"\", expected \"clear\" or an alternative"),
            Arguments.of("  ", "Alt-Svc: empty value at index 2 in \"  \", expected \"clear\" or an alternative"),
            Arguments.of(", ,", "Alt-Svc: empty value at index 3 in \", ,\", expected \"clear\" or an alternative"),
            Arguments.of("h3=:443",
                "Alt-Svc: unexpected character ':' at index 3 in \"h3=:443\", expected '\"' (the alt-authority is a quoted-string)"),
            Arguments.of("h3=\":443\";",
                "Alt-Svc: unexpected end of value at index 10 in \"h3=\\\":443\\\";\", expected a parameter name"),
            Arguments.of("h3=\":443\"; ;ma=1",
                "Alt-Svc: unexpected character ';' at index 11 in \"h3=\\\":443\\\"; ;ma=1\", expected a parameter name"),
            Arguments.of("h3=\"example.com\"",
                "Alt-Svc: missing port in alt-authority \"example.com\" at index 3 in \"h3=\\\"example.com\\\"\""),
            Arguments.of("h3=\"example.com:\"",
                "Alt-Svc: missing port in alt-authority \"example.com:\" at index 3 in \"h3=\\\"example.com:\\\"\""),
            Arguments.of("h3=\"[::1]\"", "Alt-Svc: missing port in alt-authority \"[::1]\" at index 3 in \"h3=\\\"[::1]\\\"\""),
            Arguments.of("h3=\"\"", "Alt-Svc: missing port in alt-authority \"\" at index 3 in \"h3=\\\"\\\"\""),
            Arguments.of("h3=\":44x\"", "Alt-Svc: port must be digits, got \"44x\" at index 3 in \"h3=\\\":44x\\\"\""),
            Arguments.of("h3=\":0\"", "Alt-Svc: port must be between 1 and 65535, got \"0\" at index 3 in \"h3=\\\":0\\\"\""),
            Arguments.of("h3=\":65536\"",
                "Alt-Svc: port must be between 1 and 65535, got \"65536\" at index 3 in \"h3=\\\":65536\\\"\""),
            Arguments.of("h3=\":99999999999\"",
                "Alt-Svc: port must be between 1 and 65535, got \"99999999999\" at index 3 in \"h3=\\\":99999999999\\\"\""),
            Arguments.of("h3=\"::1:443\"",
                "Alt-Svc: an IPv6 host must be in brackets, got \"::1\" at index 3 in \"h3=\\\"::1:443\\\"\""),
            Arguments.of("h3=\"a b:443\"",
                "Alt-Svc host must be a name, an IPv4 address or an IPv6 address, got \"a b\" (' ' at index 1 is not allowed), "
                    + "in the alt-value at index 0 of \"h3=\\\"a b:443\\\"\""),
            Arguments.of("h3=\"a\\\"b:443\"",
                "Alt-Svc host must not contain '\"' or '\\', got \"a\\\"b\", in the alt-value at index 0 of \"h3=\\\"a\\\\\\\"b:443\\\"\""),
            Arguments.of("h3 = \":443\"", "Alt-Svc: unexpected character ' ' at index 2 in \"h3 = \\\":443\\\"\", expected '='"),
            Arguments.of("h3=\":443\" x", "Alt-Svc: unexpected character 'x' at index 10 in \"h3=\\\":443\\\" x\", expected ';', ',' or end of value"),
            Arguments.of("h3=\":443\"; ma=60 garbage",
                "Alt-Svc: unexpected character 'g' at index 17 in \"h3=\\\":443\\\"; ma=60 garbage\", expected ';', ',' or end of value"),
            Arguments.of("h3=\":443\"; ma", "Alt-Svc: unexpected end of value at index 13 in \"h3=\\\":443\\\"; ma\", expected '='"),
            Arguments.of("h3=\":443\"; ma=", "Alt-Svc: unexpected end of value at index 14 in \"h3=\\\":443\\\"; ma=\", expected a token or quoted-string"),
            Arguments.of("h3=\":443\"; ma = 60", "Alt-Svc: unexpected character ' ' at index 13 in \"h3=\\\":443\\\"; ma = 60\", expected '='"),
            Arguments.of("h3=\":443\"; ma=-1", "Alt-Svc: ma must be delta-seconds (digits only), got \"-1\" at index 14 in \"h3=\\\":443\\\"; ma=-1\""),
            Arguments.of("h3=\":443\"; ma=1.5", "Alt-Svc: ma must be delta-seconds (digits only), got \"1.5\" at index 14 in \"h3=\\\":443\\\"; ma=1.5\""),
            Arguments.of("h3=\":443\"; ma=\"\"", "Alt-Svc: ma must be delta-seconds (digits only), got \"\" at index 14 in \"h3=\\\":443\\\"; ma=\\\"\\\"\""),
            Arguments.of("h3=\":443\"; ma=1; ma=2", "Alt-Svc: duplicate parameter \"ma\" at index 17 in \"h3=\\\":443\\\"; ma=1; ma=2\""),
            Arguments.of("h3=\":443\"; persist=1; persist=1",
                "Alt-Svc: duplicate parameter \"persist\" at index 22 in \"h3=\\\":443\\\"; persist=1; persist=1\""),
            Arguments.of("h3=\":443", "Alt-Svc: unexpected end of value at index 8 in \"h3=\\\":443\", expected '\"' to close the quoted-string"),
            Arguments.of("h3=\":44\r\n3\"",
                "Alt-Svc: unexpected character '\\r' at index 7 in \"h3=\\\":44\\r\\n3\\\"\", expected '\"' to close the quoted-string"),
            Arguments.of("h3=\":443\"\r\nSet-Cookie: a=b",
                "Alt-Svc: unexpected character '\\r' at index 9 in \"h3=\\\":443\\\"\\r\\nSet-Cookie: a=b\", expected ';', ',' or end of value"),
            Arguments.of("h3=\":443\\", "Alt-Svc: unexpected end of value at index 9 in \"h3=\\\":443\\\\\", expected a character to escape after '\\'"),
            Arguments.of("\r\nh3=\":443\"", "Alt-Svc: unexpected character '\\r' at index 0 in \"\\r\\nh3=\\\":443\\\"\", expected a protocol-id or \"clear\""),
            Arguments.of("h3=\":443\"; ma=1\0", "Alt-Svc: unexpected character '\\0' at index 15 in \"h3=\\\":443\\\"; ma=1\\0\", expected ';', ',' or end of value"),
            Arguments.of("Clear", "Alt-Svc: \"clear\" is case-sensitive, got \"Clear\" at index 0 in \"Clear\""),
            Arguments.of("CLEAR", "Alt-Svc: \"clear\" is case-sensitive, got \"CLEAR\" at index 0 in \"CLEAR\""),
            Arguments.of("clear, h3=\":443\"", "Alt-Svc: \"clear\" must be the only value at index 7 in \"clear, h3=\\\":443\\\"\""),
            Arguments.of("h3=\":443\", clear", "Alt-Svc: \"clear\" must be the only value at index 11 in \"h3=\\\":443\\\", clear\""),
            Arguments.of("clear, clear", "Alt-Svc: \"clear\" must be the only value at index 7 in \"clear, clear\""),
            Arguments.of("clear; ma=1", "Alt-Svc: unexpected character ';' at index 5 in \"clear; ma=1\", expected ',' or end of value"),
            Arguments.of("h3", "Alt-Svc: unexpected end of value at index 2 in \"h3\", expected '='"),
            Arguments.of("=\":443\"", "Alt-Svc: unexpected character '=' at index 0 in \"=\\\":443\\\"\", expected a protocol-id or \"clear\""),
            Arguments.of("h3=\":443\"; ma=60 h2=\":443\"",
                "Alt-Svc: unexpected character 'h' at index 17 in \"h3=\\\":443\\\"; ma=60 h2=\\\":443\\\"\", expected ';', ',' or end of value"),
            Arguments.of("h3=\":443\" h2=\":443\"",
                "Alt-Svc: unexpected character 'h' at index 10 in \"h3=\\\":443\\\" h2=\\\":443\\\"\", expected ';', ',' or end of value"),
            Arguments.of("http/1.1=\":80\"", "Alt-Svc: unexpected character '/' at index 4 in \"http/1.1=\\\":80\\\"\", expected '='"),
            Arguments.of("a%2=\":80\"",
                "Alt-Svc: invalid percent-encoding in protocol-id at index 1 in \"a%2=\\\":80\\\"\", expected '%' and two uppercase hex digits"),
            Arguments.of("a%zz=\":80\"",
                "Alt-Svc: invalid percent-encoding in protocol-id at index 1 in \"a%zz=\\\":80\\\"\", expected '%' and two uppercase hex digits"),
            Arguments.of("http%2f1.1=\":80\"",
                "Alt-Svc: lowercase hex digit in percent-encoding of protocol-id at index 4 in \"http%2f1.1=\\\":80\\\"\", expected uppercase hex digits (RFC 7838 §3)"),
            Arguments.of("h%33=\":80\"",
                "Alt-Svc: token character '3' must not be percent-encoded in protocol-id at index 1 in \"h%33=\\\":80\\\"\""),
            Arguments.of("%FF=\":80\"", "Alt-Svc: protocol-id is not valid UTF-8 once percent-decoded at index 0 in \"%FF=\\\":80\\\"\""),
            Arguments.of("h3%0D%0A=\":80\"",
                "Alt-Svc protocol-id must not contain control characters, got \"h3\\r\\n\", in the alt-value at index 0 of \"h3%0D%0A=\\\":80\\\"\""),
            Arguments.of("%22=\":80\"",
                "Alt-Svc protocol-id must not contain '\"' or '\\', got \"\\\"\", in the alt-value at index 0 of \"%22=\\\":80\\\"\""),
            Arguments.of("%20=\":80\"",
                "Alt-Svc protocol-id must not be empty or blank, got \" \", in the alt-value at index 0 of \"%20=\\\":80\\\"\""),
            Arguments.of("h3=\":443\u0100\"",
                "Alt-Svc: unexpected character '\u0100' at index 8 in \"h3=\\\":443\u0100\\\"\", expected '\"' to close the quoted-string"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refused(String fieldValue, String message)
    {
        AltSvcException e = assertThrows(AltSvcException.class, () -> AltSvc.parse(fieldValue));
        assertEquals(message, e.getMessage());
        assertTrue(e.getMessage().contains(" at index "), "position is reported");
        assertFalse(e.getMessage().contains("\r") || e.getMessage().contains("\n"), "one-line message");
    }
}
