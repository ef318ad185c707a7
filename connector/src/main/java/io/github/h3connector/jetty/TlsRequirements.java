package io.github.h3connector.jetty;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.ssl.AliasedX509ExtendedKeyManager;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Checks, before any port is bound, that the TLS setup can serve QUIC: a readable keystore, the right passwords, and a
 * private key that TLS 1.3 in BoringSSL can sign with: EC P-256 or P-384, or RSA of at least 2048 bits.
 */
final class TlsRequirements
{
    private TlsRequirements()
    {
    }

    /**
     * @return the key manager QUIC's TLS uses: the keystore's, limited to the cert alias when one is set
     * @throws TlsConfigurationException when the setup cannot serve QUIC, with the fix in its message
     */
    static KeyManager check(SslContextFactory.Server ssl)
    {
        if (ssl == null)
            throw new TlsConfigurationException("HTTP/3 needs TLS, but no SslContextFactory.Server is configured: " +
                "configure HTTPS with a keystore first (Jetty module 'ssl', or SslContextFactory.Server.setKeyStorePath)");
        KeyStore keyStore = load(ssl);
        String keyPassword = keyPassword(ssl);
        String where = describe(ssl);
        List<String> found = new ArrayList<>();
        try
        {
            for (String alias : Collections.list(keyStore.aliases()))
            {
                if (!keyStore.isKeyEntry(alias) || (ssl.getCertAlias() != null && !ssl.getCertAlias().equals(alias)))
                    continue;
                Certificate certificate = keyStore.getCertificate(alias);
                if (certificate == null)
                    continue;
                String kind = describeKey(certificate.getPublicKey());
                if (usableForTls13(certificate.getPublicKey()))
                {
                    try
                    {
                        keyStore.getKey(alias, keyPassword == null ? new char[0] : keyPassword.toCharArray());
                        return keyManager(keyStore, keyPassword, ssl.getCertAlias());
                    }
                    catch (UnrecoverableKeyException x)
                    {
                        throw new TlsConfigurationException("keystore " + where + ": wrong key password for alias '" + alias +
                            "': set the key manager password (jetty.sslContext.keyManagerPassword, or SslContextFactory.setKeyManagerPassword)", x);
                    }
                }
                found.add(kind + " '" + alias + "'");
            }
        }
        catch (GeneralSecurityException x)
        {
            throw new TlsConfigurationException("keystore " + where + " cannot be read: " + x.getMessage(), x);
        }
        throw new TlsConfigurationException("keystore " + where + " has no private key usable for TLS 1.3 (found: " +
            (found.isEmpty() ? "no key entries" : String.join(", ", found)) +
            (ssl.getCertAlias() == null ? "" : ", looking only at cert alias '" + ssl.getCertAlias() + "'") +
            "): add an EC P-256 or RSA 2048+ key, e.g. keytool -genkeypair -keyalg EC -groupname secp256r1");
    }

    /** @return the password of the private key: the key manager password, or the keystore's when none is set */
    static String keyPassword(SslContextFactory.Server ssl)
    {
        return ssl.getKeyManagerPassword() != null ? ssl.getKeyManagerPassword() : ssl.getKeyStorePassword();
    }

    private static KeyManager keyManager(KeyStore keyStore, String keyPassword, String certAlias) throws GeneralSecurityException
    {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keyStore, keyPassword == null ? new char[0] : keyPassword.toCharArray());
        for (KeyManager manager : factory.getKeyManagers())
        {
            if (manager instanceof X509ExtendedKeyManager x509)
                return certAlias == null ? x509 : new AliasedX509ExtendedKeyManager(x509, certAlias);
        }
        throw new TlsConfigurationException("no X.509 key manager for the keystore (" + KeyManagerFactory.getDefaultAlgorithm() + ")");
    }

    private static KeyStore load(SslContextFactory.Server ssl)
    {
        if (ssl.getKeyStore() != null)
            return ssl.getKeyStore();
        Resource resource = ssl.getKeyStoreResource();
        if (resource == null)
            throw new TlsConfigurationException("HTTP/3 needs TLS, but the SslContextFactory has no keystore: set one " +
                "(jetty.sslContext.keyStorePath, or SslContextFactory.Server.setKeyStorePath)");
        String where = describe(ssl);
        if (!resource.exists())
            throw new TlsConfigurationException("keystore " + where + " not found: fix the keystore path (jetty.sslContext.keyStorePath, or SslContextFactory.Server.setKeyStorePath)");
        String type = ssl.getKeyStoreType() == null ? "PKCS12" : ssl.getKeyStoreType();
        String password = ssl.getKeyStorePassword();
        try (InputStream in = resource.newInputStream())
        {
            KeyStore keyStore = ssl.getKeyStoreProvider() == null ? KeyStore.getInstance(type) : KeyStore.getInstance(type, ssl.getKeyStoreProvider());
            keyStore.load(in, password == null ? null : password.toCharArray());
            return keyStore;
        }
        catch (IOException x)
        {
            if (x.getCause() instanceof UnrecoverableKeyException || String.valueOf(x.getMessage()).toLowerCase().contains("password"))
                throw new TlsConfigurationException("keystore " + where + ": wrong password: set the keystore password (jetty.sslContext.keyStorePassword, or SslContextFactory.setKeyStorePassword)", x);
            throw new TlsConfigurationException("keystore " + where + " cannot be read as " + type + " (" + x.getMessage() +
                "): check the file's permissions and its type (jetty.sslContext.keyStoreType)", x);
        }
        catch (GeneralSecurityException x)
        {
            throw new TlsConfigurationException("keystore " + where + " cannot be loaded as " + type + " (" + x.getMessage() +
                "): check its type (jetty.sslContext.keyStoreType)", x);
        }
    }

    private static String describe(SslContextFactory.Server ssl)
    {
        return ssl.getKeyStorePath() != null ? ssl.getKeyStorePath() : "(in memory)";
    }

    static boolean usableForTls13(java.security.PublicKey key)
    {
        if (key instanceof RSAKey rsa)
            return rsa.getModulus().bitLength() >= 2048;
        if (key instanceof ECKey ec)
        {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return bits == 256 || bits == 384;
        }
        return false;
    }

    private static String describeKey(Key key)
    {
        if (key instanceof RSAKey rsa)
            return "RSA " + rsa.getModulus().bitLength();
        if (key instanceof ECKey ec)
            return "EC " + ec.getParams().getCurve().getField().getFieldSize();
        return key.getAlgorithm();
    }
}
