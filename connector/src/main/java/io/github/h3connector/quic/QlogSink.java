package io.github.h3connector.quic;

import java.nio.file.Path;

/** Decides, as each QUIC connection starts, whether quiche writes a qlog of it, and where. */
public interface QlogSink
{
    /** Writes no qlog. */
    QlogSink NONE = new QlogSink()
    {
        @Override
        public Path nextConnection()
        {
            return null;
        }

        @Override
        public void connectionEnded(Path file)
        {
        }
    };

    /**
     * Called on the event loop, once per new connection, before its first packet is processed.
     *
     * @return a file that does not exist yet, for quiche to write this connection's qlog to, or null for none
     */
    Path nextConnection();

    /** The connection that wrote {@code file} has ended: quiche has finished writing it. */
    void connectionEnded(Path file);
}
