package io.github.h3connector.servlet;

import java.util.Enumeration;

import io.github.h3connector.HttpProtocol;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Reads what the nearest proxy reports in {@code Via} (RFC 9110 §7.6.3), a named protocol header such as
 * {@code X-Forwarded-Protocol}, {@code Forwarded} (RFC 7239) and {@code X-Forwarded-Proto}.
 *
 * <p>Each of these is a list that every proxy appends to, so only the <em>last</em> element is the one written by
 * the proxy that connected to this server; whatever comes before it was written by hops this server cannot check,
 * possibly the client itself. Every method therefore reads the last non-empty element of the last field, and
 * nothing else. Parsing works on index ranges of the header strings: it allocates nothing.
 */
final class ProxyHeaders
{
    /** {@link #scheme} result: the nearest proxy reports {@code https} (or {@code wss}). */
    static final int SECURE = 1;
    /** {@link #scheme} result: the nearest proxy reports another scheme. */
    static final int NOT_SECURE = 0;
    /** {@link #scheme} result: no report. */
    static final int UNKNOWN = -1;

    static final String VIA = "Via";
    static final String FORWARDED = "Forwarded";
    static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";

    private ProxyHeaders()
    {
    }

    /**
     * @param request the request, which must come from a trusted proxy
     * @param header the header to read: {@code Via}, or a header whose value is a protocol version
     * @param via whether the header has the {@code Via} syntax
     * @return the client-facing protocol that the nearest proxy reports, or null when it reports none this filter
     *     understands
     */
    static HttpProtocol reportedProtocol(HttpServletRequest request, String header, boolean via)
    {
        Enumeration<String> fields = request.getHeaders(header);
        if (fields == null)
            return null;
        String field = null;
        long bounds = -1;
        while (fields.hasMoreElements())
        {
            String value = fields.nextElement();
            long element = value == null ? -1 : lastElement(value, via);
            if (element >= 0)
            {
                field = value;
                bounds = element;
            }
        }
        if (field == null)
            return null;
        int start = (int)(bounds >>> 32);
        int end = (int)bounds;
        return via ? viaProtocol(field, start, end) : version(field, start, end);
    }

    /**
     * @param request the request, which must come from a trusted proxy
     * @return whether the nearest proxy reports that the client used TLS: from {@code Forwarded: proto=}, else from
     *     {@code X-Forwarded-Proto}; {@link #UNKNOWN} when it reports neither
     */
    static int scheme(HttpServletRequest request)
    {
        String field = lastField(request, FORWARDED);
        if (field != null)
        {
            long bounds = lastElement(field, false);
            int result = forwardedProto(field, (int)(bounds >>> 32), (int)bounds);
            if (result != UNKNOWN)
                return result;
        }
        field = lastField(request, X_FORWARDED_PROTO);
        if (field != null)
        {
            long bounds = lastElement(field, false);
            return isSecureScheme(field, (int)(bounds >>> 32), (int)bounds) ? SECURE : NOT_SECURE;
        }
        return UNKNOWN;
    }

    /** The last field of {@code header} that has a non-empty list element, or null. */
    private static String lastField(HttpServletRequest request, String header)
    {
        Enumeration<String> fields = request.getHeaders(header);
        if (fields == null)
            return null;
        String last = null;
        while (fields.hasMoreElements())
        {
            String value = fields.nextElement();
            if (value != null && lastElement(value, false) >= 0)
                last = value;
        }
        return last;
    }

    /**
     * Finds the last non-empty element of a comma-separated list (RFC 9110 §5.6.1), skipping commas inside quoted
     * strings and, when {@code comments}, inside parenthesised comments, as {@code Via} has them.
     *
     * @return {@code start << 32 | end} of the element, without surrounding whitespace, or -1 when there is none
     */
    static long lastElement(String value, boolean comments)
    {
        long last = -1;
        int start = 0;
        int depth = 0;
        boolean quoted = false;
        int length = value.length();
        for (int i = 0; i <= length; i++)
        {
            char c = i < length ? value.charAt(i) : ',';
            if (quoted)
            {
                if (c == '\\')
                    i++;
                else if (c == '"')
                    quoted = false;
                if (i < length)
                    continue;
            }
            else if (depth > 0)
            {
                if (c == '\\')
                    i++;
                else if (c == '(')
                    depth++;
                else if (c == ')')
                    depth--;
                if (i < length)
                    continue;
            }
            else if (c == '"')
            {
                quoted = true;
                continue;
            }
            else if (c == '(' && comments)
            {
                depth = 1;
                continue;
            }
            if (c != ',' && i < length)
                continue;
            // An element ends at i (a comma, or the end of the value, even inside an unclosed quote or comment).
            int end = Math.min(i, length);
            int s = start;
            while (s < end && isOws(value.charAt(s)))
                s++;
            int e = end;
            while (e > s && isOws(value.charAt(e - 1)))
                e--;
            if (e > s)
                last = ((long)s << 32) | e;
            start = i + 1;
        }
        return last;
    }

    /**
     * The {@code received-protocol} of one {@code Via} element, {@code [protocol-name "/"] protocol-version}, where
     * the protocol name, when present, must be {@code HTTP}.
     */
    static HttpProtocol viaProtocol(String value, int start, int end)
    {
        int tokenEnd = start;
        while (tokenEnd < end && !isOws(value.charAt(tokenEnd)))
            tokenEnd++;
        int slash = value.indexOf('/', start);
        if (slash >= 0 && slash < tokenEnd)
        {
            if (slash - start != 4 || !value.regionMatches(true, start, "HTTP", 0, 4))
                return null;
            return bareVersion(value, slash + 1, tokenEnd);
        }
        return bareVersion(value, start, tokenEnd);
    }

    /**
     * Same as {@link HttpProtocol#parse(String)} on {@code value.substring(start, end)}, without the substring:
     * optional whitespace, an optional case-insensitive {@code HTTP/}, then {@code 1.0}, {@code 1.1}, {@code 2},
     * {@code 2.0}, {@code 3} or {@code 3.0}.
     *
     * @return the protocol, or null
     */
    static HttpProtocol version(String value, int start, int end)
    {
        while (start < end && isOws(value.charAt(start)))
            start++;
        while (end > start && isOws(value.charAt(end - 1)))
            end--;
        if (end - start >= 5 && value.regionMatches(true, start, "HTTP/", 0, 5))
            start += 5;
        return bareVersion(value, start, end);
    }

    /** {@link #version(String, int, int)} of a whole string, such as {@code ServletRequest.getProtocol()}. */
    static HttpProtocol version(String value)
    {
        return value == null ? null : version(value, 0, value.length());
    }

    private static HttpProtocol bareVersion(String value, int start, int end)
    {
        int length = end - start;
        if (length == 1)
        {
            char major = value.charAt(start);
            return major == '2' ? HttpProtocol.HTTP_2 : major == '3' ? HttpProtocol.HTTP_3 : null;
        }
        if (length != 3 || value.charAt(start + 1) != '.')
            return null;
        char major = value.charAt(start);
        char minor = value.charAt(start + 2);
        if (major == '1')
            return minor == '1' ? HttpProtocol.HTTP_1_1 : minor == '0' ? HttpProtocol.HTTP_1_0 : null;
        if (minor != '0')
            return null;
        return major == '2' ? HttpProtocol.HTTP_2 : major == '3' ? HttpProtocol.HTTP_3 : null;
    }

    /**
     * The {@code proto} parameter of one {@code Forwarded} element ({@code for=…;proto=https;by=…}).
     *
     * @return {@link #SECURE}, {@link #NOT_SECURE}, or {@link #UNKNOWN} when the element has no {@code proto}
     */
    static int forwardedProto(String value, int start, int end)
    {
        int i = start;
        while (i < end)
        {
            int pairEnd = i;
            boolean quoted = false;
            while (pairEnd < end && (quoted || value.charAt(pairEnd) != ';'))
            {
                char c = value.charAt(pairEnd);
                if (quoted && c == '\\')
                    pairEnd++;
                else if (c == '"')
                    quoted = !quoted;
                pairEnd++;
            }
            pairEnd = Math.min(pairEnd, end);
            int equals = value.indexOf('=', i);
            if (equals >= 0 && equals < pairEnd)
            {
                int nameStart = i;
                int nameEnd = equals;
                while (nameStart < nameEnd && isOws(value.charAt(nameStart)))
                    nameStart++;
                while (nameEnd > nameStart && isOws(value.charAt(nameEnd - 1)))
                    nameEnd--;
                if (nameEnd - nameStart == 5 && value.regionMatches(true, nameStart, "proto", 0, 5))
                {
                    int valueStart = equals + 1;
                    int valueEnd = pairEnd;
                    while (valueStart < valueEnd && isOws(value.charAt(valueStart)))
                        valueStart++;
                    while (valueEnd > valueStart && isOws(value.charAt(valueEnd - 1)))
                        valueEnd--;
                    if (valueEnd - valueStart >= 2 && value.charAt(valueStart) == '"' && value.charAt(valueEnd - 1) == '"')
                    {
                        valueStart++;
                        valueEnd--;
                    }
                    return isSecureScheme(value, valueStart, valueEnd) ? SECURE : NOT_SECURE;
                }
            }
            i = pairEnd + 1;
        }
        return UNKNOWN;
    }

    private static boolean isSecureScheme(String value, int start, int end)
    {
        int length = end - start;
        return (length == 5 && value.regionMatches(true, start, "https", 0, 5))
            || (length == 3 && value.regionMatches(true, start, "wss", 0, 3));
    }

    private static boolean isOws(char c)
    {
        return c == ' ' || c == '\t';
    }
}
