package io.github.h3connector.jetty;

/** Starts the reliability test server on a free port and prints it, for manual runs (gtlsclient, curl). Ends on stdin EOF. */
public final class ReliabilityServerMain
{
    private ReliabilityServerMain()
    {
    }

    public static void main(String[] args) throws Exception
    {
        H3Options.Builder options = H3Options.builder();
        if (args.length > 0)
            options.idleTimeout(java.time.Duration.ofMillis(Long.parseLong(args[0])));
        try (TestServer server = ReliabilitySupport.started(options))
        {
            if (args.length > 1)
                server.server.setStopTimeout(Long.parseLong(args[1]));
            System.out.println("PORT " + server.udpPort());
            System.out.flush();
            System.in.read();
            long start = System.nanoTime();
            server.server.stop();
            System.out.printf("STOPPED in %d ms, open QUIC %d%n", (System.nanoTime() - start) / 1_000_000, server.h3.statistics().getOpenQuicConnections());
        }
    }
}
