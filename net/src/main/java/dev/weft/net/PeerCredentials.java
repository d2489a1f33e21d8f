package dev.weft.net;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is at the other end of a connected Unix socket: the peer process's id and its user and group ids, as the
 * kernel recorded them when the connection was made ({@code SO_PEERCRED} on Linux).
 *
 * <pre>{@code
 * PeerCredentials peer = connection.peerCredentials().orElseThrow();
 * if (peer.uid().orElse(-1) != 0) {
 *     connection.send("ERROR only root may do this");
 * }
 * }</pre>
 *
 * <p>Each part is empty where the OS does not give it: a {@link UnixSeqpacketConnection} gets all three from
 * junixsocket on Linux; a Unix stream connection of the JDK gets no pid (the JDK reports only the user and group);
 * datagrams carry no credentials at all (see {@link UnixDatagramEndpoint}). The values are what the peer was when
 * it connected or created the socket, not what it is now.
 *
 * <p>Immutable and thread-safe.
 *
 * @param pid the peer's process id
 * @param uid the peer's effective user id
 * @param gid the peer's effective group id
 */
public record PeerCredentials(OptionalLong pid, OptionalLong uid, OptionalLong gid) {

    private static final Logger LOG = LoggerFactory.getLogger(PeerCredentials.class);
    private static final Path PASSWD = Path.of("/etc/passwd");
    private static final Path GROUP = Path.of("/etc/group");

    /**
     * Makes credentials; an id that is absent is {@link OptionalLong#empty()}, never {@code -1}.
     *
     * @param pid the peer's process id
     * @param uid the peer's user id
     * @param gid the peer's group id
     * @throws IllegalArgumentException if an id is negative
     */
    public PeerCredentials {
        Objects.requireNonNull(pid, "pid");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(gid, "gid");
        requireNotNegative("pid", pid);
        requireNotNegative("uid", uid);
        requireNotNegative("gid", gid);
    }

    private static void requireNotNegative(String what, OptionalLong id) {
        if (id.isPresent() && id.getAsLong() < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + id.getAsLong());
        }
    }

    /**
     * The credentials junixsocket read with {@code SO_PEERCRED} (or the BSD equivalents); empty when it got none
     * (junixsocket returns null, or -1 for each id, for a socket that has no peer credentials: a datagram socket).
     */
    static Optional<PeerCredentials> of(AFUNIXSocketCredentials credentials) {
        if (credentials == null) {
            return Optional.empty();
        }
        OptionalLong pid = id(credentials.getPid());
        OptionalLong uid = id(credentials.getUid());
        OptionalLong gid = id(credentials.getGid());
        if (pid.isEmpty() && uid.isEmpty() && gid.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PeerCredentials(pid, uid, gid));
    }

    private static OptionalLong id(long value) {
        return value < 0 ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /**
     * The credentials of the peer of a connected JDK Unix stream socket: {@code SO_PEERCRED} through
     * {@link ExtendedSocketOptions#SO_PEERCRED}.
     */
    static PeerCredentials of(SocketChannel channel) throws IOException {
        return of(channel.getOption(ExtendedSocketOptions.SO_PEERCRED));
    }

    /**
     * The credentials in a principal the JDK read with {@code SO_PEERCRED}. The JDK reports the peer's user and group
     * as names (it drops the pid and the numeric ids), so the pid is empty and the ids are looked up: a name the JDK
     * could not resolve is the id itself in decimal; any other name is looked up in {@code /etc/passwd} and
     * {@code /etc/group}. An id that only a network directory (LDAP, NIS) knows is empty.
     */
    static PeerCredentials of(UnixDomainPrincipal principal) {
        OptionalLong uid = lookup(principal.user().getName(), PASSWD);
        OptionalLong gid = lookup(principal.group().getName(), GROUP);
        return new PeerCredentials(OptionalLong.empty(), uid, gid);
    }

    /** The id of {@code name} in a passwd- or group-style file ({@code name:password:id:...}), or from its digits. */
    static OptionalLong lookup(String name, Path file) {
        if (!name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9') && name.length() < 19) {
            return OptionalLong.of(Long.parseLong(name));
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.debug("cannot read {} to find the id of '{}': {}", file, name, e.toString());
            return OptionalLong.empty();
        }
        for (String line : lines) {
            String[] fields = line.split(":", 4);
            if (fields.length >= 3 && fields[0].equals(name)) {
                try {
                    return OptionalLong.of(Long.parseLong(fields[2]));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }
}
