/**
 * File watching: a {@link dev.weft.fs.events.FileWatcher} delivers the changes under a file or a directory tree to
 * a channel as {@link dev.weft.fs.events.FileEvent}s — recursive, with new subdirectories picked up without a gap,
 * an optional snapshot of what exists at start, write-finished events and rename pairs, glob filters, and a rescan
 * that reports what changed when the kernel's queue overflows.
 *
 * <pre>{@code
 * WatchOptions options = WatchOptions.builder().recursive(true).include("*.conf").build();
 * try (FileWatcher watcher = FileWatcher.watch(Path.of("/etc/myd"), options)) {
 *     for (FileEvent event : watcher.events()) {
 *         if (event instanceof FileEvent.Written w) {
 *             reload(w.path());
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Native access.</b> On Linux the watcher calls inotify through the FFM API ({@code java.lang.foreign}), whose
 * downcalls are restricted methods. Grant this module native access:
 * <ul>
 *   <li>module path: {@code java --enable-native-access=dev.weft.fs.events -m app/app.Main};</li>
 *   <li>class path: {@code java --enable-native-access=ALL-UNNAMED -cp ... app.Main};</li>
 *   <li>executable jar: the manifest attribute {@code Enable-Native-Access: ALL-UNNAMED}.</li>
 * </ul>
 * Without it JDK 25 prints a warning on the first call and goes on; with {@code --illegal-native-access=deny} the
 * {@link dev.weft.fs.events.WatchBackend#AUTO} backend falls back to the JDK watch service.
 */
@NullMarked
package dev.weft.fs.events;

import org.jspecify.annotations.NullMarked;
