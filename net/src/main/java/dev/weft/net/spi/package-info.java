/**
 * Extension points of weft's networking that applications implement: a {@link dev.weft.net.spi.Resolver} that
 * turns a host name into addresses with a time to live (permanent connections use it to follow a backend's DNS
 * name).
 */
@NullMarked
package dev.weft.net.spi;

import org.jspecify.annotations.NullMarked;
