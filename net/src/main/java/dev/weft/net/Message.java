package dev.weft.net;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A message of the text protocol that weft shares with the eventdispatcher / communicatord family: a command, an
 * optional destination ({@code server:service/}), an optional sender ({@code <server:service }) and named string
 * parameters.
 *
 * <p>The wire form is one line of text:
 * <pre>{@code [<from_server:from_service ][[server:]service/]COMMAND[ name=value(;name=value)*]}</pre>
 * Values are quoted ({@code msg="hello; world"}) and escaped ({@code \\}, {@code \n}, {@code \r}, and {@code \"}
 * in quotes) as needed. The same message can also be written and read as a JSON object. {@link #parse(String)}
 * reads either form; {@link #toText()} and {@link #toJson()} write them. The format, what is accepted and what is
 * rejected, is specified in {@code message-format.md}.
 *
 * <pre>{@code
 * Message lock = Message.builder("LOCK")
 *         .service("lock")
 *         .parameter("object_name", "xyz")
 *         .parameter("timeout", Duration.ofMillis(1500))
 *         .parameter("note", "a; b")                  // quoted on the wire
 *         .build();
 * String line = lock.toText();                        // lock/LOCK note="a; b";object_name=xyz;timeout=1.5
 *
 * Message received = Message.parse("<monster:lock monster:firewall/BLOCK ip=1.2.3.4:80;count=0x10");
 * received.command();                                 // "BLOCK"
 * received.sentFromService();                         // Optional[lock]
 * received.address("ip");                             // 1.2.3.4:80 (no DNS lookup)
 * received.integer("count");                          // 16
 * Message reply = received.replyTo("BLOCKED").parameter("ip", received.require("ip")).build();
 * reply.toText();                                     // monster:lock/BLOCKED ip=1.2.3.4:80
 * }</pre>
 *
 * <p>Names: a command is {@code [A-Z0-9_]+} not starting with a digit when built ({@code [A-Za-z0-9_]+} is accepted
 * when parsed); parameter names are ASCII letters, digits and {@code _}, not starting with a digit; server and
 * service names are ASCII letters, digits, {@code _} and {@code -}, or exactly one of {@code .}, {@code *},
 * {@code ?}. A sent-from service may also contain {@code :}. An empty server or service means "none".
 *
 * <p>Typed parameters are strings on the wire: integers in decimal (an optional sign; {@code 0x}, {@code 0o},
 * {@code 0b} prefixes are accepted when read), booleans {@code true}/{@code false}, durations and instants as
 * {@code seconds.nanoseconds} with trailing zeros dropped ({@code 1.5}, {@code 1700000000.000000001}), addresses as
 * {@code ip:port} with IPv6 in brackets.
 *
 * <p>Messages are immutable and thread-safe; {@link #equals(Object)} compares all parts by value. A
 * {@link Builder} is not thread-safe.
 */
public final class Message {

    private final String command;
    private final String server;
    private final String service;
    private final String sentFromServer;
    private final String sentFromService;
    private final SortedMap<String, String> parameters;
    private @Nullable String text;

    /** Builds a message from parts that are already validated; {@code parameters} is owned by the message. */
    Message(String command, String server, String service, String sentFromServer, String sentFromService,
            TreeMap<String, String> parameters) {
        this.command = command;
        this.server = server;
        this.service = service;
        this.sentFromServer = sentFromServer;
        this.sentFromService = sentFromService;
        this.parameters = Collections.unmodifiableSortedMap(parameters);
    }

    /**
     * Starts a message with the given command; the command is checked by {@link Builder#build()}.
     *
     * @param command the command, {@code [A-Z0-9_]+} not starting with a digit
     * @return a new builder
     */
    public static Builder builder(String command) {
        return new Builder(Objects.requireNonNull(command, "command"), false);
    }

    /**
     * Reads a message in its text or JSON form (JSON when the first non-blank character is <code>{</code>).
     * Leading and trailing blanks (space, TAB, LF, VT, FF, CR) are ignored.
     *
     * @param text the message, without a line terminator (a trailing CR or LF is ignored as a blank)
     * @return the message
     * @throws MessageFormatException if the text is not a valid message; it names the position and the reason
     */
    public static Message parse(String text) {
        return MessageText.parse(Objects.requireNonNull(text, "text"));
    }

    /**
     * Reads a message in its JSON form, a standard JSON object with the keys {@code sent-from-server},
     * {@code sent-from-service}, {@code server}, {@code service}, {@code command} (required) and
     * {@code parameters} (an object whose values are strings, numbers, booleans or null).
     *
     * @param json the JSON text
     * @return the message
     * @throws MessageFormatException if the text is not valid JSON or not a valid message
     */
    public static Message parseJson(String json) {
        return MessageJson.parse(Objects.requireNonNull(json, "json"));
    }

    /**
     * The command, e.g. {@code PING}.
     *
     * @return the command
     */
    public String command() {
        return command;
    }

    /**
     * The destination server; on the wire it is written only together with a {@linkplain #service() service}.
     *
     * @return the destination server, or empty
     */
    public Optional<String> server() {
        return optional(server);
    }

    /**
     * The destination service.
     *
     * @return the destination service, or empty
     */
    public Optional<String> service() {
        return optional(service);
    }

    /**
     * The server that sent the message (the {@code <server:service } prefix, stamped by a router).
     *
     * @return the sending server, or empty
     */
    public Optional<String> sentFromServer() {
        return optional(sentFromServer);
    }

    /**
     * The service that sent the message (the {@code <server:service } prefix, stamped by a router).
     *
     * @return the sending service, or empty
     */
    public Optional<String> sentFromService() {
        return optional(sentFromService);
    }

    /**
     * All parameters, sorted by name in byte order.
     *
     * @return an unmodifiable map of parameter names to values
     */
    public Map<String, String> parameters() {
        return parameters;
    }

    /**
     * Whether the message has a parameter with this name.
     *
     * @param name the parameter name
     * @return {@code true} if the parameter is present (possibly with an empty value)
     */
    public boolean has(String name) {
        return parameters.containsKey(Objects.requireNonNull(name, "name"));
    }

    /**
     * The value of a parameter.
     *
     * @param name the parameter name
     * @return the value, or empty if the parameter is absent
     */
    public Optional<String> parameter(String name) {
        return Optional.ofNullable(parameters.get(Objects.requireNonNull(name, "name")));
    }

    /**
     * The value of a parameter that must be present.
     *
     * @param name the parameter name
     * @return the value (possibly empty)
     * @throws IllegalArgumentException if the parameter is absent; the message names the parameter and the command
     */
    public String require(String name) {
        String value = parameters.get(Objects.requireNonNull(name, "name"));
        if (value == null) {
            throw new IllegalArgumentException(command + " has no parameter " + name);
        }
        return value;
    }

    /**
     * The value of a parameter as an integer: decimal with an optional sign, or with a {@code 0x}, {@code 0o} or
     * {@code 0b} prefix after the sign.
     *
     * @param name the parameter name
     * @return the integer
     * @throws IllegalArgumentException if the parameter is absent or not an integer in the range of {@code long};
     *     the message names the parameter, the command and the value
     */
    public long integer(String name) {
        String value = require(name);
        try {
            return MessageValues.parseInteger(value);
        } catch (IllegalArgumentException e) {
            throw badValue(name, value, e);
        }
    }

    /**
     * The value of a parameter as a boolean: {@code true}, {@code yes}, {@code on}, {@code 1} are true and
     * {@code false}, {@code no}, {@code off}, {@code 0} are false, ignoring ASCII case.
     *
     * @param name the parameter name
     * @return the boolean
     * @throws IllegalArgumentException if the parameter is absent or not one of the spellings above; the message
     *     names the parameter, the command and the value
     */
    public boolean bool(String name) {
        String value = require(name);
        try {
            return MessageValues.parseBoolean(value);
        } catch (IllegalArgumentException e) {
            throw badValue(name, value, e);
        }
    }

    /**
     * The value of a parameter as a duration in seconds: {@code seconds[.fraction]} with an optional sign and at
     * most 9 fraction digits, e.g. {@code 1.5} or {@code 60}.
     *
     * @param name the parameter name
     * @return the duration
     * @throws IllegalArgumentException if the parameter is absent or not a duration; the message names the
     *     parameter, the command and the value
     */
    public Duration duration(String name) {
        String value = require(name);
        try {
            return MessageValues.parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw badValue(name, value, e);
        }
    }

    /**
     * The value of a parameter as an instant: seconds since the epoch, {@code seconds[.fraction]} with an optional
     * sign and at most 9 fraction digits, e.g. {@code 1700000000.123456789}.
     *
     * @param name the parameter name
     * @return the instant
     * @throws IllegalArgumentException if the parameter is absent or not a timestamp; the message names the
     *     parameter, the command and the value
     */
    public Instant timestamp(String name) {
        String value = require(name);
        try {
            return MessageValues.parseInstant(value);
        } catch (IllegalArgumentException e) {
            throw badValue(name, value, e);
        }
    }

    /**
     * The value of a parameter as a socket address {@code ip:port}, IPv6 in brackets ({@code [::1]:4040}). Only
     * literal IP addresses are accepted: this never looks up a host name.
     *
     * @param name the parameter name
     * @return the resolved socket address
     * @throws IllegalArgumentException if the parameter is absent or not {@code ip:port}; the message names the
     *     parameter, the command and the value
     */
    public InetSocketAddress address(String name) {
        String value = require(name);
        try {
            return MessageValues.parseAddress(value);
        } catch (IllegalArgumentException e) {
            throw badValue(name, value, e);
        }
    }

    /**
     * A builder with all parts of this message, to derive a changed copy. Its command is this message's command,
     * accepted even if it was parsed in lower case.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder builder = new Builder(command, true);
        builder.server = server;
        builder.service = service;
        builder.sentFromServer = sentFromServer;
        builder.sentFromService = sentFromService;
        builder.parameters.putAll(parameters);
        return builder;
    }

    /**
     * A builder for a reply to this message: the reply's destination server and service are this message's
     * {@linkplain #sentFromServer() sent-from server} and {@linkplain #sentFromService() service}.
     *
     * @param command the command of the reply
     * @return a new builder addressed to the sender of this message
     */
    public Builder replyTo(String command) {
        Builder builder = builder(command);
        builder.server = sentFromServer;
        builder.service = sentFromService;
        return builder;
    }

    /**
     * The wire text form of this message, without a line terminator; parameters are written in ascending order of
     * their names, values quoted and escaped as needed so that {@link #parse(String)} reads back an equal message.
     * A server is written only together with a service.
     *
     * @return the text form
     */
    public String toText() {
        String result = text;
        if (result == null) {
            result = MessageText.format(this);
            text = result;
        }
        return result;
    }

    /**
     * The JSON form of this message: a standard JSON object on one line, all parameter values written as strings.
     *
     * @return the JSON form
     */
    public String toJson() {
        return MessageJson.format(this);
    }

    /**
     * Compares all parts: command, destination, sender and parameters.
     *
     * @param other the object to compare with
     * @return {@code true} if {@code other} is a message with equal parts
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof Message that
                && command.equals(that.command)
                && server.equals(that.server)
                && service.equals(that.service)
                && sentFromServer.equals(that.sentFromServer)
                && sentFromService.equals(that.sentFromService)
                && parameters.equals(that.parameters);
    }

    /**
     * A hash code of all parts.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Objects.hash(command, server, service, sentFromServer, sentFromService, parameters);
    }

    /**
     * The wire text form, as {@link #toText()}.
     *
     * @return the text form
     */
    @Override
    public String toString() {
        return toText();
    }

    String rawServer() {
        return server;
    }

    String rawService() {
        return service;
    }

    String rawSentFromServer() {
        return sentFromServer;
    }

    String rawSentFromService() {
        return sentFromService;
    }

    private IllegalArgumentException badValue(String name, String value, IllegalArgumentException cause) {
        return new IllegalArgumentException("parameter " + name + " of " + command + " is not "
                + cause.getMessage() + ": " + MessageFormatException.display(value), cause);
    }

    private static Optional<String> optional(String value) {
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /**
     * A builder of {@link Message}s: set the destination, the sender and parameters, then {@link #build()}.
     * Names are checked as they are set; the command when the message is built. Setting a parameter again replaces
     * its value.
     *
     * <p>Not thread-safe; the messages it builds are.
     */
    public static final class Builder {
        private final String command;
        private final boolean commandChecked;
        private String server = "";
        private String service = "";
        private String sentFromServer = "";
        private String sentFromService = "";
        private final TreeMap<String, String> parameters = new TreeMap<>();

        private Builder(String command, boolean commandChecked) {
            this.command = command;
            this.commandChecked = commandChecked;
        }

        /**
         * Sets the destination server: a name of letters, digits, {@code _} and {@code -}, or {@code .} (this
         * server), {@code *} (any), {@code ?} (remote servers only); empty for none. It is written on the wire only
         * together with a service.
         *
         * @param server the destination server, or empty
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder server(String server) {
            this.server = MessageText.checkServiceName("server", Objects.requireNonNull(server, "server"), false);
            return this;
        }

        /**
         * Sets the destination service: a name of letters, digits, {@code _} and {@code -}, or {@code .} (local
         * broadcast), {@code *} (all), {@code ?} (remote only); empty for none.
         *
         * @param service the destination service, or empty
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder service(String service) {
            this.service = MessageText.checkServiceName("service", Objects.requireNonNull(service, "service"),
                    false);
            return this;
        }

        /**
         * Sets the sender, as a router stamps it: server and service names as for {@link #server(String)} and
         * {@link #service(String)} (the service may also contain {@code :}); either may be empty.
         *
         * @param server the sending server, or empty
         * @param service the sending service, or empty
         * @return this builder
         * @throws IllegalArgumentException if a name is not valid
         */
        public Builder sentFrom(String server, String service) {
            String checkedServer = MessageText.checkServiceName("sent-from server",
                    Objects.requireNonNull(server, "server"), false);
            this.sentFromService = MessageText.checkServiceName("sent-from service",
                    Objects.requireNonNull(service, "service"), true);
            this.sentFromServer = checkedServer;
            return this;
        }

        /**
         * Sets a parameter; any string is a valid value (the text form quotes and escapes it as needed).
         *
         * @param name the parameter name: ASCII letters, digits and {@code _}, not starting with a digit
         * @param value the value, possibly empty
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder parameter(String name, String value) {
            Objects.requireNonNull(value, "value");
            parameters.put(MessageText.checkParameterName(Objects.requireNonNull(name, "name")), value);
            return this;
        }

        /**
         * Sets an integer parameter, written in decimal.
         *
         * @param name the parameter name
         * @param value the value
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder parameter(String name, long value) {
            return parameter(name, Long.toString(value));
        }

        /**
         * Sets an integer parameter, written in decimal.
         *
         * @param name the parameter name
         * @param value the value
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder parameter(String name, int value) {
            return parameter(name, Integer.toString(value));
        }

        /**
         * Sets a boolean parameter, written as {@code true} or {@code false}.
         *
         * @param name the parameter name
         * @param value the value
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder parameter(String name, boolean value) {
            return parameter(name, Boolean.toString(value));
        }

        /**
         * Sets a duration parameter, written as {@code seconds.nanoseconds} with trailing zeros dropped
         * ({@code 1.5}, {@code 60}, {@code -0.25}).
         *
         * @param name the parameter name
         * @param value the value
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder parameter(String name, Duration value) {
            Objects.requireNonNull(value, "value");
            return parameter(name, MessageValues.formatSeconds(value.getSeconds(), value.getNano()));
        }

        /**
         * Sets a timestamp parameter, written as seconds since the epoch, {@code seconds.nanoseconds} with
         * trailing zeros dropped ({@code 1700000000.5}; negative before 1970).
         *
         * @param name the parameter name
         * @param value the value
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder parameter(String name, Instant value) {
            Objects.requireNonNull(value, "value");
            return parameter(name, MessageValues.formatSeconds(value.getEpochSecond(), value.getNano()));
        }

        /**
         * Sets an address parameter, written as {@code ip:port} with IPv6 in brackets ({@code [::1]:4040}).
         *
         * @param name the parameter name
         * @param value a resolved address (with an IP address)
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid or the address is unresolved
         */
        public Builder parameter(String name, InetSocketAddress value) {
            Objects.requireNonNull(value, "value");
            return parameter(name, MessageValues.formatAddress(value));
        }

        /**
         * Removes a parameter, if present.
         *
         * @param name the parameter name
         * @return this builder
         */
        public Builder removeParameter(String name) {
            parameters.remove(Objects.requireNonNull(name, "name"));
            return this;
        }

        /**
         * Builds the message.
         *
         * @return a new message
         * @throws IllegalArgumentException if the command is not {@code [A-Z0-9_]+} or starts with a digit; the
         *     message names the command
         */
        public Message build() {
            if (!commandChecked) {
                MessageText.checkBuiltCommand(command);
            }
            return new Message(command, server, service, sentFromServer, sentFromService, new TreeMap<>(parameters));
        }
    }
}
