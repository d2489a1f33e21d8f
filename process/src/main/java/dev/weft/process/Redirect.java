package dev.weft.process;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a child's stdin comes from, or where its stdout or stderr goes. Instances are immutable.
 *
 * <pre>{@code
 * Command.of("make").stdin(Redirect.discard()).stdout(Redirect.file(log)).stderr(Redirect.inherit())
 * }</pre>
 */
public sealed interface Redirect permits Redirect.Pipe, Redirect.Inherit, Redirect.Discard, Redirect.OfFile {

    /**
     * A pipe to this program: {@link ChildProcess#stdin()}, {@link ChildProcess#stdout()}, {@link
     * ChildProcess#stderr()}. The default for all three.
     *
     * @return the pipe redirect
     */
    static Redirect pipe() {
        return Pipe.INSTANCE;
    }

    /**
     * The same stream as this JVM's.
     *
     * @return the inherit redirect
     */
    static Redirect inherit() {
        return Inherit.INSTANCE;
    }

    /**
     * Nothing: stdin reads end of file at once ({@code /dev/null}), output is thrown away.
     *
     * @return the discard redirect
     */
    static Redirect discard() {
        return Discard.INSTANCE;
    }

    /**
     * A file: stdin reads it; stdout or stderr replace its contents (creating it).
     *
     * @param path the file
     * @return the file redirect
     */
    static Redirect file(Path path) {
        return new OfFile(path, false);
    }

    /**
     * A file that stdout or stderr append to (creating it); for stdin the same as {@link #file(Path)}.
     *
     * @param path the file
     * @return the file redirect
     */
    static Redirect append(Path path) {
        return new OfFile(path, true);
    }

    /** See {@link Redirect#pipe()}. */
    enum Pipe implements Redirect {
        /** The one instance. */
        INSTANCE
    }

    /** See {@link Redirect#inherit()}. */
    enum Inherit implements Redirect {
        /** The one instance. */
        INSTANCE
    }

    /** See {@link Redirect#discard()}. */
    enum Discard implements Redirect {
        /** The one instance. */
        INSTANCE
    }

    /**
     * See {@link Redirect#file(Path)} and {@link Redirect#append(Path)}.
     *
     * @param path the file
     * @param append whether output appends rather than replaces
     */
    record OfFile(Path path, boolean append) implements Redirect {
        /**
         * Checks the path.
         *
         * @param path the file
         * @param append whether output appends
         */
        public OfFile {
            Objects.requireNonNull(path, "path");
        }
    }
}
