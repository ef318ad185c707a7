package io.github.h3connector.jetty;

import java.nio.file.Path;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NOT in the default run (the name does not end in Test): fails on Jetty 12.1.5 + quiche. The full target:
 * {@code gtlsclient --tx-loss P --rx-loss P}, 50 downloads and 20 uploads of 8 MiB per loss rate. With loss of what
 * the server sends, transfers stall until the 30 s idle timeout: downloads end truncated (gtlsclient reports
 * ERR_DRAINING), uploads get a 500 "idle timeout 30000 ms elapsed" from the blocked servlet read. Run with
 * {@code mvn -pl connector test -Dtest=ReliabilityPacketLossProbe -Dreliability.downloads=50 -Dreliability.uploads=20}.
 */
@Timeout(value = 3600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReliabilityPacketLossProbe
{
    @TempDir
    Path temp;

    @ParameterizedTest(name = "tx+rx loss {0}")
    @ValueSource(doubles = {0.05, 0.10})
    void eightMibTransfersSurviveLossBothWays(double loss) throws Exception
    {
        ReliabilityPacketLossClientSideProbe.transfers(temp, loss, loss, Integer.getInteger("reliability.downloads", ReliabilityPacketLossClientSideProbe.DEFAULT_DOWNLOADS),
            Integer.getInteger("reliability.uploads", ReliabilityPacketLossClientSideProbe.DEFAULT_UPLOADS));
    }
}
