/**
 * The signals module, not implemented yet: it will hold Unix signals as channels, a shutdown helper that turns TERM
 * and INT into cancelling the root scope, and sending signals to a process.
 */
@NullMarked
package dev.weft.signals;

import org.jspecify.annotations.NullMarked;
