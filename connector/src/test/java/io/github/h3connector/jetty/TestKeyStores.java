package io.github.h3connector.jetty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.h3connector.tls.SelfSignedCertificate;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** Keystores made once per build under target/, with the JDK's keytool. */
final class TestKeyStores
{
    static final String PASSWORD = "storepwd";
    private static final Path DIRECTORY = Path.of("target", "test-keystores").toAbsolutePath();

    private TestKeyStores()
    {
    }

    /** An EC P-256 self-signed certificate for localhost and 127.0.0.1. */
    static SelfSignedCertificate localhost()
    {
        try
        {
            return SelfSignedCertificate.createIfAbsent(DIRECTORY.resolve("localhost.p12"), PASSWORD, "localhost", "127.0.0.1");
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    static SslContextFactory.Server serverTls()
    {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(localhost().keyStore().toString());
        ssl.setKeyStorePassword(PASSWORD);
        return ssl;
    }

    /** A keystore whose only key is DSA, which TLS 1.3 cannot use. */
    static Path dsaOnly() throws IOException
    {
        Path keyStore = DIRECTORY.resolve("dsa-only.p12");
        if (!Files.exists(keyStore))
        {
            Files.createDirectories(DIRECTORY);
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "dsa", "-keyalg", "DSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            try
            {
                if (process.waitFor() != 0)
                    throw new IOException("keytool failed: " + output);
            }
            catch (InterruptedException x)
            {
                throw new IOException(x);
            }
        }
        return keyStore;
    }
}
