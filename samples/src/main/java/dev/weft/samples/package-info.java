/**
 * Sample programs built on weft. For now {@link dev.weft.samples.RuntimeDemo}, a short tour of the runtime; the
 * switchboard message router daemon and the {@code weft} command-line tool come with the samples issue.
 */
@NullMarked
package dev.weft.samples;

import org.jspecify.annotations.NullMarked;
