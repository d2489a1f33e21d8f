/**
 * The child-process module, not implemented yet: it will hold child processes owned by a scope with their output and
 * exit as channels, pipelines, tee, anonymous pipes and named FIFOs.
 */
@NullMarked
package dev.weft.process;

import org.jspecify.annotations.NullMarked;
