package io.github.h3connector.jetty;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyStore;

import org.eclipse.jetty.quic.quiche.PemExporter;
import org.eclipse.jetty.quic.quiche.QuicheConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** One native quiche configuration per distinct setting, rebuilt when the PEM files change (every HTTP/3 test covers the accepting, and each one with Jetty's HTTP/3 client the connecting). */
class JnaSharedQuicheConfigsTest
{
    @BeforeAll
    static void loadQuiche()
    {
        QuicheNative.load(QuicheBindingChoice.JNA);
    }

    @Test
    void sameSettingsShareOneConfigurationAndChangedPemFilesGetANewOne(@TempDir Path pemDirectory) throws Exception
    {
        // Throws if Jetty 12.1.5's JNA binding lacks the shape expected.
        JnaSharedQuicheConfigs configs = JnaSharedQuicheConfigs.create();
        Path[] keyPair = exportKeyPair(pemDirectory);

        Object first = configs.configFor(config(keyPair, QuicheConfig.CongestionControl.BBR));
        assertSame(first, configs.configFor(config(keyPair, QuicheConfig.CongestionControl.BBR)), "same settings, fresh QuicheConfig object");
        Object cubic = configs.configFor(config(keyPair, QuicheConfig.CongestionControl.CUBIC));
        assertNotSame(first, cubic, "another congestion control");
        assertEquals(2, configs.configCount());

        // A certificate re-exported after a key store reload: same path, new modification time.
        Files.setLastModifiedTime(keyPair[1], FileTime.fromMillis(Files.getLastModifiedTime(keyPair[1]).toMillis() + 2000));
        assertNotSame(first, configs.configFor(config(keyPair, QuicheConfig.CongestionControl.BBR)));
        assertEquals(3, configs.configCount());

        // Settings that keep changing do not pile up configurations.
        for (long window = 1; window <= 20; window++)
        {
            QuicheConfig config = config(keyPair, QuicheConfig.CongestionControl.BBR);
            config.setMaxStreamWindow(window << 20);
            configs.configFor(config);
        }
        // 3 + 5 reach 8; the 6th and the 14th distinct settings find 8 and start afresh; 6 more after that.
        assertEquals(7, configs.configCount(), "at most 8 kept");
    }

    private static QuicheConfig config(Path[] keyPair, QuicheConfig.CongestionControl congestionControl)
    {
        QuicheConfig config = new QuicheConfig();
        config.setPrivKeyPemPath(keyPair[0].toString());
        config.setCertChainPemPath(keyPair[1].toString());
        config.setApplicationProtos("h3");
        config.setCongestionControl(congestionControl);
        return config;
    }

    private static Path[] exportKeyPair(Path directory) throws Exception
    {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(TestKeyStores.localhost().keyStore()))
        {
            keyStore.load(in, TestKeyStores.PASSWORD.toCharArray());
        }
        String alias = keyStore.aliases().nextElement();
        return PemExporter.exportKeyPair(keyStore, alias, TestKeyStores.PASSWORD.toCharArray(), directory);
    }
}
