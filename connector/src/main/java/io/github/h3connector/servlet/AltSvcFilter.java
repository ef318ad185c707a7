package io.github.h3connector.servlet;

import java.io.IOException;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

import io.github.h3connector.H3Attributes;
import io.github.h3connector.HttpProtocol;
import io.github.h3connector.altsvc.AltSvc;
import io.github.h3connector.altsvc.AltSvcException;
import io.github.h3connector.altsvc.Alternative;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * Advertises HTTP/3 with an {@code Alt-Svc} response header (RFC 7838) and tells the application which protocol the
 * client used, through the {@link H3Attributes} request attributes, in any servlet container: declared in
 * {@code web.xml}, it needs the servlet API (5.0 or later, so {@code jakarta.servlet}) and nothing else, not Jetty.
 * Use it where the HTTP/3 endpoint is not this server's own Jetty connector: behind a proxy or load balancer that
 * terminates HTTP/3 (IIS, nginx, a CDN), or in a container without HTTP/3. On Jetty with the
 * {@code io.github.h3connector.jetty} connector, that connector's customizers already do both, for every request
 * including those Jetty answers itself; the filter can still run there, and then agrees with the connector's
 * attributes.
 *
 * <p><b>Trust.</b> A server cannot tell whether a {@code Via}, {@code X-Forwarded-Protocol}, {@code Forwarded} or
 * {@code X-Forwarded-Proto} header was written by a proxy of its own or by the client: any client can send any
 * header. The filter therefore reads them only from the addresses listed in {@code trusted-proxies} (none by
 * default, so by default it reads none) and, even then, only the last element of each, the one that the directly
 * connected proxy appended. Everything else in those headers may have come from the client and is ignored; from an
 * untrusted address they are all ignored. The advertised value never contains anything taken from the request
 * (not the {@code Host}, not a header): it is fixed in {@link #init(FilterConfig)}.
 *
 * <p><b>What it does on each request.</b>
 * <ol>
 *   <li>Sets the {@link H3Attributes} attributes:
 *     <ul>
 *       <li>{@value H3Attributes#HOP_PROTOCOL}: what this container received, {@code getProtocol()} normalised by
 *           {@link HttpProtocol} ({@code "HTTP/1.1"}, {@code "HTTP/2"}, {@code "HTTP/3"});</li>
 *       <li>{@value H3Attributes#PROTOCOL} and {@value H3Attributes#HTTP3}: the client-facing protocol, which is
 *           the one the trusted proxy reports in {@code protocol-header} (then {@value H3Attributes#PROTOCOL_SOURCE}
 *           is {@value H3Attributes#SOURCE_FORWARDED}), or else the hop protocol ({@value
 *           H3Attributes#SOURCE_CONNECTION});</li>
 *       <li>when {@value H3Attributes#PROTOCOL} is already set, by the Jetty connector or by this filter on an earlier
 *           dispatch, and no trusted proxy reports a protocol, the attributes already there are kept.</li>
 *     </ul>
 *   </li>
 *   <li>Unless {@code advertise} says not to, or h3connector's own Jetty connector served the request (its attributes
 *       were there before the filter ran; that connector advertises from the live state of its QUIC listener, and
 *       sends {@code clear} while draining), sets {@code Alt-Svc} <em>before</em> the rest of the chain runs, so
 *       it is there even when the application commits the response at once. A value already present at that point
 *       was put there by the container (for example Jetty's own {@code http3} module, which may advertise the wrong
 *       port) and is replaced: exactly one {@code Alt-Svc} leaves. The response is wrapped so that the header
 *       survives {@code reset()} and {@code sendError()}; with {@code application-wins} a value the application
 *       sets (or adds) replaces the filter's, otherwise the application's is dropped.</li>
 * </ol>
 *
 * <p><b>Init-params.</b> Every name and value is checked by {@link #init(FilterConfig)}: an unknown name or a malformed
 * value fails it with a {@link ServletException} whose message names the init-param, the value and the fix, so that
 * a misconfigured application fails to deploy rather than serve without the header. The advertisement is either
 * {@value #ALT_SVC_PARAMETER}, or {@value #H3_PORT_PARAMETER} with the optional {@value #H3_HOST_PARAMETER},
 * {@value #MAX_AGE_PARAMETER} and {@value #PERSIST_PARAMETER}; not both.
 * <table class="striped">
 *   <caption>AltSvcFilter init-params</caption>
 *   <tr><th>name</th><th>meaning</th><th>format</th><th>default</th></tr>
 *   <tr><td>{@value #ALT_SVC_PARAMETER}</td>
 *       <td>the whole {@code Alt-Svc} value to send</td>
 *       <td>an RFC 7838 field value, such as {@code h3=":443"; ma=86400} or {@code clear}; checked strictly</td>
 *       <td>none: give this or {@value #H3_PORT_PARAMETER}</td></tr>
 *   <tr><td>{@value #H3_PORT_PARAMETER}</td>
 *       <td>the UDP port where HTTP/3 is served, to build {@code h3=":port"; ma=…}</td>
 *       <td>1 to 65535</td>
 *       <td>none: give this or {@value #ALT_SVC_PARAMETER}</td></tr>
 *   <tr><td>{@value #H3_HOST_PARAMETER}</td>
 *       <td>another host that serves HTTP/3 (only with {@value #H3_PORT_PARAMETER})</td>
 *       <td>a host name, IPv4 or IPv6 address</td>
 *       <td>none: the same host as the request</td></tr>
 *   <tr><td>{@value #MAX_AGE_PARAMETER}</td>
 *       <td>how long the client may remember the advertisement (only with {@value #H3_PORT_PARAMETER})</td>
 *       <td>seconds, 0 to 2147483647</td>
 *       <td>{@code 86400} (24 hours)</td></tr>
 *   <tr><td>{@value #PERSIST_PARAMETER}</td>
 *       <td>whether the client keeps the advertisement across network changes (only with
 *           {@value #H3_PORT_PARAMETER})</td>
 *       <td>{@code true} or {@code false}</td>
 *       <td>{@code false}</td></tr>
 *   <tr><td>{@value #ADVERTISE_PARAMETER}</td>
 *       <td>when to send {@code Alt-Svc}: {@code secure} only on requests that reached the client over TLS
 *           ({@code isSecure()}, an HTTP/3 client protocol, or {@code Forwarded: proto=https} or
 *           {@code X-Forwarded-Proto: https} from a trusted proxy), since clients ignore it on plain HTTP;
 *           {@code always} on every request; {@code never} to only set the attributes</td>
 *       <td>{@code secure}, {@code always} or {@code never}</td>
 *       <td>{@code secure}</td></tr>
 *   <tr><td>{@value #TRUSTED_PROXIES_PARAMETER}</td>
 *       <td>the proxies whose headers are believed, matched against {@code getRemoteAddr()} without DNS; an
 *           IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}) counts as its IPv4 address</td>
 *       <td>IPv4 and IPv6 addresses and CIDR ranges, separated by commas or whitespace, such as
 *           {@code 127.0.0.1, ::1, 10.0.0.0/8, fd00::/8}</td>
 *       <td>none: no proxy header is read</td></tr>
 *   <tr><td>{@value #PROTOCOL_HEADER_PARAMETER}</td>
 *       <td>where a trusted proxy reports the protocol its client used. For {@code Via} (RFC 9110 §7.6.3), the
 *           protocol of the <em>last</em> entry, the one the directly connected proxy appended for what it
 *           received: {@code Via: 1.1 a, 3 edge} means HTTP/3. Entries before it may have been written by the client
 *           and are ignored, so a client that sends {@code Via: 3 x} to a proxy that received HTTP/1.1 and appends
 *           {@code 1.1 proxy} gets HTTP/1.1. For any other header, its last comma-separated value, such as nginx's
 *           {@code $server_protocol}</td>
 *       <td>a header name; values such as {@code 3}, {@code 3.0}, {@code HTTP/3}, {@code HTTP/3.0}, {@code 2},
 *           {@code HTTP/2.0}, {@code 1.1}, {@code HTTP/1.1} are understood, others are ignored</td>
 *       <td>{@code Via}</td></tr>
 *   <tr><td>{@value #APPLICATION_WINS_PARAMETER}</td>
 *       <td>whether an {@code Alt-Svc} that the application sets replaces the filter's ({@code false}: the
 *           application's is dropped)</td>
 *       <td>{@code true} or {@code false}</td>
 *       <td>{@code true}</td></tr>
 * </table>
 *
 * <p>A typical declaration, first among the filter mappings so that the header is set before any other filter can
 * commit the response, and mapped for every dispatch type that produces a response:
 * <pre>{@code
 * <filter>
 *   <filter-name>AltSvcFilter</filter-name>
 *   <filter-class>io.github.h3connector.servlet.AltSvcFilter</filter-class>
 *   <async-supported>true</async-supported>
 *   <init-param><param-name>h3-port</param-name><param-value>443</param-value></init-param>
 *   <init-param><param-name>trusted-proxies</param-name><param-value>127.0.0.1, ::1</param-value></init-param>
 * </filter>
 * <filter-mapping>
 *   <filter-name>AltSvcFilter</filter-name>
 *   <url-pattern>/*</url-pattern>
 *   <dispatcher>REQUEST</dispatcher>
 *   <dispatcher>ASYNC</dispatcher>
 *   <dispatcher>ERROR</dispatcher>
 * </filter-mapping>
 * }</pre>
 *
 * <p>Cost: the header value, the trusted ranges and every other setting are computed once, in {@code init()}. Per
 * request the filter allocates nothing of its own beyond one response wrapper when it advertises; address and header
 * parsing work on the strings the container returns.
 */
public class AltSvcFilter implements Filter
{
    /** Init-param: the whole {@code Alt-Svc} value. */
    public static final String ALT_SVC_PARAMETER = "alt-svc";
    /** Init-param: the HTTP/3 (UDP) port to advertise, 1 to 65535. */
    public static final String H3_PORT_PARAMETER = "h3-port";
    /** Init-param: the alternative host; default the request's own. */
    public static final String H3_HOST_PARAMETER = "h3-host";
    /** Init-param: the advertisement's max-age in seconds. Default value : {@code 86400}. */
    public static final String MAX_AGE_PARAMETER = "max-age";
    /** Init-param: {@code persist=1} or not. Default value : {@code false}. */
    public static final String PERSIST_PARAMETER = "persist";
    /** Init-param: {@code secure}, {@code always} or {@code never}. Default value : {@code secure}. */
    public static final String ADVERTISE_PARAMETER = "advertise";
    /** Init-param: addresses and CIDR ranges of the proxies whose headers are read. Default value : none. */
    public static final String TRUSTED_PROXIES_PARAMETER = "trusted-proxies";
    /** Init-param: the header where a trusted proxy reports the client's protocol. Default value : {@code Via}. */
    public static final String PROTOCOL_HEADER_PARAMETER = "protocol-header";
    /** Init-param: whether an {@code Alt-Svc} set by the application replaces the filter's. Default value : {@code true}. */
    public static final String APPLICATION_WINS_PARAMETER = "application-wins";

    /** The default of {@value #MAX_AGE_PARAMETER}: 24 hours, RFC 7838's own default. */
    public static final long DEFAULT_MAX_AGE_SECONDS = 86400;

    private static final List<String> PARAMETERS = List.of(ALT_SVC_PARAMETER, H3_PORT_PARAMETER, H3_HOST_PARAMETER,
        MAX_AGE_PARAMETER, PERSIST_PARAMETER, ADVERTISE_PARAMETER, TRUSTED_PROXIES_PARAMETER, PROTOCOL_HEADER_PARAMETER,
        APPLICATION_WINS_PARAMETER);

    private static final String ALT_SVC = "Alt-Svc";
    private static final String PREFIX = "AltSvcFilter ";
    /** Marks a request whose response already got the filter's header, so that a later dispatch keeps what is there. */
    private static final String APPLIED_ATTRIBUTE = AltSvcFilter.class.getName() + ".applied";
    /**
     * Whether h3connector's Jetty connector served the request, seen on its first dispatch: then that connector sets
     * {@code Alt-Svc} from the state of its QUIC listener (only while it runs, {@code clear} while draining), and the
     * filter leaves the header alone.
     */
    private static final String CONNECTOR_ATTRIBUTE = AltSvcFilter.class.getName() + ".connector";

    /** When {@code Alt-Svc} is sent: the values of {@value #ADVERTISE_PARAMETER}. */
    enum Advertise
    {
        /** Only on requests that reached the client over TLS. */
        SECURE,
        /** On every request. */
        ALWAYS,
        /** Never: the filter only sets the attributes. */
        NEVER
    }

    private Advertise advertise = Advertise.SECURE;
    private String headerValue;
    private TrustedProxies trustedProxies = TrustedProxies.NONE;
    private String protocolHeader = ProxyHeaders.VIA;
    private boolean via = true;
    private boolean applicationWins = true;

    /**
     * Reads and checks every init-param; see the class documentation for the table.
     *
     * @throws ServletException for an unknown init-param or a malformed or contradictory value, with a one-line
     *     message that names the init-param, the value and the fix
     */
    @Override
    public void init(FilterConfig config) throws ServletException
    {
        Enumeration<String> names = config.getInitParameterNames();
        while (names != null && names.hasMoreElements())
        {
            String name = names.nextElement();
            if (!PARAMETERS.contains(name))
                throw unknownParameter(name, config.getInitParameter(name));
        }

        String advertiseText = parameter(config, ADVERTISE_PARAMETER);
        if (advertiseText != null)
        {
            switch (advertiseText.toLowerCase(Locale.ROOT))
            {
                case "secure" -> advertise = Advertise.SECURE;
                case "always" -> advertise = Advertise.ALWAYS;
                case "never" -> advertise = Advertise.NEVER;
                default -> throw fail("init-param '" + ADVERTISE_PARAMETER + "' must be 'secure', 'always' or 'never', got '"
                    + show(advertiseText) + "'");
            }
        }
        applicationWins = booleanParameter(config, APPLICATION_WINS_PARAMETER, true);

        String trusted = config.getInitParameter(TRUSTED_PROXIES_PARAMETER);
        if (trusted != null)
        {
            try
            {
                trustedProxies = TrustedProxies.parse(trusted);
            }
            catch (IllegalArgumentException x)
            {
                throw fail("init-param '" + TRUSTED_PROXIES_PARAMETER + "' " + show(x.getMessage()));
            }
        }

        String header = parameter(config, PROTOCOL_HEADER_PARAMETER);
        if (header != null)
        {
            if (!isToken(header))
            {
                throw fail("init-param '" + PROTOCOL_HEADER_PARAMETER + "' must be a header name such as 'Via' or"
                    + " 'X-Forwarded-Protocol', got '" + show(header) + "'");
            }
            if (header.equalsIgnoreCase(ProxyHeaders.X_FORWARDED_PROTO) || header.equalsIgnoreCase(ProxyHeaders.FORWARDED))
            {
                throw fail("init-param '" + PROTOCOL_HEADER_PARAMETER + "' must name a header that carries the protocol"
                    + " version, got '" + header + "', which carries the scheme (read anyway for 'advertise=secure');"
                    + " use 'Via' or a header such as 'X-Forwarded-Protocol'");
            }
            via = header.equalsIgnoreCase(ProxyHeaders.VIA);
            protocolHeader = via ? ProxyHeaders.VIA : header;
        }

        headerValue = advertisement(config);

        ServletContext context = config.getServletContext();
        if (context != null)
        {
            context.log(PREFIX + "'" + config.getFilterName() + "': " + describe());
            if (trustedProxies.trustsEveryone())
            {
                context.log(PREFIX + "warning: init-param '" + TRUSTED_PROXIES_PARAMETER + "' ('" + trustedProxies
                    + "') trusts every address, so any client can claim HTTP/3 or TLS in proxy headers");
            }
            if (header != null && trustedProxies.isEmpty())
            {
                context.log(PREFIX + "warning: init-param '" + PROTOCOL_HEADER_PARAMETER + "' has no effect without '"
                    + TRUSTED_PROXIES_PARAMETER + "'");
            }
            if (advertise == Advertise.NEVER && headerValue != null)
                context.log(PREFIX + "warning: 'advertise' is 'never', so '" + headerValue + "' is not sent");
        }
    }

    /** Builds the header value from {@code alt-svc} or {@code h3-port} and friends; null when there is none. */
    private String advertisement(FilterConfig config) throws ServletException
    {
        String altSvc = parameter(config, ALT_SVC_PARAMETER);
        String port = parameter(config, H3_PORT_PARAMETER);
        if (altSvc != null && port != null)
        {
            throw fail("init-params '" + ALT_SVC_PARAMETER + "' and '" + H3_PORT_PARAMETER + "' exclude each other, got '"
                + show(altSvc) + "' and '" + show(port) + "'; keep only one of them");
        }
        if (altSvc != null || port == null)
        {
            for (String name : List.of(H3_HOST_PARAMETER, MAX_AGE_PARAMETER, PERSIST_PARAMETER))
            {
                String value = config.getInitParameter(name);
                if (value == null)
                    continue;
                if (altSvc != null)
                {
                    throw fail("init-param '" + name + "' (value '" + show(value) + "') is only used with '"
                        + H3_PORT_PARAMETER + "', but '" + ALT_SVC_PARAMETER + "' is set; write it into the '"
                        + ALT_SVC_PARAMETER + "' value instead");
                }
                throw fail("init-param '" + name + "' (value '" + show(value) + "') is only used with '"
                    + H3_PORT_PARAMETER + "', which is not set; set '" + H3_PORT_PARAMETER + "' to the HTTP/3 (UDP) port");
            }
        }
        if (altSvc != null)
        {
            try
            {
                return AltSvc.parse(altSvc).headerValue();
            }
            catch (AltSvcException x)
            {
                throw fail("init-param '" + ALT_SVC_PARAMETER + "' must be an RFC 7838 Alt-Svc value such as"
                    + " 'h3=\":443\"; ma=86400', got '" + show(altSvc) + "' (" + show(x.getMessage()) + ")");
            }
        }
        if (port == null)
        {
            if (advertise == Advertise.NEVER)
                return null;
            throw fail("needs init-param '" + H3_PORT_PARAMETER + "' or '" + ALT_SVC_PARAMETER + "' to advertise HTTP/3,"
                + " got neither; set '" + H3_PORT_PARAMETER + "' to the HTTP/3 (UDP) port, or set '"
                + ADVERTISE_PARAMETER + "' to 'never' to set only the protocol attributes");
        }
        int portNumber = (int)number(port, H3_PORT_PARAMETER, 1, 65535,
            "must be a port between 1 and 65535");
        long maxAge = DEFAULT_MAX_AGE_SECONDS;
        String maxAgeText = parameter(config, MAX_AGE_PARAMETER);
        if (maxAgeText != null)
        {
            maxAge = number(maxAgeText, MAX_AGE_PARAMETER, 0, Alternative.MAX_MAX_AGE_SECONDS,
                "must be a whole number of seconds between 0 and " + Alternative.MAX_MAX_AGE_SECONDS);
        }
        boolean persist = booleanParameter(config, PERSIST_PARAMETER, false);
        Alternative.Builder builder = Alternative.builder(HttpProtocol.HTTP_3.alpn()).port(portNumber)
            .maxAgeSeconds(maxAge).persist(persist);
        String host = parameter(config, H3_HOST_PARAMETER);
        if (host != null)
            builder.host(host);
        try
        {
            return AltSvc.of(builder.build()).headerValue();
        }
        catch (AltSvcException x)
        {
            // The port and max-age are checked above, and the protocol id is fixed: only the host can be wrong.
            throw fail("init-param '" + H3_HOST_PARAMETER + "' must be a host name or an IP address, got '"
                + show(String.valueOf(host)) + "' (" + show(x.getMessage()) + ")");
        }
    }

    private String describe()
    {
        return "advertise=" + advertise.name().toLowerCase(Locale.ROOT)
            + (headerValue == null ? "" : ", Alt-Svc: " + headerValue)
            + ", trusted-proxies: " + (trustedProxies.isEmpty() ? "none" : trustedProxies.toString())
            + ", protocol-header: " + protocolHeader
            + ", application-wins: " + applicationWins;
    }

    /** The stripped value, or null when absent; a blank value counts as given (and is then refused as malformed). */
    private static String parameter(FilterConfig config, String name)
    {
        String value = config.getInitParameter(name);
        return value == null ? null : value.strip();
    }

    private static boolean booleanParameter(FilterConfig config, String name, boolean defaultValue) throws ServletException
    {
        String value = parameter(config, name);
        if (value == null)
            return defaultValue;
        if (value.equalsIgnoreCase("true"))
            return true;
        if (value.equalsIgnoreCase("false"))
            return false;
        throw fail("init-param '" + name + "' must be 'true' or 'false', got '" + show(value) + "'");
    }

    private static long number(String value, String name, long min, long max, String requirement) throws ServletException
    {
        boolean digits = !value.isEmpty() && value.length() <= 18;
        for (int i = 0; digits && i < value.length(); i++)
        {
            char c = value.charAt(i);
            digits = c >= '0' && c <= '9';
        }
        long number = digits ? Long.parseLong(value) : -1;
        if (!digits || number < min || number > max)
            throw fail("init-param '" + name + "' " + requirement + ", got '" + show(value) + "'");
        return number;
    }

    private static ServletException unknownParameter(String name, String value)
    {
        String key = simplify(name);
        String suggestion = null;
        for (String known : PARAMETERS)
        {
            if (simplify(known).equals(key))
                suggestion = known;
        }
        return fail("init-param '" + show(name) + "' (value '" + show(String.valueOf(value)) + "') is not known; "
            + (suggestion == null ? "" : "did you mean '" + suggestion + "'? ")
            + "the init-params are " + String.join(", ", PARAMETERS));
    }

    /** {@code h3Port}, {@code H3_PORT} and {@code h3-port} alike, to suggest the right spelling. */
    private static String simplify(String name)
    {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++)
        {
            char c = name.charAt(i);
            if (Character.isLetterOrDigit(c))
                out.append(Character.toLowerCase(c));
        }
        return out.toString();
    }

    private static ServletException fail(String message)
    {
        return new ServletException(PREFIX + message);
    }

    /** Escapes control characters, so that the message stays on one line whatever the configuration holds. */
    private static String show(String value)
    {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7F && c < 0xA0) || c == '\u2028' || c == '\u2029';
            if (control && out == null)
                out = new StringBuilder(value.length() + 8).append(value, 0, i);
            if (control)
                out.append(String.format("\\u%04X", (int)c));
            else if (out != null)
                out.append(c);
        }
        return out == null ? value : out.toString();
    }

    /** RFC 9110 §5.6.2 {@code token}: what a header name must be. */
    private static boolean isToken(String name)
    {
        if (name.isEmpty())
            return false;
        for (int i = 0; i < name.length(); i++)
        {
            char c = name.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar)
                return false;
        }
        return true;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException
    {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response))
        {
            chain.doFilter(req, res);
            return;
        }
        Object connector = request.getAttribute(CONNECTOR_ATTRIBUTE);
        if (connector == null)
        {
            connector = request.getAttribute(H3Attributes.PROTOCOL) != null;
            request.setAttribute(CONNECTOR_ATTRIBUTE, connector);
        }
        boolean fromTrustedProxy = !trustedProxies.isEmpty() && trustedProxies.contains(request.getRemoteAddr());
        boolean http3 = setAttributes(request, fromTrustedProxy);
        if (Boolean.TRUE.equals(connector) || advertise == Advertise.NEVER || (advertise == Advertise.SECURE && !reachedClientOverTls(request, fromTrustedProxy, http3)))
        {
            chain.doFilter(request, response);
            return;
        }
        if (response instanceof AltSvcKeepingResponse keeping)
        {
            // An ASYNC dispatch of startAsync(request, response): the wrapper of the first dispatch is still in place.
            keeping.restore();
            chain.doFilter(request, response);
            return;
        }
        if (request.getAttribute(APPLIED_ATTRIBUTE) == null)
        {
            // First pass: a value already there came from the container, not from the application.
            request.setAttribute(APPLIED_ATTRIBUTE, Boolean.TRUE);
            response.setHeader(ALT_SVC, headerValue);
        }
        else if (!applicationWins || response.getHeader(ALT_SVC) == null)
        {
            // A later dispatch (ERROR, ASYNC, FORWARD): a value there now is the filter's or the application's.
            response.setHeader(ALT_SVC, headerValue);
        }
        chain.doFilter(request, new AltSvcKeepingResponse(response, headerValue, applicationWins));
    }

    /**
     * Sets the attributes and returns whether the client-facing protocol is HTTP/3.
     */
    private boolean setAttributes(HttpServletRequest request, boolean fromTrustedProxy)
    {
        String hopText = request.getProtocol();
        HttpProtocol hop = ProxyHeaders.version(hopText);
        String hopName = hop == null ? hopText : hop.toString();
        HttpProtocol reported = fromTrustedProxy ? ProxyHeaders.reportedProtocol(request, protocolHeader, via) : null;
        if (reported != null)
        {
            request.setAttribute(H3Attributes.PROTOCOL, reported.toString());
            request.setAttribute(H3Attributes.HTTP3, reported.isHttp3() ? Boolean.TRUE : Boolean.FALSE);
            request.setAttribute(H3Attributes.HOP_PROTOCOL, hopName);
            request.setAttribute(H3Attributes.PROTOCOL_SOURCE, H3Attributes.SOURCE_FORWARDED);
            return reported.isHttp3();
        }
        Object existing = request.getAttribute(H3Attributes.PROTOCOL);
        if (existing != null)
        {
            // Set by the Jetty connector, or by this filter on an earlier dispatch: agree with it.
            if (request.getAttribute(H3Attributes.HOP_PROTOCOL) == null)
                request.setAttribute(H3Attributes.HOP_PROTOCOL, hopName);
            if (request.getAttribute(H3Attributes.PROTOCOL_SOURCE) == null)
                request.setAttribute(H3Attributes.PROTOCOL_SOURCE, H3Attributes.SOURCE_CONNECTION);
            Object http3 = request.getAttribute(H3Attributes.HTTP3);
            if (http3 instanceof Boolean flag)
                return flag;
            boolean isHttp3 = HttpProtocol.HTTP_3.toString().equals(existing);
            request.setAttribute(H3Attributes.HTTP3, isHttp3 ? Boolean.TRUE : Boolean.FALSE);
            return isHttp3;
        }
        request.setAttribute(H3Attributes.PROTOCOL, hopName);
        request.setAttribute(H3Attributes.HTTP3, hop == HttpProtocol.HTTP_3 ? Boolean.TRUE : Boolean.FALSE);
        request.setAttribute(H3Attributes.HOP_PROTOCOL, hopName);
        request.setAttribute(H3Attributes.PROTOCOL_SOURCE, H3Attributes.SOURCE_CONNECTION);
        return hop == HttpProtocol.HTTP_3;
    }

    private static boolean reachedClientOverTls(HttpServletRequest request, boolean fromTrustedProxy, boolean http3)
    {
        if (http3)
            return true; // QUIC is always encrypted
        if (fromTrustedProxy)
        {
            int scheme = ProxyHeaders.scheme(request);
            if (scheme != ProxyHeaders.UNKNOWN)
                return scheme == ProxyHeaders.SECURE;
        }
        return request.isSecure();
    }

    @Override
    public String toString()
    {
        return "AltSvcFilter{" + describe() + "}";
    }

    /**
     * Keeps the filter's {@code Alt-Svc} on the response through {@link #reset()} and {@link #sendError(int)}, and
     * lets the application replace it ({@code application-wins}) or not, so that exactly one value leaves.
     */
    private static final class AltSvcKeepingResponse extends HttpServletResponseWrapper
    {
        private final String headerValue;
        private final boolean applicationWins;
        private boolean applicationSet;

        AltSvcKeepingResponse(HttpServletResponse response, String headerValue, boolean applicationWins)
        {
            super(response);
            this.headerValue = headerValue;
            this.applicationWins = applicationWins;
        }

        /** Puts the filter's value back unless the application's value is there and wins. */
        void restore()
        {
            HttpServletResponse response = (HttpServletResponse)getResponse();
            if (!applicationWins || !applicationSet || response.getHeader(ALT_SVC) == null)
                response.setHeader(ALT_SVC, headerValue);
        }

        @Override
        public void setHeader(String name, String value)
        {
            if (!ALT_SVC.equalsIgnoreCase(name))
                super.setHeader(name, value);
            else if (applicationWins)
            {
                applicationSet = true;
                super.setHeader(name, value);
            }
        }

        @Override
        public void addHeader(String name, String value)
        {
            if (!ALT_SVC.equalsIgnoreCase(name))
                super.addHeader(name, value);
            else if (applicationWins)
            {
                // The first value the application adds replaces the filter's; further ones are the application's own.
                if (applicationSet)
                    super.addHeader(name, value);
                else
                    super.setHeader(name, value);
                applicationSet = true;
            }
        }

        @Override
        public void reset()
        {
            super.reset();
            applicationSet = false;
            super.setHeader(ALT_SVC, headerValue);
        }

        @Override
        public void sendError(int status, String message) throws IOException
        {
            super.sendError(status, message);
            restore();
        }

        @Override
        public void sendError(int status) throws IOException
        {
            super.sendError(status);
            restore();
        }
    }
}
