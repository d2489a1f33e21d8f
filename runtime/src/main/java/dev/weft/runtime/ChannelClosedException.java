package dev.weft.runtime;

import java.io.Serial;

/**
 * Thrown by a send on a closed channel, and by a receive on a channel that is closed and drained. Its cause is the
 * cause the channel was {@linkplain SendChannel#close(Throwable) closed with}, if any.
 */
public final class ChannelClosedException extends IllegalStateException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The name of the closed channel. */
    private final String channelName;

    ChannelClosedException(String channelName, boolean forSend, Throwable cause) {
        super("channel '" + channelName + "' is closed" + (forSend ? "" : " and drained")
                + (cause == null ? "" : ": " + cause), cause);
        this.channelName = channelName;
    }

    /**
     * Returns the name of the closed channel.
     *
     * @return the channel name
     */
    public String channelName() {
        return channelName;
    }
}
