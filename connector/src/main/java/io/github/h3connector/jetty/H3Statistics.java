package io.github.h3connector.jetty;

import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.github.h3connector.HttpProtocol;
import org.eclipse.jetty.quic.api.Session;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;

/**
 * Counters of one HTTP/3 connector setup: requests per protocol, {@code Alt-Svc} headers and {@code ALTSVC} frames sent, and open QUIC
 * connections. Exposed as plain getters and, with Jetty's {@code MBeanContainer}, over JMX.
 */
@ManagedObject("HTTP/3 connector statistics")
public class H3Statistics implements Session.Listener, java.util.EventListener
{
    private final LongAdder[] requests = new LongAdder[HttpProtocol.values().length];
    private final LongAdder altSvcSent = new LongAdder();
    private final LongAdder altSvcClearSent = new LongAdder();
    private final LongAdder altSvcFrames = new LongAdder();
    private final LongAdder altSvcFramesSkipped = new LongAdder();
    /** Sessions whose handshake completed and that have not disconnected; a set, because Jetty reports a disconnect
     *  for sessions that never opened too. */
    private final Set<Session> openSessions = ConcurrentHashMap.newKeySet();
    private final LongAdder quicConnections = new LongAdder();
    private final LongAdder receivedDatagrams = new LongAdder();
    private final LongAdder droppedDatagrams = new LongAdder();

    public H3Statistics()
    {
        for (int i = 0; i < requests.length; i++)
            requests[i] = new LongAdder();
    }

    void onRequest(HttpProtocol protocol)
    {
        requests[protocol.ordinal()].increment();
    }

    void onAltSvc(boolean clear)
    {
        (clear ? altSvcClearSent : altSvcSent).increment();
    }

    void onAltSvcFrame()
    {
        altSvcFrames.increment();
    }

    void onAltSvcFrameSkipped()
    {
        altSvcFramesSkipped.increment();
    }

    void onDatagramReceived()
    {
        receivedDatagrams.increment();
    }

    void onDatagramDropped()
    {
        droppedDatagrams.increment();
    }

    @Override
    public void onOpen(Session session)
    {
        if (openSessions.add(session))
        {
            quicConnections.increment();
        }
    }

    @Override
    public void onDisconnect(Session session)
    {
        openSessions.remove(session);
    }

    /** @return a live view of the QUIC sessions open now */
    Set<Session> openSessions()
    {
        return Collections.unmodifiableSet(openSessions);
    }

    /** @return the requests received over the given protocol */
    public long getRequests(HttpProtocol protocol)
    {
        return requests[protocol.ordinal()].sum();
    }

    @ManagedAttribute(value = "Requests received over HTTP/1.0", readonly = true)
    public long getHttp10Requests()
    {
        return getRequests(HttpProtocol.HTTP_1_0);
    }

    @ManagedAttribute(value = "Requests received over HTTP/1.1", readonly = true)
    public long getHttp11Requests()
    {
        return getRequests(HttpProtocol.HTTP_1_1);
    }

    @ManagedAttribute(value = "Requests received over HTTP/2", readonly = true)
    public long getHttp2Requests()
    {
        return getRequests(HttpProtocol.HTTP_2);
    }

    @ManagedAttribute(value = "Requests received over HTTP/3", readonly = true)
    public long getHttp3Requests()
    {
        return getRequests(HttpProtocol.HTTP_3);
    }

    @ManagedAttribute(value = "Responses that advertised HTTP/3 with Alt-Svc", readonly = true)
    public long getAltSvcSent()
    {
        return altSvcSent.sum();
    }

    @ManagedAttribute(value = "Responses that carried Alt-Svc: clear (sent while shutting down)", readonly = true)
    public long getAltSvcClearSent()
    {
        return altSvcClearSent.sum();
    }

    @ManagedAttribute(value = "HTTP/2 ALTSVC frames queued (connection and stream frames)", readonly = true)
    public long getAltSvcFramesSent()
    {
        return altSvcFrames.sum();
    }

    @ManagedAttribute(value = "HTTP/2 ALTSVC frames not sent: no SNI, an SNI host the certificate does not cover, or an invalid frame", readonly = true)
    public long getAltSvcFramesSkipped()
    {
        return altSvcFramesSkipped.sum();
    }

    @ManagedAttribute(value = "QUIC connections open now", readonly = true)
    public long getOpenQuicConnections()
    {
        return openSessions.size();
    }

    @ManagedAttribute(value = "QUIC connections opened since start or reset", readonly = true)
    public long getQuicConnections()
    {
        return quicConnections.sum();
    }

    @ManagedAttribute(value = "UDP datagrams read from the QUIC port, dropped ones included", readonly = true)
    public long getReceivedDatagrams()
    {
        return receivedDatagrams.sum();
    }

    @ManagedAttribute(value = "QUIC Initial packets dropped before QUIC processing: at the connection limit, or during a graceful stop", readonly = true)
    public long getDroppedDatagrams()
    {
        return droppedDatagrams.sum();
    }

    @ManagedOperation(value = "Resets the counters, except open connections", impact = "ACTION")
    public void reset()
    {
        for (LongAdder adder : requests)
            adder.reset();
        altSvcSent.reset();
        altSvcClearSent.reset();
        altSvcFrames.reset();
        altSvcFramesSkipped.reset();
        quicConnections.reset();
        receivedDatagrams.reset();
        droppedDatagrams.reset();
    }

    @Override
    public String toString()
    {
        return String.format("H3Statistics{h1.0=%d, h1.1=%d, h2=%d, h3=%d, altSvc=%d, altSvcClear=%d, altSvcFrames=%d, openQuic=%d, received=%d, dropped=%d}",
            getHttp10Requests(), getHttp11Requests(), getHttp2Requests(), getHttp3Requests(),
            getAltSvcSent(), getAltSvcClearSent(), getAltSvcFramesSent(), getOpenQuicConnections(), getReceivedDatagrams(), getDroppedDatagrams());
    }
}
