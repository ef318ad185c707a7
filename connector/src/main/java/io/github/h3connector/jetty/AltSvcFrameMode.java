package io.github.h3connector.jetty;

/**
 * Whether HTTP/2 connections also announce HTTP/3 with the {@code ALTSVC} frame of RFC 7838 section 4, as IIS does with
 * {@code EnableAltSvc}. The {@code Alt-Svc} header is sent either way; the frame carries the same value, and reaches
 * clients before the first response (a browser can then open QUIC before the page's sub-resources are requested).
 */
public enum AltSvcFrameMode
{
    /** No frame: the header only. The default, as in IIS. */
    OFF,
    /**
     * One frame on stream 0 right after the server's SETTINGS, for the origin the client named in TLS SNI, when the
     * certificate covers it. Clients that send no SNI (IP address URLs) get no frame.
     */
    CONNECTION,
    /**
     * {@link #CONNECTION}, plus a frame on every response stream, before its headers. A stream's frame needs no origin
     * (it is the request's), so it also works without SNI and behind a TCP port mapping; it costs about 30 bytes per
     * response.
     */
    CONNECTION_AND_STREAMS;

    boolean onConnection()
    {
        return this != OFF;
    }

    boolean onStreams()
    {
        return this == CONNECTION_AND_STREAMS;
    }
}
