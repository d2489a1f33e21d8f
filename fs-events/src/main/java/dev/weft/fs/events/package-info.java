/**
 * The file-watching module, not implemented yet: it will hold a watcher that delivers the changes under a file or a
 * directory tree to a channel as file events.
 */
@NullMarked
package dev.weft.fs.events;

import org.jspecify.annotations.NullMarked;
