package dev.weft.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a {@code resolv.conf(5)} file that {@link DnsResolver} uses: name servers, the search list and the
 * {@code ndots}, {@code timeout} and {@code attempts} options.
 *
 * <p>Parsed the way glibc reads it: a {@code #} or {@code ;} starts a comment; {@code nameserver} takes one IP literal
 * (IPv4, or IPv6 with an optional {@code %scope}) and no port — port 53 is implied — and at most the first
 * {@value #MAX_SERVERS} are kept; {@code domain} and {@code search} both set the search list and the last one in the
 * file wins; {@code options ndots:N} (capped at 15), {@code timeout:N} seconds (capped at 30) and {@code attempts:N}
 * (capped at 5). Anything else — unknown keywords, unknown options, malformed values — is skipped with a DEBUG log,
 * as the C library does, so a file written for another resolver never stops weft from starting. The
 * {@code LOCALDOMAIN} and {@code RES_OPTIONS} environment variables are not read.
 *
 * <p>Immutable and thread-safe.
 *
 * @param servers the name servers on port 53, in file order; empty if the file names none
 * @param search the search domains without trailing dots, in order; empty if the file has none
 * @param ndots the {@code ndots} option, if present and valid
 * @param timeout the {@code timeout} option, if present and valid
 * @param attempts the {@code attempts} option, if present and valid
 */
record ResolvConf(
        List<InetSocketAddress> servers,
        List<String> search,
        OptionalInt ndots,
        Optional<Duration> timeout,
        OptionalInt attempts) {

    /** The standard location of the file. */
    static final Path DEFAULT_PATH = Path.of("/etc/resolv.conf");

    /** glibc's MAXNS: servers after the third are ignored. */
    static final int MAX_SERVERS = 3;

    /** glibc's caps for the options. */
    static final int MAX_NDOTS = 15;
    static final int MAX_TIMEOUT_SECONDS = 30;
    static final int MAX_ATTEMPTS = 5;

    /** glibc's MAXDNSRCH: search domains after the sixth are ignored. */
    static final int MAX_SEARCH = 6;

    private static final Logger LOG = LoggerFactory.getLogger(ResolvConf.class);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    /** A file with nothing in it: every setting at its default. */
    static final ResolvConf EMPTY =
            new ResolvConf(List.of(), List.of(), OptionalInt.empty(), Optional.empty(), OptionalInt.empty());

    ResolvConf {
        servers = List.copyOf(servers);
        search = List.copyOf(search);
        Objects.requireNonNull(ndots, "ndots");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(attempts, "attempts");
    }

    /**
     * Reads and parses a file; a file that does not exist gives {@link #EMPTY} (a container without a
     * {@code resolv.conf} gets the defaults, as with glibc).
     *
     * @param path the file
     * @return what the file says
     * @throws IOException if the file exists but cannot be read
     */
    static ResolvConf read(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        String text;
        try {
            text = Files.readString(path, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            LOG.debug("no {}: using the resolver defaults", path);
            return EMPTY;
        }
        return parse(text, path.toString());
    }

    /**
     * Parses the text of a file.
     *
     * @param text the file's contents
     * @param source where the text came from, for log messages
     * @return what the text says
     */
    static ResolvConf parse(String text, String source) {
        Objects.requireNonNull(text, "text");
        List<InetSocketAddress> servers = new ArrayList<>();
        List<String> search = List.of();
        OptionalInt ndots = OptionalInt.empty();
        Optional<Duration> timeout = Optional.empty();
        OptionalInt attempts = OptionalInt.empty();
        int lineNumber = 0;
        for (String raw : text.split("\r?\n", -1)) {
            lineNumber++;
            String line = stripComment(raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] words = WHITESPACE.split(line);
            String keyword = words[0];
            switch (keyword) {
                case "nameserver" -> {
                    Optional<InetAddress> address = words.length == 2 ? ipLiteral(words[1]) : Optional.empty();
                    if (address.isEmpty()) {
                        skip(source, lineNumber, raw, "nameserver needs exactly one IP address");
                    } else if (servers.size() >= MAX_SERVERS) {
                        skip(source, lineNumber, raw, "only the first " + MAX_SERVERS + " name servers are used");
                    } else {
                        servers.add(new InetSocketAddress(address.get(), 53));
                    }
                }
                case "domain", "search" -> {
                    List<String> domains = new ArrayList<>();
                    for (int i = 1; i < words.length && domains.size() < MAX_SEARCH; i++) {
                        String domain = stripTrailingDot(words[i]);
                        if (!domain.isEmpty() && !domains.contains(domain)) {
                            domains.add(domain);
                        }
                    }
                    if (keyword.equals("domain") && domains.size() > 1) {
                        domains = List.of(domains.getFirst());
                    }
                    search = domains;
                }
                case "options" -> {
                    for (int i = 1; i < words.length; i++) {
                        String option = words[i];
                        if (option.startsWith("ndots:")) {
                            OptionalInt n = number(option.substring(6));
                            if (n.isPresent()) {
                                ndots = OptionalInt.of(Math.min(n.getAsInt(), MAX_NDOTS));
                            } else {
                                skip(source, lineNumber, raw, "bad option " + option);
                            }
                        } else if (option.startsWith("timeout:")) {
                            OptionalInt n = number(option.substring(8));
                            if (n.isPresent() && n.getAsInt() > 0) {
                                timeout = Optional.of(Duration.ofSeconds(Math.min(n.getAsInt(), MAX_TIMEOUT_SECONDS)));
                            } else {
                                skip(source, lineNumber, raw, "bad option " + option);
                            }
                        } else if (option.startsWith("attempts:")) {
                            OptionalInt n = number(option.substring(9));
                            if (n.isPresent() && n.getAsInt() > 0) {
                                attempts = OptionalInt.of(Math.min(n.getAsInt(), MAX_ATTEMPTS));
                            } else {
                                skip(source, lineNumber, raw, "bad option " + option);
                            }
                        } else {
                            LOG.debug("{}:{}: option {} is not used by weft", source, lineNumber, option);
                        }
                    }
                }
                default -> skip(source, lineNumber, raw, "unknown keyword " + keyword);
            }
        }
        return new ResolvConf(servers, search, ndots, timeout, attempts);
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        int semicolon = line.indexOf(';');
        int cut = hash < 0 ? semicolon : semicolon < 0 ? hash : Math.min(hash, semicolon);
        return cut < 0 ? line : line.substring(0, cut);
    }

    private static String stripTrailingDot(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    private static OptionalInt number(String digits) {
        if (digits.isEmpty() || digits.length() > 4 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(digits));
    }

    /**
     * Parses an IP literal strictly — a dotted quad, or an IPv6 address with an optional scope (a number, or the
     * name of an existing interface) — without any DNS lookup.
     *
     * @param text the text
     * @return the address, or empty if {@code text} is not an IP literal
     */
    static Optional<InetAddress> ipLiteral(String text) {
        try {
            if (text.indexOf(':') >= 0) {
                int percent = text.indexOf('%');
                if (percent > 0 && !text.substring(percent + 1).chars().allMatch(Character::isDigit)) {
                    // a scope given as an interface name (fe80::1%eth0), which ofLiteral does not take: getByName
                    // parses IPv6 literals without any lookup and maps the name through NetworkInterface
                    Inet6Address.ofLiteral(text.substring(0, percent)); // the address part must be a literal
                    return Optional.of(InetAddress.getByName(text));
                }
                return Optional.of(Inet6Address.ofLiteral(text));
            }
            if (DOTTED_QUAD.matcher(text).matches()) {
                return Optional.of(Inet4Address.ofLiteral(text));
            }
        } catch (IllegalArgumentException | java.net.UnknownHostException notALiteral) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private static void skip(String source, int lineNumber, String line, String why) {
        LOG.debug("{}:{}: ignored \"{}\": {}", source, lineNumber, line.strip(), why);
    }
}
