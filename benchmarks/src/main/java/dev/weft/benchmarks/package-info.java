/**
 * weft's benchmarks: JMH micro-benchmarks and load drivers that run weft side by side with its peers in the same
 * run, reported as ratios (see {@code benchmarks/README.md}).
 */
package dev.weft.benchmarks;
