/**
 * The networking module, not implemented yet: it will hold TCP, UDP, Unix and TLS transports, servers, the text
 * message protocol with its dispatcher, permanent connections and DNS resolution.
 */
@NullMarked
package dev.weft.net;

import org.jspecify.annotations.NullMarked;
