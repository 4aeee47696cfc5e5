package dev.pypiguard.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM certificates and private keys as operators have them: the key may be PKCS#8 ({@code PRIVATE
 * KEY}), PKCS#1 RSA or SEC1 EC ({@code RSA/EC PRIVATE KEY}); BouncyCastle reads all three, where
 * the JDK and Netty alone read only PKCS#8.
 */
final class PemFiles {
  private PemFiles() {}

  static PrivateKey privateKey(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(r)) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        var converter = new JcaPEMKeyConverter();
        if (o instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    }
    throw new IOException(
        file
            + " holds no unencrypted private key (expected PEM: PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  static X509Certificate[] certificates(Path file) throws IOException, GeneralSecurityException {
    try (var in = Files.newInputStream(file)) {
      var certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
              .map(c -> (X509Certificate) c)
              .toArray(X509Certificate[]::new);
      if (certs.length == 0) {
        throw new IOException(file + " holds no certificate");
      }
      return certs;
    }
  }
}
