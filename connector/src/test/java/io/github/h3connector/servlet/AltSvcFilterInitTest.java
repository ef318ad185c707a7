package io.github.h3connector.servlet;

import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every invalid init-param is refused by {@code init()} with its exact message.
 */
class AltSvcFilterInitTest
{
    /** The input: init-params in a map, no servlet context. */
    record Config(Map<String, String> params) implements FilterConfig
    {
        @Override
        public String getFilterName()
        {
            return "AltSvcFilter";
        }

        @Override
        public ServletContext getServletContext()
        {
            return null;
        }

        @Override
        public String getInitParameter(String name)
        {
            return params.get(name);
        }

        @Override
        public Enumeration<String> getInitParameterNames()
        {
            return Collections.enumeration(params.keySet());
        }
    }

    static Config config(String... namesAndValues)
    {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2)
            params.put(namesAndValues[i], namesAndValues[i + 1]);
        return new Config(params);
    }

    static final String KNOWN = "the init-params are alt-svc, h3-port, h3-host, max-age, persist, advertise,"
        + " trusted-proxies, protocol-header, application-wins";

    static Stream<Arguments> invalid()
    {
        return Stream.of(
            Arguments.of(config("h3Port", "443"),
                "AltSvcFilter init-param 'h3Port' (value '443') is not known; did you mean 'h3-port'? " + KNOWN),
            Arguments.of(config("h3-port", "443", "remoteIpProxiesHeader", "x"),
                "AltSvcFilter init-param 'remoteIpProxiesHeader' (value 'x') is not known; " + KNOWN),
            Arguments.of(config("h3-port", "70000"),
                "AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '70000'"),
            Arguments.of(config("h3-port", "0"),
                "AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '0'"),
            Arguments.of(config("h3-port", "65536"),
                "AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '65536'"),
            Arguments.of(config("h3-port", "-1"),
                "AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '-1'"),
            Arguments.of(config("h3-port", "443x"),
                "AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '443x'"),
            Arguments.of(config("h3-port", ""),
                "AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got ''"),
            Arguments.of(config("h3-port", "99999999999999999999999"),
                "AltSvcFilter init-param 'h3-port' must be a port between 1 and 65535, got '99999999999999999999999'"),
            Arguments.of(config("h3-port", "443", "max-age", "-1"),
                "AltSvcFilter init-param 'max-age' must be a whole number of seconds between 0 and 2147483647, got '-1'"),
            Arguments.of(config("h3-port", "443", "max-age", "2147483648"),
                "AltSvcFilter init-param 'max-age' must be a whole number of seconds between 0 and 2147483647, got '2147483648'"),
            Arguments.of(config("h3-port", "443", "max-age", "1.5"),
                "AltSvcFilter init-param 'max-age' must be a whole number of seconds between 0 and 2147483647, got '1.5'"),
            Arguments.of(config("h3-port", "443", "max-age", "1d"),
                "AltSvcFilter init-param 'max-age' must be a whole number of seconds between 0 and 2147483647, got '1d'"),
            Arguments.of(config("h3-port", "443", "persist", "yes"),
                "AltSvcFilter init-param 'persist' must be 'true' or 'false', got 'yes'"),
            Arguments.of(config("h3-port", "443", "application-wins", "1"),
                "AltSvcFilter init-param 'application-wins' must be 'true' or 'false', got '1'"),
            Arguments.of(config("h3-port", "443", "advertise", "sometimes"),
                "AltSvcFilter init-param 'advertise' must be 'secure', 'always' or 'never', got 'sometimes'"),
            Arguments.of(config("h3-port", "443", "advertise", "tls"),
                "AltSvcFilter init-param 'advertise' must be 'secure', 'always' or 'never', got 'tls'"),
            Arguments.of(config("h3-port", "443", "h3-host", "bad host"),
                "AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got 'bad host' ("
                    + hostMessage("bad host") + ")"),
            Arguments.of(config("h3-port", "443", "h3-host", "[::1"),
                "AltSvcFilter init-param 'h3-host' must be a host name or an IP address, got '[::1' ("
                    + hostMessage("[::1") + ")"),
            Arguments.of(config("alt-svc", "h3=443"),
                "AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got 'h3=443' ("
                    + altSvcMessage("h3=443") + ")"),
            Arguments.of(config("alt-svc", ""),
                "AltSvcFilter init-param 'alt-svc' must be an RFC 7838 Alt-Svc value such as 'h3=\":443\"; ma=86400', got '' ("
                    + altSvcMessage("") + ")"),
            Arguments.of(config("alt-svc", "h3=\":443\"", "h3-port", "443"),
                "AltSvcFilter init-params 'alt-svc' and 'h3-port' exclude each other, got 'h3=\":443\"' and '443'; keep only one of them"),
            Arguments.of(config("alt-svc", "h3=\":443\"", "max-age", "60"),
                "AltSvcFilter init-param 'max-age' (value '60') is only used with 'h3-port', but 'alt-svc' is set;"
                    + " write it into the 'alt-svc' value instead"),
            Arguments.of(config("alt-svc", "h3=\":443\"", "persist", "true"),
                "AltSvcFilter init-param 'persist' (value 'true') is only used with 'h3-port', but 'alt-svc' is set;"
                    + " write it into the 'alt-svc' value instead"),
            Arguments.of(config("alt-svc", "h3=\":443\"", "h3-host", "example.com"),
                "AltSvcFilter init-param 'h3-host' (value 'example.com') is only used with 'h3-port', but 'alt-svc' is set;"
                    + " write it into the 'alt-svc' value instead"),
            Arguments.of(config("h3-host", "example.com"),
                "AltSvcFilter init-param 'h3-host' (value 'example.com') is only used with 'h3-port', which is not set;"
                    + " set 'h3-port' to the HTTP/3 (UDP) port"),
            Arguments.of(config(),
                "AltSvcFilter needs init-param 'h3-port' or 'alt-svc' to advertise HTTP/3, got neither; set 'h3-port'"
                    + " to the HTTP/3 (UDP) port, or set 'advertise' to 'never' to set only the protocol attributes"),
            Arguments.of(config("advertise", "always"),
                "AltSvcFilter needs init-param 'h3-port' or 'alt-svc' to advertise HTTP/3, got neither; set 'h3-port'"
                    + " to the HTTP/3 (UDP) port, or set 'advertise' to 'never' to set only the protocol attributes"),
            Arguments.of(config("h3-port", "443", "trusted-proxies", "127.0.0.1, proxy.local"),
                "AltSvcFilter init-param 'trusted-proxies' entry 'proxy.local' is invalid: 'proxy.local' is not an IP"
                    + " address; write an IPv4 or IPv6 literal (host names are not accepted: matching them would need DNS)"),
            Arguments.of(config("h3-port", "443", "trusted-proxies", "10.0.0.0/33"),
                "AltSvcFilter init-param 'trusted-proxies' entry '10.0.0.0/33' is invalid: the prefix length of an IPv4 range must be 0 to 32"),
            Arguments.of(config("h3-port", "443", "trusted-proxies", "::1/129"),
                "AltSvcFilter init-param 'trusted-proxies' entry '::1/129' is invalid: the prefix length of an IPv6 range must be 0 to 128"),
            Arguments.of(config("h3-port", "443", "trusted-proxies", "10.0.0.0/x"),
                "AltSvcFilter init-param 'trusted-proxies' entry '10.0.0.0/x' is invalid: the prefix length after '/' must be a number, 0 to 32"),
            Arguments.of(config("h3-port", "443", "trusted-proxies", "10.1.2.3/8"),
                "AltSvcFilter init-param 'trusted-proxies' entry '10.1.2.3/8' is invalid: '10.1.2.3/8' has address bits set"
                    + " beyond its prefix length; write 10.0.0.0/8 for the whole range, or 10.1.2.3 alone for that one address"),
            Arguments.of(config("h3-port", "443", "trusted-proxies", "2001:db8::1/32"),
                "AltSvcFilter init-param 'trusted-proxies' entry '2001:db8::1/32' is invalid: '2001:db8::1/32' has address bits set"
                    + " beyond its prefix length; write 2001:db8:0:0:0:0:0:0/32 for the whole range, or 2001:db8::1 alone for that one address"),
            Arguments.of(config("h3-port", "443", "trusted-proxies", "010.0.0.1"),
                "AltSvcFilter init-param 'trusted-proxies' entry '010.0.0.1' is invalid: '010.0.0.1' is not an IP"
                    + " address; write an IPv4 or IPv6 literal (host names are not accepted: matching them would need DNS)"),
            Arguments.of(config("h3-port", "443", "protocol-header", "X Proto"),
                "AltSvcFilter init-param 'protocol-header' must be a header name such as 'Via' or 'X-Forwarded-Protocol', got 'X Proto'"),
            Arguments.of(config("h3-port", "443", "protocol-header", ""),
                "AltSvcFilter init-param 'protocol-header' must be a header name such as 'Via' or 'X-Forwarded-Protocol', got ''"),
            Arguments.of(config("h3-port", "443", "protocol-header", "X-Forwarded-Proto"),
                "AltSvcFilter init-param 'protocol-header' must name a header that carries the protocol version, got"
                    + " 'X-Forwarded-Proto', which carries the scheme (read anyway for 'advertise=secure'); use 'Via' or a"
                    + " header such as 'X-Forwarded-Protocol'"),
            Arguments.of(config("h3-port", "443\n", "advertise", "al\nways"),
                "AltSvcFilter init-param 'advertise' must be 'secure', 'always' or 'never', got 'al\\u000Aways'"));
    }

    private static String hostMessage(String host)
    {
        return assertThrows(IllegalArgumentException.class,
            () -> io.github.h3connector.altsvc.Alternative.builder("h3").host(host).port(443).build()).getMessage();
    }

    private static String altSvcMessage(String value)
    {
        return assertThrows(IllegalArgumentException.class, () -> io.github.h3connector.altsvc.AltSvc.parse(value)).getMessage();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void refused(Config config, String message)
    {
        ServletException x = assertThrows(ServletException.class, () -> new AltSvcFilter().init(config));
        assertEquals(message, x.getMessage());
        assertFalse(x.getMessage().contains("\n"), "one line");
    }

    static Stream<Arguments> valid()
    {
        return Stream.of(
            Arguments.of(config("h3-port", "443"),
                "advertise=secure, Alt-Svc: h3=\":443\"; ma=86400, trusted-proxies: none, protocol-header: Via, application-wins: true"),
            Arguments.of(config("h3-port", " 1 ", "max-age", "0"),
                "advertise=secure, Alt-Svc: h3=\":1\"; ma=0, trusted-proxies: none, protocol-header: Via, application-wins: true"),
            Arguments.of(config("h3-port", "65535", "max-age", "2147483647", "persist", "TRUE", "h3-host", "[2001:db8::1]"),
                "advertise=secure, Alt-Svc: h3=\"[2001:db8::1]:65535\"; ma=2147483647; persist=1, trusted-proxies: none,"
                    + " protocol-header: Via, application-wins: true"),
            Arguments.of(config("alt-svc", "clear", "advertise", "Always", "application-wins", "false"),
                "advertise=always, Alt-Svc: clear, trusted-proxies: none, protocol-header: Via, application-wins: false"),
            Arguments.of(config("advertise", "never", "trusted-proxies", " 127.0.0.1,::1\n\t10.0.0.0/8 ,", "protocol-header", "x-forwarded-protocol"),
                "advertise=never, trusted-proxies: 127.0.0.1, ::1, 10.0.0.0/8, protocol-header: x-forwarded-protocol, application-wins: true"),
            Arguments.of(config("advertise", "never", "trusted-proxies", "", "protocol-header", "VIA"),
                "advertise=never, trusted-proxies: none, protocol-header: Via, application-wins: true"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("valid")
    void accepted(Config config, String description) throws ServletException
    {
        AltSvcFilter filter = new AltSvcFilter();
        filter.init(config);
        assertEquals("AltSvcFilter{" + description + "}", filter.toString());
    }

    @Test
    void parameterNamesMatchTheConstants()
    {
        assertEquals("alt-svc", AltSvcFilter.ALT_SVC_PARAMETER);
        assertEquals("h3-port", AltSvcFilter.H3_PORT_PARAMETER);
        assertEquals("h3-host", AltSvcFilter.H3_HOST_PARAMETER);
        assertEquals("max-age", AltSvcFilter.MAX_AGE_PARAMETER);
        assertEquals("persist", AltSvcFilter.PERSIST_PARAMETER);
        assertEquals("advertise", AltSvcFilter.ADVERTISE_PARAMETER);
        assertEquals("trusted-proxies", AltSvcFilter.TRUSTED_PROXIES_PARAMETER);
        assertEquals("protocol-header", AltSvcFilter.PROTOCOL_HEADER_PARAMETER);
        assertEquals("application-wins", AltSvcFilter.APPLICATION_WINS_PARAMETER);
    }
}
