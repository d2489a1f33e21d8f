package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;

/**
 * Pins down what dnsjava's {@code InetAddressResolverProvider} does to {@link InetAddress} in an application that
 * merely has dnsjava on its path (as every weft application does): the JDK picks the provider, but the provider hands
 * back the JDK's built-in resolver unless {@code -Dorg.dnsjava.spi.enable=true}. Checked in child JVMs, because the
 * JDK chooses its resolver once per JVM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class DnsjavaInetAddressProviderTest {

    private static final String PROBE = """
            import java.lang.reflect.Field;
            import java.net.InetAddress;
            import java.net.UnknownHostException;

            public class Probe {
                public static void main(String[] args) throws Exception {
                    System.out.println("localhost " + InetAddress.getByName("localhost").isLoopbackAddress());
                    Field f = InetAddress.class.getDeclaredField("resolver");
                    f.setAccessible(true);
                    System.out.println("resolver " + f.get(null).getClass().getName());
                    if (args.length > 0) {
                        try {
                            System.out.println("lookup " + InetAddress.getByName(args[0]).getHostAddress());
                        } catch (UnknownHostException e) {
                            System.out.println("lookup unknown");
                        }
                    }
                }
            }
            """;

    @TempDir
    Path dir;

    @Test
    void dnsjavaModule_providesAnInetAddressResolverProvider() {
        ModuleDescriptor dnsjava = Message.class.getModule().getDescriptor();

        assertThat(dnsjava.name()).isEqualTo("org.dnsjava");
        assertThat(dnsjava.provides()).anySatisfy(p -> {
            assertThat(p.service()).isEqualTo("java.net.spi.InetAddressResolverProvider");
            assertThat(p.providers()).contains("org.xbill.DNS.spi.DnsjavaInetAddressResolverProvider");
        });
    }

    @Test
    void inetAddress_inThisJvmWithDnsjavaInTheBootLayer_stillResolvesLocalhost() throws Exception {
        assertThat(InetAddress.getByName("localhost").isLoopbackAddress()).isTrue();
    }

    @Test
    void inetAddress_dnsjavaOnTheClassPath_keepsTheBuiltinResolver() throws Exception {
        List<String> out = probe(List.of("-cp", dependencyPath()), List.of());

        assertThat(out).contains("localhost true");
        assertThat(out).filteredOn(l -> l.startsWith("resolver ")).singleElement().asString()
                .doesNotContain("xbill").contains("java.net.");
    }

    @Test
    void inetAddress_dnsjavaOnTheModulePath_isBoundButKeepsTheBuiltinResolver() throws Exception {
        // no --add-modules: java.base "uses" InetAddressResolverProvider, so service binding resolves org.dnsjava
        List<String> out = probe(List.of("-p", dependencyPath()), List.of());

        assertThat(out).contains("localhost true");
        assertThat(out).filteredOn(l -> l.startsWith("resolver ")).singleElement().asString()
                .doesNotContain("xbill").contains("java.net.");

        List<String> enabled = probe(List.of("-p", dependencyPath(), "-Dorg.dnsjava.spi.enable=true"), List.of());
        assertThat(enabled).contains("resolver org.xbill.DNS.spi.DnsjavaInetAddressResolver");
    }

    @Test
    void inetAddress_withSpiEnabledProperty_goesThroughDnsjava() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.set("probe.weft.test", Duration.ofSeconds(30), ResolvConf.ipLiteral("127.0.0.42").orElseThrow());
            String server = "127.0.0.1:" + dns.address().getPort();

            List<String> out = probe(List.of("-cp", dependencyPath(), "-Dorg.dnsjava.spi.enable=true",
                    "-Ddns.server=" + server, "-Ddns.search="), List.of("probe.weft.test."));

            assertThat(out).contains("resolver org.xbill.DNS.spi.DnsjavaInetAddressResolver");
            assertThat(out).contains("lookup 127.0.0.42");
            assertThat(dns.count("probe.weft.test", "A")).isPositive();
        }
    }

    private static String dependencyPath() throws URISyntaxException {
        return jarOf(Message.class) + java.io.File.pathSeparator + jarOf(LoggerFactory.class);
    }

    private static String jarOf(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private List<String> probe(List<String> jvmArgs, List<String> args) throws IOException, InterruptedException {
        Path source = Files.writeString(dir.resolve("Probe.java"), PROBE);
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("--add-opens=java.base/java.net=ALL-UNNAMED");
        command.addAll(jvmArgs);
        command.add(source.toString());
        command.addAll(args);
        Path errors = dir.resolve("probe.err");
        Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("probe ended: %s", output).isTrue();
        assertThat(p.exitValue()).as("probe exit status; output: %s; errors: %s", output, Files.readString(errors))
                .isZero();
        return output.lines().toList();
    }
}
