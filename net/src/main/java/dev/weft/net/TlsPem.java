package dev.weft.net;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * Loading of TLS key material with the JDK only: PEM certificates and PKCS#8 private keys ({@link CertificateFactory},
 * {@link KeyFactory}, {@link Base64}), PKCS#12 files and {@link KeyStore}s; and the check that a private key belongs
 * to a certificate. Every failure is an {@link IOException} whose message names the file and what is wrong with it.
 */
final class TlsPem {

    /** A private key with its certificate chain, leaf first. */
    record KeyAndChain(PrivateKey key, List<X509Certificate> chain) {
        KeyAndChain {
            chain = List.copyOf(chain);
        }
    }

    private record Block(String label, byte[] der) {
    }

    private TlsPem() {
    }

    /** Reads every certificate in a PEM file (a chain, leaf first, or a bundle of CA certificates). */
    static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<Block> blocks = readBlocks(file);
        List<X509Certificate> certificates = new ArrayList<>();
        for (Block block : blocks) {
            if (!block.label().equals("CERTIFICATE")) {
                continue;
            }
            certificates.add(parseCertificate(block.der(), file, certificates.size() + 1));
        }
        if (certificates.isEmpty()) {
            throw new IOException(file + ": no PEM certificate in the file (expected \"-----BEGIN CERTIFICATE-----\""
                    + foundLabels(blocks) + ")");
        }
        return certificates;
    }

    /** Reads a certificate chain and its PKCS#8 private key from two PEM files and checks that they match. */
    static KeyAndChain readKeyAndChain(Path certificateChain, Path privateKey) throws IOException {
        List<X509Certificate> chain = readCertificates(certificateChain);
        PrivateKey key = readPrivateKey(privateKey, chain.getFirst());
        checkMatch(key, chain.getFirst(), privateKey + " does not match the certificate in " + certificateChain);
        return new KeyAndChain(key, chain);
    }

    /** Reads a PKCS#8 private key ({@code BEGIN PRIVATE KEY}) for the certificate's key algorithm. */
    static PrivateKey readPrivateKey(Path file, X509Certificate certificate) throws IOException {
        List<Block> blocks = readBlocks(file);
        Block keyBlock = null;
        for (Block block : blocks) {
            switch (block.label()) {
                case "PRIVATE KEY" -> {
                    if (keyBlock != null) {
                        throw new IOException(file + ": more than one private key in the file");
                    }
                    keyBlock = block;
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + ": the private key is encrypted;"
                        + " decrypt it to unencrypted PKCS#8 (openssl pkcs8 -topk8 -nocrypt) or use a PKCS#12 file");
                case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY" -> throw new IOException(file + ": \""
                        + block.label() + "\" is a traditional (PKCS#1/SEC1) key; convert it to PKCS#8 \"PRIVATE KEY\""
                        + " (openssl pkcs8 -topk8 -nocrypt)");
                default -> {
                    // certificates next to the key are allowed and ignored
                }
            }
        }
        if (keyBlock == null) {
            throw new IOException(file + ": no PEM private key in the file (expected \"-----BEGIN PRIVATE KEY-----\""
                    + foundLabels(blocks) + ")");
        }
        String algorithm = certificate.getPublicKey().getAlgorithm();
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(keyBlock.der()));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a PKCS#8 " + algorithm + " private key, as the certificate "
                    + subject(certificate) + " needs (" + e.getMessage() + ")", e);
        }
    }

    /** Reads the one private key entry of a PKCS#12 file. */
    static KeyAndChain readPkcs12(Path file, char[] password) throws IOException {
        KeyStore store;
        try (InputStream in = Files.newInputStream(file)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "PKCS#12 file not found");
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": cannot read the PKCS#12 file: " + e.getMessage(), e);
        } catch (IOException e) {
            // KeyStore.load reports a wrong password and a file that is no PKCS#12 alike, as an IOException
            throw new IOException(file + ": cannot read the PKCS#12 file (wrong password, or not PKCS#12?): "
                    + e.getMessage(), e);
        }
        try {
            return fromKeyStore(store, password);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the one private key entry of a key store.
     *
     * @throws IllegalArgumentException if the store has no private key, more than one, or the password is wrong
     */
    static KeyAndChain fromKeyStore(KeyStore store, char[] password) {
        try {
            List<String> aliases = new ArrayList<>();
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getCertificateChain(alias) != null) {
                    aliases.add(alias);
                }
            }
            if (aliases.size() != 1) {
                throw new IllegalArgumentException("the key store must hold exactly one private key with a"
                        + " certificate chain, it holds " + aliases.size() + (aliases.isEmpty() ? "" : " " + aliases));
            }
            String alias = aliases.getFirst();
            PrivateKey key = (PrivateKey) store.getKey(alias, password);
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : store.getCertificateChain(alias)) {
                if (!(c instanceof X509Certificate x509)) {
                    throw new IllegalArgumentException("the certificate chain of key '" + alias
                            + "' holds a non-X.509 certificate: " + c.getType());
                }
                chain.add(x509);
            }
            return new KeyAndChain(key, chain);
        } catch (java.security.UnrecoverableKeyException e) {
            throw new IllegalArgumentException("cannot recover the private key (wrong key password?): "
                    + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the key store: " + e.getMessage(), e);
        }
    }

    /** Checks that {@code key} is the private half of the certificate's public key. */
    static void checkMatch(PrivateKey key, X509Certificate certificate, String message) throws IOException {
        PublicKey publicKey = certificate.getPublicKey();
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            throw new IOException(message + ": a " + key.getAlgorithm() + " key for a " + publicKey.getAlgorithm()
                    + " certificate " + subject(certificate));
        }
        if (key instanceof RSAKey rsaPrivate && publicKey instanceof RSAKey rsaPublic) {
            if (!rsaPrivate.getModulus().equals(rsaPublic.getModulus())) {
                throw new IOException(message + " (" + subject(certificate) + ")");
            }
            return;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return; // no way to check with the JDK alone; the handshake will tell
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            if (!verifier.verify(signature)) {
                throw new IOException(message + " (" + subject(certificate) + ")");
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(message + " (" + subject(certificate) + "): " + e.getMessage(), e);
        }
    }

    static String subject(X509Certificate certificate) {
        return "'" + certificate.getSubjectX500Principal().getName() + "'";
    }

    private static X509Certificate parseCertificate(byte[] der, Path file, int index) throws IOException {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IOException(file + ": certificate #" + index + " is not a valid X.509 certificate: "
                    + e.getMessage(), e);
        }
    }

    private static List<Block> readBlocks(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "PEM file not found");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + ": not a PEM file (it holds binary data; DER or PKCS#12?)", e);
        }
        List<Block> blocks = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", at);
            if (begin < 0) {
                break;
            }
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) {
                throw new IOException(file + ": malformed PEM header at offset " + begin);
            }
            String label = text.substring(begin + 11, labelEnd).strip();
            String footer = "-----END " + label + "-----";
            int end = text.indexOf(footer, labelEnd + 5);
            if (end < 0) {
                throw new IOException(file + ": PEM block \"" + label + "\" has no \"" + footer + "\" line");
            }
            String body = text.substring(labelEnd + 5, end);
            if (body.contains(":")) {
                throw new IOException(file + ": PEM block \"" + label + "\" has headers (an encrypted traditional"
                        + " key?); use unencrypted PKCS#8");
            }
            try {
                blocks.add(new Block(label, Base64.getMimeDecoder().decode(body)));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": PEM block \"" + label + "\" is not valid Base64: " + e.getMessage(),
                        e);
            }
            at = end + footer.length();
        }
        if (blocks.isEmpty()) {
            throw new IOException(file + ": not a PEM file (no \"-----BEGIN ...-----\" line)");
        }
        return blocks;
    }

    private static String foundLabels(List<Block> blocks) {
        return "; found " + blocks.stream().map(b -> "\"" + b.label() + "\"").distinct().toList();
    }
}
