package io.github.h3connector;

import java.util.Optional;

/**
 * An HTTP protocol version as an application sees it, normalised like ASP.NET Core's {@code HttpRequest.Protocol}:
 * {@code "HTTP/1.0"}, {@code "HTTP/1.1"}, {@code "HTTP/2"}, {@code "HTTP/3"}.
 */
public enum HttpProtocol
{
    HTTP_1_0("HTTP/1.0", "http/1.0"),
    HTTP_1_1("HTTP/1.1", "http/1.1"),
    HTTP_2("HTTP/2", "h2"),
    HTTP_3("HTTP/3", "h3");

    private final String text;
    private final String alpn;

    HttpProtocol(String text, String alpn)
    {
        this.text = text;
        this.alpn = alpn;
    }

    /** @return the ALPN protocol id, for example {@code "h3"} */
    public String alpn()
    {
        return alpn;
    }

    /** @return whether this is HTTP/3 */
    public boolean isHttp3()
    {
        return this == HTTP_3;
    }

    /** @return the normalised name, for example {@code "HTTP/3"} */
    @Override
    public String toString()
    {
        return text;
    }

    /**
     * Parses a protocol version as found in a request line ({@code "HTTP/1.1"}, {@code "HTTP/3.0"}), in a
     * {@code Via} entry ({@code "3"}, {@code "1.1"}, {@code "HTTP/2.0"}) or in a proxy's protocol header
     * (nginx's {@code $server_protocol}). The {@code "HTTP/"} prefix is optional and case-insensitive;
     * surrounding whitespace is ignored.
     *
     * @param version the text to parse, may be null
     * @return the protocol, or empty when the text names no version this enum knows
     */
    public static Optional<HttpProtocol> parse(String version)
    {
        if (version == null)
            return Optional.empty();
        String v = version.strip();
        if (v.regionMatches(true, 0, "HTTP/", 0, 5))
            v = v.substring(5);
        switch (v)
        {
            case "1.0":
                return Optional.of(HTTP_1_0);
            case "1.1":
                return Optional.of(HTTP_1_1);
            case "2":
            case "2.0":
                return Optional.of(HTTP_2);
            case "3":
            case "3.0":
                return Optional.of(HTTP_3);
            default:
                return Optional.empty();
        }
    }
}
