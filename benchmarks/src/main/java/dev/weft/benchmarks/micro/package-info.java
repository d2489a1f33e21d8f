/**
 * JMH micro-benchmarks of weft's runtime primitives and message codec, each measured side by side with its JDK (or
 * Netty) peers in the same class, and {@link dev.weft.benchmarks.micro.MicroSuite}, which runs them and writes the
 * results CSV. See {@code benchmarks/README.md} (section Micro-benchmarks).
 */
package dev.weft.benchmarks.micro;
