package io.github.h3connector.jetty;

/** QUIC congestion control of the connections the connector accepts (quiche's implementations). */
public enum CongestionControl
{
    BBR, CUBIC, RENO
}
