package io.github.h3connector.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate in a PKCS12 keystore, for development and tests.
 *
 * <p>It is made with the JDK's own {@code keytool} (present in every JDK and JRE), so no crypto library is needed.
 * The key is EC P-256, usable by TLS 1.3 and by QUIC. The subject alternative names cover every given host name
 * ({@code DNS:}) or IP literal ({@code IP:}).
 */
public final class SelfSignedCertificate
{
    private final Path keyStore;
    private final String password;

    private SelfSignedCertificate(Path keyStore, String password)
    {
        this.keyStore = keyStore;
        this.password = password;
    }

    /**
     * Creates {@code keyStore} unless it already exists.
     *
     * @param keyStore the PKCS12 file to create
     * @param password the store and key password
     * @param hosts host names and IP literals for the certificate; the first one is also the CN
     * @return the certificate
     * @throws IOException when keytool cannot be run or fails
     */
    public static SelfSignedCertificate createIfAbsent(Path keyStore, String password, String... hosts) throws IOException
    {
        if (hosts.length == 0)
            throw new IllegalArgumentException("at least one host name is required");
        if (!Files.exists(keyStore))
        {
            Path parent = keyStore.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            List<String> san = new ArrayList<>();
            for (String host : hosts)
                san.add((host.matches("[0-9.]+") || host.contains(":") ? "IP:" : "DNS:") + host);
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            List<String> command = List.of(keytool.toString(), "-genkeypair", "-alias", "h3connector",
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "825",
                "-dname", "CN=" + hosts[0], "-ext", "SAN=" + String.join(",", san),
                "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", password, "-keypass", password);
            run(command);
        }
        return new SelfSignedCertificate(keyStore, password);
    }

    /** Runs keytool and fails with its output when it does not exit with 0. */
    static void run(List<String> command) throws IOException
    {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream in = process.getInputStream())
        {
            String output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0)
                throw new IOException("keytool failed: " + output);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", x);
        }
    }

    public Path keyStore()
    {
        return keyStore;
    }

    public String password()
    {
        return password;
    }

    /**
     * The base64 SHA-256 of the certificate's SubjectPublicKeyInfo: the value Chromium takes in
     * {@code --ignore-certificate-errors-spki-list}.
     */
    public String spkiSha256Base64() throws IOException
    {
        try
        {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore))
            {
                store.load(in, password.toCharArray());
            }
            for (String alias : java.util.Collections.list(store.aliases()))
            {
                if (store.isKeyEntry(alias))
                {
                    Certificate certificate = store.getCertificate(alias);
                    byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
                    return Base64.getEncoder().encodeToString(digest);
                }
            }
            throw new IOException("no key entry in " + keyStore);
        }
        catch (GeneralSecurityException x)
        {
            throw new IOException("cannot read " + keyStore + ": " + x.getMessage(), x);
        }
    }
}
