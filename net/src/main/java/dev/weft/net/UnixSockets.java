package dev.weft.net;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Socket files of Unix stream servers: stale-file detection, mode and group, removal. Stateless. */
final class UnixSockets {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSockets.class);
    /** How long the test connect to an existing socket file may take: a live server answers at once. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    /** The longest Unix socket path the JDK binds on Linux (measured on JDK 25: 107 bytes is "too long"). */
    private static final int MAX_PATH_BYTES = 106;

    private UnixSockets() {
    }

    /**
     * Makes {@code address} free to bind: nothing there, or a stale socket file (one that refuses a connect, left
     * by a dead process), which is removed. A live socket, or a file that is not a socket, is left alone and
     * reported.
     */
    static void prepareSocketPath(UnixDomainSocketAddress address) throws IOException {
        Path path = address.getPath();
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException absent) {
            return;
        }
        if (!attrs.isOther()) {
            throw new BindException("cannot listen on unix " + path + ": the path exists and is not a socket");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            Connector.connectUnix(probe, address, PROBE_TIMEOUT, "unix " + path);
        } catch (ConnectException refused) {
            LOG.info("removing stale socket file {} (a connect was refused: no process listens on it)", path);
            Files.deleteIfExists(path);
            return;
        } catch (SocketTimeoutException | SocketException busy) {
            if (Files.notExists(path, LinkOption.NOFOLLOW_LINKS)) {
                return; // removed while we looked: the path is free
            }
            // a listener whose backlog is full: it makes a platform thread's connect wait, a virtual thread's fail
            // with EAGAIN; either way someone listens
            BindException b = new BindException("cannot listen on unix " + path
                    + ": another server is listening on it (its backlog is full: " + busy.getMessage() + ")");
            b.initCause(busy);
            throw b;
        }
        throw new BindException("cannot listen on unix " + path + ": another server is listening on it");
    }

    /**
     * Binds a Unix stream server socket with its mode and group already set when it appears at its path: it is
     * bound under a temporary name in the same directory, given its mode and group, then renamed into place, so no
     * client can connect through permissions it should not have.
     */
    static ServerSocketChannel bind(UnixDomainSocketAddress address, int backlog, Options options)
            throws IOException {
        prepareSocketPath(address);
        Path path = address.getPath();
        Path temporary = path.resolveSibling(String.format(".weft-%08x",
                java.util.concurrent.ThreadLocalRandom.current().nextInt()));
        if (temporary.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            // the path fits but a temporary name beside it would not: bind in place, and set mode and group at once
            LOG.debug("binding {} in place: a temporary name beside it would be too long for a Unix socket", path);
            temporary = path;
        }
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        boolean bound = false;
        try {
            channel.bind(UnixDomainSocketAddress.of(temporary), backlog);
            bound = true;
            options.applyTo(temporary);
            if (!temporary.equals(path)) {
                Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (bound) {
                Files.deleteIfExists(temporary);
            }
            throw e;
        }
    }

    /** Removes the socket file of a stopped server; a failure is logged, not thrown. */
    static void removeSocketFile(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot remove socket file {}: {}", path, e.toString());
        }
    }

    /** The mode and group a socket file gets right after bind. */
    static final class Options {
        private Set<PosixFilePermission> permissions;
        private String group;

        void permissions(String permissions) {
            Objects.requireNonNull(permissions, "permissions");
            try {
                this.permissions = PosixFilePermissions.fromString(permissions);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unix socket permissions must look like \"rw-rw----\": "
                        + permissions, e);
            }
        }

        void group(String group) {
            Objects.requireNonNull(group, "group");
            if (group.isBlank()) {
                throw new IllegalArgumentException("unix socket group must not be blank");
            }
            this.group = group;
        }

        void applyTo(Path path) throws IOException {
            if (permissions != null) {
                Files.setPosixFilePermissions(path, permissions);
            }
            if (group != null) {
                GroupPrincipal principal;
                try {
                    principal = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
                    throw new IOException("cannot give unix socket " + path + " to group '" + group
                            + "': no such group", e);
                }
                Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setGroup(principal);
            }
        }
    }
}
