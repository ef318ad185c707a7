package io.github.h3connector;

/**
 * Names and values of the request attributes that tell an application which protocol a request arrived on.
 *
 * <p>Both the Jetty connector ({@code io.github.h3connector.jetty}) and the servlet filter
 * ({@code io.github.h3connector.servlet}) set them, with the same names and the same values:
 * <table>
 *   <caption>Request attributes</caption>
 *   <tr><th>name</th><th>type</th><th>value</th></tr>
 *   <tr><td>{@value #PROTOCOL}</td><td>{@code String}</td>
 *       <td>the client-facing protocol: {@code "HTTP/1.0"}, {@code "HTTP/1.1"}, {@code "HTTP/2"} or {@code "HTTP/3"}</td></tr>
 *   <tr><td>{@value #HTTP3}</td><td>{@code Boolean}</td><td>whether the client-facing protocol is HTTP/3</td></tr>
 *   <tr><td>{@value #HOP_PROTOCOL}</td><td>{@code String}</td>
 *       <td>the protocol this server itself received, normalised the same way</td></tr>
 *   <tr><td>{@value #PROTOCOL_SOURCE}</td><td>{@code String}</td>
 *       <td>{@value #SOURCE_CONNECTION} when the protocol is the one of this server's own connection,
 *           {@value #SOURCE_FORWARDED} when a trusted proxy reported it</td></tr>
 * </table>
 *
 * <p>The Jetty connector also sets {@value #EARLY_DATA} ({@code Boolean.TRUE}) on a request that arrived in HTTP/3
 * 0-RTT, which an attacker may have replayed (RFC 8470); it is absent otherwise.
 *
 * <p>{@code ServletRequest.getProtocol()} is left as the container reports it ({@code "HTTP/3.0"} in Jetty).
 */
public final class H3Attributes
{
    /** The client-facing protocol, a {@link HttpProtocol#toString()} value such as {@code "HTTP/3"}. */
    public static final String PROTOCOL = "io.github.h3connector.protocol";
    /** {@link Boolean#TRUE} when the client-facing protocol is HTTP/3. */
    public static final String HTTP3 = "io.github.h3connector.http3";
    /** The protocol that this server itself received, which differs from {@link #PROTOCOL} behind a proxy. */
    public static final String HOP_PROTOCOL = "io.github.h3connector.hopProtocol";
    /** Where {@link #PROTOCOL} came from: {@value #SOURCE_CONNECTION} or {@value #SOURCE_FORWARDED}. */
    public static final String PROTOCOL_SOURCE = "io.github.h3connector.protocolSource";

    /** {@link Boolean#TRUE} when the request arrived in 0-RTT (TLS early data); absent otherwise. */
    public static final String EARLY_DATA = "io.github.h3connector.earlyData";

    /** {@link #PROTOCOL_SOURCE} value: the protocol of this server's own connection. */
    public static final String SOURCE_CONNECTION = "connection";
    /** {@link #PROTOCOL_SOURCE} value: reported by a trusted proxy. */
    public static final String SOURCE_FORWARDED = "forwarded";

    private H3Attributes()
    {
    }
}
