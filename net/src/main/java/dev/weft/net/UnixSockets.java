package dev.weft.net;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Socket files of Unix stream servers: stale-file detection, mode and group, removal. Stateless. */
final class UnixSockets {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSockets.class);

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
            probe.connect(address);
        } catch (ConnectException refused) {
            LOG.info("removing stale socket file {} (a connect was refused: no process listens on it)", path);
            Files.deleteIfExists(path);
            return;
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
        Path path = address.getPath().toAbsolutePath();
        Path temporary = path.resolveSibling("." + path.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Long.toHexString(System.nanoTime()) + ".tmp");
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(temporary), backlog);
            options.applyTo(temporary);
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(temporary);
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
