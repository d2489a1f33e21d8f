package dev.weft.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made at test time, so no private key is ever committed: the JDK's {@code keytool}, run as a
 * child process, makes a CA and two server certificates (RSA 2048 and EC P-256) signed by it, valid for
 * {@code localhost}, {@code 127.0.0.1} and {@code ::1}. From keytool's PKCS#12 stores this class writes what the
 * tests load: the CA as PEM, each server's chain (leaf, CA) as PEM, its private key as PKCS#8 PEM, and a PKCS#12
 * file with the key and its full chain. Plus a spare RSA key that matches no certificate.
 *
 * <p>Made once per test class into a {@code @TempDir}; takes a few seconds (eight keytool runs).
 */
final class TestCertificates {

    /** The password of every PKCS#12 file made here. */
    static final char[] PASSWORD = "weft-test".toCharArray();

    private final Path caPem;
    private final Server rsa;
    private final Server ec;
    private final Path spareRsaKeyPem;

    /**
     * One server certificate's files.
     *
     * @param chainPem the leaf and the CA certificate, PEM
     * @param keyPem the PKCS#8 private key, PEM
     * @param pkcs12 the key with its chain, PKCS#12, password {@link #PASSWORD}
     */
    record Server(Path chainPem, Path keyPem, Path pkcs12) {
    }

    private TestCertificates(Path caPem, Server rsa, Server ec, Path spareRsaKeyPem) {
        this.caPem = caPem;
        this.rsa = rsa;
        this.ec = ec;
        this.spareRsaKeyPem = spareRsaKeyPem;
    }

    /** Makes the CA, the RSA and EC server certificates and the spare key in {@code dir}. */
    static TestCertificates create(Path dir) throws Exception {
        Path caStore = dir.resolve("ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=weft test CA", "-ext", "bc:c", "-validity", "2",
                "-keystore", caStore.toString(), "-storetype", "PKCS12", "-storepass", new String(PASSWORD));
        Path caPem = dir.resolve("ca.pem");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(),
                "-storepass", new String(PASSWORD), "-file", caPem.toString());
        Server rsa = server(dir, "rsa", caStore, caPem, List.of("-keyalg", "RSA", "-keysize", "2048"),
                "digitalSignature,keyEncipherment");
        Server ec = server(dir, "ec", caStore, caPem, List.of("-keyalg", "EC", "-groupname", "secp256r1"),
                "digitalSignature");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        Path spare = dir.resolve("spare-rsa-key.pem");
        writePrivateKeyPem(generator.generateKeyPair().getPrivate(), spare);
        return new TestCertificates(caPem, rsa, ec, spare);
    }

    /** The CA certificate, PEM: what a client trusts. */
    Path caPem() {
        return caPem;
    }

    /** The RSA server's files. */
    Server rsa() {
        return rsa;
    }

    /** The EC server's files. */
    Server ec() {
        return ec;
    }

    /** An RSA private key, PKCS#8 PEM, that belongs to no certificate. */
    Path spareRsaKeyPem() {
        return spareRsaKeyPem;
    }

    /** A key store holding the CA certificate as its one trusted entry. */
    KeyStore caTrustStore() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            store.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        return store;
    }

    /** Loads a PKCS#12 file made here. */
    static KeyStore load(Path pkcs12) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pkcs12)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    private static Server server(Path dir, String kind, Path caStore, Path caPem, List<String> keyOptions,
            String keyUsage) throws Exception {
        Path store = dir.resolve("server-" + kind + "-keytool.p12");
        List<String> genkey = new ArrayList<>(List.of("-genkeypair", "-alias", "server", "-dname", "CN=localhost",
                "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", new String(PASSWORD)));
        genkey.addAll(keyOptions);
        keytool(genkey.toArray(String[]::new));
        Path csr = dir.resolve("server-" + kind + ".csr");
        keytool("-certreq", "-alias", "server", "-keystore", store.toString(), "-storepass", new String(PASSWORD),
                "-file", csr.toString());
        Path leafPem = dir.resolve("server-" + kind + ".crt");
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(),
                "-storepass", new String(PASSWORD), "-infile", csr.toString(), "-outfile", leafPem.toString(),
                "-validity", "2", "-ext", "san=dns:localhost,ip:127.0.0.1,ip:::1", "-ext", "eku=serverAuth",
                "-ext", "ku=" + keyUsage);

        PrivateKey key = (PrivateKey) load(store).getKey("server", PASSWORD);
        Path chainPem = dir.resolve("server-" + kind + "-chain.pem");
        Files.writeString(chainPem, Files.readString(leafPem).strip() + "\n" + Files.readString(caPem).strip()
                + "\n");
        Path keyPem = dir.resolve("server-" + kind + "-key.pem");
        writePrivateKeyPem(key, keyPem);

        var factory = java.security.cert.CertificateFactory.getInstance("X.509");
        List<Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(chainPem)) {
            chain.addAll(factory.generateCertificates(in));
        }
        KeyStore full = KeyStore.getInstance("PKCS12");
        full.load(null, null);
        full.setKeyEntry("server", key, PASSWORD, chain.toArray(Certificate[]::new));
        Path pkcs12 = dir.resolve("server-" + kind + ".p12");
        try (OutputStream out = Files.newOutputStream(pkcs12)) {
            full.store(out, PASSWORD);
        }
        return new Server(chainPem, keyPem, pkcs12);
    }

    /** Writes a private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    static void writePrivateKeyPem(PrivateKey key, Path file) throws IOException {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded());
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n");
    }

    private static void keytool(String... args) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new ArrayList<>();
        command.add(keytool.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("keytool timed out: " + command);
        }
        if (process.exitValue() != 0) {
            throw new IOException("keytool failed with exit " + process.exitValue() + ": " + command + "\n" + output);
        }
    }
}
