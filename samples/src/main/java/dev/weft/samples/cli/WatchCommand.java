package dev.weft.samples.cli;

import dev.weft.fs.events.FileEvent;
import dev.weft.fs.events.FileWatcher;
import dev.weft.fs.events.WatchOptions;
import dev.weft.runtime.Received;
import dev.weft.runtime.Select;
import dev.weft.signals.SignalSubscription;
import dev.weft.signals.Signals;
import dev.weft.signals.UnixSignal;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code weft watch}: prints one line per file event under one or more paths, until SIGINT/SIGTERM or every root
 * has disappeared.
 */
final class WatchCommand implements Subcommand {

    /** What one turn of the loop did. */
    private enum Step { EVENT, CLOSED, STOP }

    @Override
    public String name() {
        return "watch";
    }

    @Override
    public String summary() {
        return "print file events under paths, one per line";
    }

    @Override
    public String usage() {
        return """
                usage: weft watch [--recursive] [--exists] [--glob PATTERN]... [--json] PATH...

                Prints one event per line until SIGINT or SIGTERM, or until every watched root is gone:
                  KIND PATH  (a directory's path ends with /; MOVED prints FROM -> TO)
                Kinds: EXISTS CREATED MODIFIED WRITTEN ATTRIBUTES DELETED MOVED OVERFLOW ROOT_GONE
                  --recursive     watch whole directory trees (new subdirectories included)
                  --exists        first report everything present (EXISTS)
                  --glob PATTERN  only names matching the glob, e.g. '*.log'; repeatable
                  --json          one JSON object per line: {"kind":"CREATED","path":"/abs","directory":false}
                                  (MOVED adds "from")
                Exit status: 0 stopped by a signal or all roots gone, 1 a path cannot be watched, 2 usage error.
                """;
    }

    @Override
    public CommandLine.Spec spec() {
        return CommandLine.Spec.of(Set.of("--recursive", "--exists", "--json"), Set.of("--glob"));
    }

    @Override
    public int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (line.positional().isEmpty()) {
            throw new UsageException("watch: expected at least one PATH");
        }
        WatchOptions.Builder options = WatchOptions.builder().recursive(line.flag("--recursive"))
                .existing(line.flag("--exists"));
        List<String> globs = line.values("--glob");
        try {
            if (!globs.isEmpty()) {
                options.include(globs.toArray(String[]::new));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("watch: --glob: " + e.getMessage());
        }
        boolean json = line.flag("--json");
        List<FileWatcher> watchers = new ArrayList<>();
        try (SignalSubscription stop = Signals.open(UnixSignal.INT, UnixSignal.TERM)) {
            for (String p : line.positional()) {
                watchers.add(open(Path.of(p).toAbsolutePath(), options.build()));
            }
            List<FileWatcher> live = new ArrayList<>(watchers);
            while (!live.isEmpty()) {
                Select<Step> select = Select.<Step>create().onReceive(stop.deliveries(), signal -> Step.STOP);
                for (FileWatcher w : live) {
                    select.onReceiveOrClosed(w.events(), received -> {
                        if (received instanceof Received.Value<FileEvent> v) {
                            out.println(json ? json(v.value()) : text(v.value()));
                            out.flush();
                            return Step.EVENT;
                        }
                        return Step.CLOSED; // its root is gone (after ROOT_GONE), or it failed
                    });
                }
                Step step = select.select();
                if (step == Step.STOP) {
                    break;
                }
                if (step == Step.CLOSED) {
                    live.removeIf(w -> w.events().isClosedForReceive());
                }
            }
        } finally {
            for (FileWatcher w : watchers) {
                w.close();
            }
        }
        return 0;
    }

    private static FileWatcher open(Path path, WatchOptions options) throws CommandFailedException {
        try {
            return FileWatcher.watch(path, options);
        } catch (NoSuchFileException e) {
            throw new CommandFailedException("cannot watch " + path + ": no such file or directory", e);
        } catch (NotDirectoryException e) {
            throw new CommandFailedException("cannot watch " + path + " recursively: not a directory", e);
        } catch (IOException e) {
            throw new CommandFailedException("cannot watch " + path + ": " + e.getMessage(), e);
        }
    }

    /** The event's kind as the command prints it. */
    static String kind(FileEvent event) {
        return switch (event) {
            case FileEvent.Exists e -> "EXISTS";
            case FileEvent.Created e -> "CREATED";
            case FileEvent.Modified e -> "MODIFIED";
            case FileEvent.Written e -> "WRITTEN";
            case FileEvent.AttributesChanged e -> "ATTRIBUTES";
            case FileEvent.Deleted e -> "DELETED";
            case FileEvent.Moved e -> "MOVED";
            case FileEvent.Overflow e -> "OVERFLOW";
            case FileEvent.RootGone e -> "ROOT_GONE";
        };
    }

    static String text(FileEvent event) {
        String slash = event.directory() ? "/" : "";
        if (event instanceof FileEvent.Moved m) {
            return "MOVED " + m.from() + slash + " -> " + m.to() + slash;
        }
        return kind(event) + " " + event.path() + slash;
    }

    static String json(FileEvent event) {
        StringBuilder b = new StringBuilder("{\"kind\":\"").append(kind(event)).append("\",\"path\":")
                .append(Json.quote(event.path().toString()));
        if (event instanceof FileEvent.Moved m) {
            b.append(",\"from\":").append(Json.quote(m.from().toString()));
        }
        return b.append(",\"directory\":").append(event.directory()).append('}').toString();
    }
}
