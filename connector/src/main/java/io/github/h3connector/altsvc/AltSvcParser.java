package io.github.h3connector.altsvc;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A strict recursive-descent parser of one Alt-Svc field value, after RFC 7838 §3 and the RFC 9110 §5.6 rules it
 * builds on:
 *
 * <pre>
 * Alt-Svc       = clear / 1#alt-value
 * clear         = %s"clear"
 * alt-value     = alternative *( OWS ";" OWS parameter )
 * alternative   = protocol-id "=" alt-authority
 * protocol-id   = token                 ; percent-encoded ALPN protocol name
 * alt-authority = quoted-string         ; containing [ uri-host ] ":" port
 * parameter     = token "=" ( token / quoted-string )
 * </pre>
 *
 * <p>One instance parses one value and is then dropped: it holds the input and the current index, which every error
 * message reports.
 */
final class AltSvcParser
{
    private final String input;
    private int pos;

    AltSvcParser(String input)
    {
        this.input = input;
    }

    /** Returns the alternatives, or an empty list for {@code clear}. */
    List<Alternative> parse()
    {
        List<Alternative> alternatives = new ArrayList<>(2);
        boolean clear = false;
        boolean any = false;
        skipOws();
        while (pos < input.length())
        {
            // RFC 9110 §5.6.1: a recipient accepts and ignores empty list elements, such as ", ," or a trailing ",".
            if (input.charAt(pos) == ',')
            {
                pos++;
                skipOws();
                continue;
            }
            int start = pos;
            boolean isClear = parseElement(alternatives);
            if (any && (isClear || clear))
                throw fail("\"clear\" must be the only value", start, null);
            clear = isClear;
            any = true;
            skipOws();
            if (pos == input.length())
                break;
            if (input.charAt(pos) != ',')
                throw unexpected(clear ? "',' or end of value" : "';', ',' or end of value");
            pos++;
            skipOws();
        }
        if (!any)
            throw fail("empty value", pos, "\"clear\" or an alternative");
        return alternatives;
    }

    /** Parses one list element; returns whether it is {@code clear}, else adds the alternative. */
    private boolean parseElement(List<Alternative> alternatives)
    {
        int start = pos;
        String token = readToken();
        if (token.isEmpty())
            throw unexpected("a protocol-id or \"clear\"");
        if (pos < input.length() && input.charAt(pos) == '=')
        {
            pos++;
            alternatives.add(parseAlternative(start, token));
            return false;
        }
        if (token.equals("clear"))
            return true;
        if (token.equalsIgnoreCase("clear"))
            throw fail("\"clear\" is case-sensitive, got " + Syntax.show(token), start, null);
        throw unexpected("'='");
    }

    private Alternative parseAlternative(int start, String encodedId)
    {
        String protocolId = decodeProtocolId(encodedId, start);
        if (pos == input.length() || input.charAt(pos) != '"')
            throw unexpected("'\"' (the alt-authority is a quoted-string)");
        int authorityAt = pos;
        String authority = readQuotedString();

        int colon = authority.lastIndexOf(':');
        // In "[::1]" the last ':' is inside the IP-literal: the port is missing, not malformed.
        String portText = colon < 0 || authority.lastIndexOf(']') > colon ? "" : authority.substring(colon + 1);
        if (portText.isEmpty())
            throw fail("missing port in alt-authority " + Syntax.show(authority), authorityAt, null);
        int port = 0;
        for (int i = 0; i < portText.length(); i++)
        {
            char c = portText.charAt(i);
            if (!Syntax.isDigit(c))
                throw fail("port must be digits, got " + Syntax.show(portText), authorityAt, null);
            // Saturate rather than overflow: any value past 65535 is refused below.
            port = Math.min(port * 10 + (c - '0'), 65536);
        }
        if (port < 1 || port > 65535)
            throw fail("port must be between 1 and 65535, got " + Syntax.show(portText), authorityAt, null);
        String host = authority.substring(0, colon);
        // On the wire an IPv6 address must be an RFC 3986 IP-literal; the builder is lenient about brackets, we are not.
        if (Syntax.isIpv6Address(host))
            throw fail("an IPv6 host must be in brackets, got " + Syntax.show(host), authorityAt, null);

        Alternative.Builder builder = Alternative.builder(protocolId).port(port);
        if (!host.isEmpty())
            builder.host(host);
        boolean seenMa = false;
        boolean seenPersist = false;
        while (true)
        {
            int mark = pos;
            skipOws();
            if (pos == input.length() || input.charAt(pos) != ';')
            {
                pos = mark;
                break;
            }
            pos++;
            skipOws();
            int nameAt = pos;
            String name = readToken();
            if (name.isEmpty())
                throw unexpected("a parameter name");
            if (pos == input.length() || input.charAt(pos) != '=')
                throw unexpected("'='");
            pos++;
            int valueAt = pos;
            String value;
            if (pos < input.length() && input.charAt(pos) == '"')
            {
                // RFC 9110 §5.6.6: a quoted-string parameter value means the same as the token it contains.
                value = readQuotedString();
            }
            else
            {
                value = readToken();
                if (value.isEmpty())
                    throw unexpected("a token or quoted-string");
            }
            // ABNF literals such as "ma" are case-insensitive (RFC 5234 §2.3).
            switch (name.toLowerCase(Locale.ROOT))
            {
                case "ma" ->
                {
                    if (seenMa)
                        throw fail("duplicate parameter \"ma\"", nameAt, null);
                    seenMa = true;
                    builder.maxAgeSeconds(parseDeltaSeconds(value, valueAt));
                }
                case "persist" ->
                {
                    if (seenPersist)
                        throw fail("duplicate parameter \"persist\"", nameAt, null);
                    seenPersist = true;
                    // RFC 7838 §3.1: values other than "1" are ignored, which leaves persist off.
                    builder.persist(value.equals("1"));
                }
                default ->
                {
                    // RFC 7838 §3: unknown parameters are ignored.
                }
            }
        }
        try
        {
            return builder.build();
        }
        catch (AltSvcException e)
        {
            throw new AltSvcException(e.getMessage() + ", in the alt-value at index " + start + " of "
                + Syntax.show(input));
        }
    }

    /** RFC 9110 §1.2.2 {@code delta-seconds}; a value too large is capped, as RFC 9111 §1.2.2 tells caches to do. */
    private long parseDeltaSeconds(String value, int valueAt)
    {
        if (value.isEmpty())
            throw fail("ma must be delta-seconds (digits only), got \"\"", valueAt, null);
        long seconds = 0;
        for (int i = 0; i < value.length(); i++)
        {
            char c = value.charAt(i);
            if (!Syntax.isDigit(c))
                throw fail("ma must be delta-seconds (digits only), got " + Syntax.show(value), valueAt, null);
            seconds = Math.min(seconds * 10 + (c - '0'), Alternative.MAX_MAX_AGE_SECONDS);
        }
        return seconds;
    }

    /** RFC 7838 §3: undoes the percent-encoding of a protocol-id, refusing what a conforming sender cannot write. */
    private String decodeProtocolId(String encoded, int start)
    {
        if (encoded.indexOf('%') < 0)
            return encoded;
        byte[] bytes = new byte[encoded.length()];
        int length = 0;
        for (int i = 0; i < encoded.length(); i++)
        {
            char c = encoded.charAt(i);
            if (c != '%')
            {
                bytes[length++] = (byte)c;
                continue;
            }
            if (i + 2 >= encoded.length() || !Syntax.isHexDigit(encoded.charAt(i + 1))
                || !Syntax.isHexDigit(encoded.charAt(i + 2)))
                throw fail("invalid percent-encoding in protocol-id", start + i, "'%' and two uppercase hex digits");
            if (!Syntax.isUpperHexDigit(encoded.charAt(i + 1)) || !Syntax.isUpperHexDigit(encoded.charAt(i + 2)))
                throw fail("lowercase hex digit in percent-encoding of protocol-id", start + i,
                    "uppercase hex digits (RFC 7838 §3)");
            int b = Syntax.hexValue(encoded.charAt(i + 1)) << 4 | Syntax.hexValue(encoded.charAt(i + 2));
            if (b != '%' && Syntax.isTchar(b))
                throw fail("token character " + Syntax.show((char)b) + " must not be percent-encoded in protocol-id",
                    start + i, null);
            bytes[length++] = (byte)b;
            i += 2;
        }
        try
        {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, 0, length)).toString();
        }
        catch (CharacterCodingException e)
        {
            throw fail("protocol-id is not valid UTF-8 once percent-decoded", start, null);
        }
    }

    /** RFC 9110 §5.6.2: {@code *tchar}, possibly empty; the caller decides whether empty is an error. */
    private String readToken()
    {
        int start = pos;
        while (pos < input.length() && Syntax.isTchar(input.charAt(pos)))
            pos++;
        return input.substring(start, pos);
    }

    /** RFC 9110 §5.6.4: reads a quoted-string starting at the current '"' and returns its unescaped content. */
    private String readQuotedString()
    {
        pos++;
        StringBuilder content = new StringBuilder(24);
        while (true)
        {
            if (pos == input.length())
                throw unexpected("'\"' to close the quoted-string");
            char c = input.charAt(pos);
            if (c == '"')
            {
                pos++;
                return content.toString();
            }
            if (c == '\\')
            {
                pos++;
                if (pos == input.length() || !Syntax.isQuotedPairChar(input.charAt(pos)))
                    throw unexpected("a character to escape after '\\'");
                content.append(input.charAt(pos++));
            }
            else if (Syntax.isQdtext(c))
            {
                content.append(c);
                pos++;
            }
            else
            {
                throw unexpected("'\"' to close the quoted-string");
            }
        }
    }

    private void skipOws()
    {
        while (pos < input.length() && Syntax.isOws(input.charAt(pos)))
            pos++;
    }

    private AltSvcException unexpected(String expected)
    {
        if (pos == input.length())
            return fail("unexpected end of value", pos, expected);
        return fail("unexpected character " + Syntax.show(input.charAt(pos)), pos, expected);
    }

    private AltSvcException fail(String problem, int index, String expected)
    {
        String message = "Alt-Svc: " + problem + " at index " + index + " in " + Syntax.show(input);
        return new AltSvcException(expected == null ? message : message + ", expected " + expected);
    }
}
