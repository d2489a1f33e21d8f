package dev.weft.net;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AddressAlreadyInUseSocketException;
import org.newsclub.net.unix.ConnectionRefusedSocketException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binding junixsocket sockets (datagram and SEQPACKET) to Unix addresses: stale socket files, removal on close, and
 * errors that name the address. Stateless.
 *
 * <p>Every call here is one that returns at once (socket, bind, listen, a datagram connect), so it runs on the
 * caller's thread, virtual or not: none of them can park in junixsocket's virtual-thread poller.
 */
final class JunixSockets {

    private static final Logger LOG = LoggerFactory.getLogger(JunixSockets.class);

    private JunixSockets() {
    }

    /**
     * Opens a socket of {@code type} bound to {@code address}. A path whose socket file was left by a dead process
     * (a test connect is refused) is freed first; a path where a live socket of any type is bound is not stolen.
     *
     * @param where the address as errors show it, e.g. {@code "unixgram /run/myd.sock"}
     * @throws BindException if the address is in use, or the path exists and is not a socket
     */
    static AFUNIXDatagramSocket bind(SocketAddress address, AFSocketType type, String where) throws IOException {
        if (address instanceof UnixDomainSocketAddress unix) {
            prepareSocketPath(unix.getPath(), where);
        }
        AFUNIXDatagramSocket socket = AFUNIXDatagramSocket.newInstance(type);
        try {
            socket.bind(JunixAddresses.toJunix(address));
            return socket;
        } catch (AddressAlreadyInUseSocketException e) {
            socket.close();
            throw bindFailed(where, "another socket is bound to it", e);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw bindFailed(where, e.getMessage(), e);
        }
    }

    /**
     * Makes {@code path} free to bind: nothing there, or a stale socket file, which is removed. A datagram probe
     * tells them apart: a connect to a socket file nobody has bound is refused; one to a bound datagram socket
     * succeeds; one to a bound stream or SEQPACKET socket fails with "Protocol wrong type" — bound all the same.
     */
    static void prepareSocketPath(Path path, String where) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return;
        }
        if (!attrs.isOther()) {
            throw new BindException("cannot bind " + where + ": the path exists and is not a socket");
        }
        try (AFUNIXDatagramSocket probe = AFUNIXDatagramSocket.newInstance()) {
            probe.connect(AFUNIXSocketAddress.of(path));
        } catch (ConnectionRefusedSocketException refused) {
            LOG.info("removing stale socket file {} (a connect was refused: no process has it bound)", path);
            Files.deleteIfExists(path);
            return;
        } catch (SocketException other) {
            if (Files.notExists(path, LinkOption.NOFOLLOW_LINKS)) {
                return; // removed while we looked: the path is free
            }
            throw bindFailed(where, "a live socket is bound to it (" + other.getMessage() + ")", other);
        }
        throw new BindException("cannot bind " + where + ": another socket is bound to it");
    }

    private static BindException bindFailed(String where, @Nullable String why, Exception cause) {
        BindException e = new BindException("cannot bind " + where + ": " + why);
        e.initCause(cause);
        return e;
    }

    /** The identity of the file at {@code path} (device and inode on Linux), or null if there is none. */
    static @Nullable Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Removes the socket file a closed socket was bound to, unless another socket has replaced it since (its file
     * key differs); a failure is logged, not thrown.
     */
    static void removeSocketFile(Path path, @Nullable Object boundKey) {
        Object now = fileKey(path);
        if (now == null) {
            return;
        }
        if (boundKey != null && !Objects.equals(now, boundKey)) {
            LOG.debug("not removing socket file {}: another socket was bound there since", path);
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot remove socket file {}: {}", path, e.toString());
        }
    }

    /**
     * A junixsocket I/O failure with the endpoint and the peer in its message: {@link ConnectException} when nobody
     * is bound to the recipient (no such file, or refused), {@link SocketException} otherwise.
     */
    static IOException named(String prefix, IOException e) {
        if (e instanceof ClosedChannelException) {
            SocketException closed = new SocketException(prefix + ": the socket is closed");
            closed.initCause(e);
            return closed;
        }
        String message = String.valueOf(e.getMessage());
        SocketException named = e instanceof ConnectionRefusedSocketException
                || message.contains("No such file or directory") || message.contains("Connection refused")
                ? new ConnectException(prefix + ": no socket is bound there (" + message + ")")
                : new SocketException(prefix + ": " + message);
        named.initCause(e);
        return named;
    }
}
