package dev.pypiguard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pypiguard.testing.PipResult;
import dev.pypiguard.testing.PythonEnv;
import dev.pypiguard.testing.TestUpstream;
import dev.pypiguard.testing.WheelBuilder;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serving https from a PEM certificate and key ({@code tls: {cert, key}}), with real pip. */
class TlsServingIT {
  @TempDir Path dir;

  /** A self-signed certificate for localhost and 127.0.0.1 (pip matches names by SAN only). */
  static void writeCertificate(Path cert, Path key) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=localhost");
    Instant now = Instant.now();
    var builder =
        new JcaX509v3CertificateBuilder(
            name,
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(1, ChronoUnit.DAYS)),
            Date.from(now.plus(1, ChronoUnit.DAYS)),
            name,
            kp.getPublic());
    // As `openssl req -x509` makes them: a self-signed certificate is its own CA.
    builder.addExtension(
        Extension.basicConstraints, true, new org.bouncycastle.asn1.x509.BasicConstraints(true));
    builder.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1")
            }));
    var x509 =
        new JcaX509CertificateConverter()
            .getCertificate(
                builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    var sw = new StringWriter();
    try (var w = new JcaPEMWriter(sw)) {
      w.writeObject(x509);
    }
    Files.writeString(cert, sw.toString());
    // PKCS#8, as `openssl genpkey` writes keys.
    Files.writeString(
        key,
        "-----BEGIN PRIVATE KEY-----\n"
            + java.util.Base64.getMimeEncoder(
                    64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .encodeToString(kp.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
  }

  @Test
  void tls_pipInstallsWithCert_andLinksAreHttps() throws Exception {
    Path cert = dir.resolve("server.pem");
    Path key = dir.resolve("server-key.pem");
    writeCertificate(cert, key);
    Path config = dir.resolve("pypi-guard.yaml");
    Files.writeString(config, "tls:\n  cert: server.pem\n  key: server-key.pem\n");
    try (TestUpstream up = TestUpstream.start()) {
      up.publish(WheelBuilder.of("alpha", "1.0").requires("beta").build());
      up.publish(WheelBuilder.of("beta", "2.0").build());
      var loaded =
          dev.pypiguard.server.config.ConfigLoader.load(
              java.util.Optional.of(config), CliTest.noFlags());
      var cfg =
          dev.pypiguard.server.config.ServerConfig.defaults(up.uri(), dir.resolve("cache"))
              .withPort(0)
              .withTls(loaded.tls());
      try (ProxyServer proxy = ProxyServer.start(cfg)) {
        assertThat(proxy.uri().getScheme()).isEqualTo("https");
        URI index = URI.create("https://localhost:" + proxy.address().getPort() + "/simple/");
        PythonEnv.assumePython3();
        PipResult r =
            PythonEnv.shared()
                .install(
                    index, List.of("--cert", cert.toString(), "--only-binary", ":all:", "alpha"));
        assertThat(r.succeeded()).as(r.toString()).isTrue();
        assertThat(r.installedVersions()).isEqualTo(Map.of("alpha", "1.0", "beta", "2.0"));
        PipResult untrusted =
            PythonEnv.shared()
                .install(index, List.of("--retries", "0", "--only-binary", ":all:", "alpha"));
        assertThat(untrusted.succeeded()).isFalse();
      }
    }
  }

  @Test
  void tls_missingKey_isAConfigErrorNamingTheKey() throws Exception {
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "tls:\n  cert: nope.pem\n  key: nope-key.pem\n");
    var r = CliTest.run("serve", "--config", config.toString(), "--listen", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("tls.cert").contains("not a readable file");
  }
}
