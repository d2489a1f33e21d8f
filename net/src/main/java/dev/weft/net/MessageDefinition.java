package dev.weft.net;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The declared parameters of one command: for each parameter its {@linkplain Type type}, whether it is
 * {@linkplain Presence required, optional or forbidden}, and whether it may be empty; and whether the command is
 * <em>strict</em> (parameters that are neither declared nor global are rejected).
 *
 * <pre>{@code
 * MessageDefinition lock = MessageDefinition.builder("LOCK")
 *         .required("object_name", MessageDefinition.Type.STRING)
 *         .required("pid", MessageDefinition.Type.INTEGER)
 *         .optional("timeout", MessageDefinition.Type.TIMESTAMP)
 *         .strict()
 *         .build();
 * }</pre>
 *
 * A set of definitions, with the parameters allowed on every message, is {@link MessageDefinitions}; a
 * {@link Dispatcher} checks each message against it before calling a handler, and answers a message that fails
 * with {@code INVALID command=<command>;message=<what is wrong>}.
 *
 * <p>Immutable and thread-safe; the {@link Builder} is not.
 */
public final class MessageDefinition {

    /** The type of a parameter's value, checked with the typed getters of {@link Message}. */
    public enum Type {
        /** Any text. */
        STRING("string"),
        /**
         * An integer: decimal with an optional sign, or with a {@code 0x}, {@code 0o} or {@code 0b} prefix
         * ({@link Message#integer}).
         */
        INTEGER("integer"),
        /** A boolean ({@link Message#bool}). */
        BOOLEAN("boolean"),
        /** An address {@code ip:port}, IPv6 in brackets ({@link Message#address}). */
        ADDRESS("address"),
        /** A duration, {@code seconds[.fraction]} ({@link Message#duration}). */
        DURATION("duration"),
        /** A time, seconds since the epoch, {@code seconds[.fraction]} ({@link Message#timestamp}). */
        TIMESTAMP("timestamp");

        private final String keyword;

        Type(String keyword) {
            this.keyword = keyword;
        }

        /**
         * Returns the lower-case name used in definition files, such as {@code integer}.
         *
         * @return the keyword
         */
        public String keyword() {
            return keyword;
        }
    }

    /** Whether a parameter must, may or must not be present. */
    public enum Presence {
        /** The parameter must be present. */
        REQUIRED,
        /** The parameter may be present. */
        OPTIONAL,
        /** The parameter must not be present. */
        FORBIDDEN
    }

    /**
     * One declared parameter.
     *
     * @param name the parameter name: ASCII letters, digits and {@code _}, not starting with a digit
     * @param type the type of its value
     * @param presence whether it must, may or must not be present
     * @param mayBeEmpty whether an empty value is accepted (an empty value is not type-checked)
     */
    public record Parameter(String name, Type type, Presence presence, boolean mayBeEmpty) {

        /**
         * Checks the name.
         *
         * @param name the parameter name
         * @param type the type of its value
         * @param presence whether it must, may or must not be present
         * @param mayBeEmpty whether an empty value is accepted
         * @throws IllegalArgumentException if the name is not a valid parameter name
         */
        public Parameter {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(presence, "presence");
            checkParameterName(name);
        }

        /**
         * Returns the parameter as a definition file writes it, such as {@code pid integer optional empty}.
         *
         * @return the parameter's line in a definition file, without indentation
         */
        @Override
        public String toString() {
            if (presence == Presence.FORBIDDEN) {
                return name + " forbidden";
            }
            return name + " " + type.keyword() + " " + presence.name().toLowerCase(java.util.Locale.ROOT)
                    + (mayBeEmpty ? " empty" : "");
        }
    }

    private final String command;
    private final Map<String, Parameter> parameters;
    private final boolean strict;

    private MessageDefinition(Builder b) {
        this.command = b.command;
        this.parameters = Collections.unmodifiableMap(new TreeMap<>(b.parameters));
        this.strict = b.strict;
    }

    /**
     * Returns a builder for the definition of {@code command}.
     *
     * @param command the command, {@code [A-Z0-9_]+} not starting with a digit
     * @return a new builder
     * @throws IllegalArgumentException if the command is not valid
     */
    public static Builder builder(String command) {
        Objects.requireNonNull(command, "command");
        checkCommand(command);
        return new Builder(command);
    }

    /**
     * Returns the command this definition is for.
     *
     * @return the command
     */
    public String command() {
        return command;
    }

    /**
     * Returns the declared parameters by name, in ascending order of their names.
     *
     * @return an unmodifiable map
     */
    public Map<String, Parameter> parameters() {
        return parameters;
    }

    /**
     * Returns a declared parameter.
     *
     * @param name the parameter name
     * @return the parameter, or empty if it is not declared
     */
    public Optional<Parameter> parameter(String name) {
        return Optional.ofNullable(parameters.get(Objects.requireNonNull(name, "name")));
    }

    /**
     * Returns whether parameters that are neither declared here nor global are rejected.
     *
     * @return true for a strict definition
     */
    public boolean strict() {
        return strict;
    }

    /**
     * Compares the command, the parameters and strictness.
     *
     * @param other the object to compare with
     * @return whether {@code other} is an equal definition
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof MessageDefinition d && command.equals(d.command) && parameters.equals(d.parameters)
                && strict == d.strict;
    }

    /**
     * Returns a hash of the command, the parameters and strictness.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Objects.hash(command, parameters, strict);
    }

    /**
     * Returns the definition as a definition file writes it (see {@link MessageDefinitions}).
     *
     * @return the definition's block in a definition file
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("command ").append(command);
        if (strict) {
            s.append(" strict");
        }
        for (Parameter p : parameters.values()) {
            s.append("\n    ").append(p);
        }
        return s.toString();
    }

    static void checkCommand(String command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9' && i > 0);
            if (!ok) {
                throw new IllegalArgumentException("command must be [A-Z0-9_]+ and not start with a digit: "
                        + command);
            }
        }
    }

    static void checkParameterName(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("parameter name must not be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'
                    || (c >= '0' && c <= '9' && i > 0);
            if (!ok) {
                throw new IllegalArgumentException("parameter name must be ASCII letters, digits and _, not"
                        + " starting with a digit: " + name);
            }
        }
    }

    /**
     * Builds a {@link MessageDefinition}. Declaring a parameter again replaces it. Not thread-safe.
     */
    public static final class Builder {
        private final String command;
        private final Map<String, Parameter> parameters = new TreeMap<>();
        private boolean strict;

        private Builder(String command) {
            this.command = command;
        }

        /**
         * Declares a required parameter whose value must not be empty.
         *
         * @param name the parameter name
         * @param type the type of its value
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder required(String name, Type type) {
            return parameter(new Parameter(name, type, Presence.REQUIRED, false));
        }

        /**
         * Declares an optional parameter whose value, when present, must not be empty.
         *
         * @param name the parameter name
         * @param type the type of its value
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder optional(String name, Type type) {
            return parameter(new Parameter(name, type, Presence.OPTIONAL, false));
        }

        /**
         * Declares a forbidden parameter: a message that carries it is invalid.
         *
         * @param name the parameter name
         * @return this builder
         * @throws IllegalArgumentException if the name is not valid
         */
        public Builder forbidden(String name) {
            return parameter(new Parameter(name, Type.STRING, Presence.FORBIDDEN, false));
        }

        /**
         * Declares a parameter with every attribute given.
         *
         * @param parameter the parameter
         * @return this builder
         */
        public Builder parameter(Parameter parameter) {
            Objects.requireNonNull(parameter, "parameter");
            parameters.put(parameter.name(), parameter);
            return this;
        }

        /**
         * Makes the definition strict: a parameter that is neither declared here nor global makes the message
         * invalid. By default undeclared parameters are accepted, as eventdispatcher peers do.
         *
         * @return this builder
         */
        public Builder strict() {
            this.strict = true;
            return this;
        }

        /**
         * Builds the definition.
         *
         * @return a new definition
         */
        public MessageDefinition build() {
            return new MessageDefinition(this);
        }
    }
}
