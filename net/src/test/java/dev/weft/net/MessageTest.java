package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@link Message} API: building, accessors, typed parameters, replies, equality. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
final class MessageTest {

    private static Message with(String name, String value) {
        return Message.builder("PING").parameter(name, value).build();
    }

    @Test
    void classExample_runs_asDocumented() {
        Message lock = Message.builder("LOCK")
                .service("lock")
                .parameter("object_name", "xyz")
                .parameter("timeout", Duration.ofMillis(1500))
                .parameter("note", "a; b")
                .build();
        assertThat(lock.toText()).isEqualTo("lock/LOCK note=\"a; b\";object_name=xyz;timeout=1.5");

        Message received = Message.parse("<monster:lock monster:firewall/BLOCK ip=1.2.3.4:80;count=0x10");
        assertThat(received.command()).isEqualTo("BLOCK");
        assertThat(received.sentFromService()).contains("lock");
        assertThat(received.address("ip")).isEqualTo(new InetSocketAddress("1.2.3.4", 80));
        assertThat(received.integer("count")).isEqualTo(16);
        Message reply = received.replyTo("BLOCKED").parameter("ip", received.require("ip")).build();
        assertThat(reply.toText()).isEqualTo("monster:lock/BLOCKED ip=1.2.3.4:80");
    }

    @Test
    void builder_allParts_accessorsReturnThem() {
        Message message = Message.builder("LOCK")
                .server("monster")
                .service("lock")
                .sentFrom("home", "cli:1")
                .parameter("b", "2")
                .parameter("a", "1")
                .build();

        assertThat(message.command()).isEqualTo("LOCK");
        assertThat(message.server()).contains("monster");
        assertThat(message.service()).contains("lock");
        assertThat(message.sentFromServer()).contains("home");
        assertThat(message.sentFromService()).contains("cli:1");
        assertThat(message.parameters()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThat(message.has("a")).isTrue();
        assertThat(message.has("c")).isFalse();
        assertThat(message.parameter("b")).contains("2");
        assertThat(message.parameter("c")).isEmpty();
        assertThat(message.require("a")).isEqualTo("1");
    }

    @Test
    void builder_emptyNames_meanNone() {
        Message message = Message.builder("PING").server("s").server("").service("").sentFrom("", "").build();

        assertThat(message.server()).isEmpty();
        assertThat(message.service()).isEmpty();
        assertThat(message.sentFromServer()).isEmpty();
        assertThat(message.sentFromService()).isEmpty();
        assertThat(message.toText()).isEqualTo("PING");
    }

    @Test
    void parameters_map_isUnmodifiable() {
        Message message = with("a", "1");

        assertThatThrownBy(() -> message.parameters().put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void builder_changedAfterBuild_doesNotChangeTheBuiltMessage() {
        Message.Builder builder = Message.builder("PING").parameter("a", "1");
        Message first = builder.build();

        builder.parameter("a", "2").parameter("b", "3").removeParameter("a");

        assertThat(first.parameters()).containsExactly(Map.entry("a", "1"));
        assertThat(builder.build().parameters()).containsExactly(Map.entry("b", "3"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''        | command must not be empty",
        "ping      | invalid character 'p' in command (only A-Z, 0-9 and _): ping",
        "1PING     | command must not start with a digit: 1PING",
        "PI NG     | invalid character ' ' in command (only A-Z, 0-9 and _): PI NG",
        "PING-2    | invalid character '-' in command (only A-Z, 0-9 and _): PING-2",
    })
    void build_invalidCommand_throwsNamingIt(String command, String error) {
        Message.Builder builder = Message.builder(command);

        assertThatThrownBy(builder::build).isExactlyInstanceOf(IllegalArgumentException.class).hasMessage(error);
    }

    @Test
    void build_validCommands_areAccepted() {
        assertThat(Message.builder("_X9").build().command()).isEqualTo("_X9");
        assertThat(Message.builder("LOG_ROTATE").build().toText()).isEqualTo("LOG_ROTATE");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''        | parameter name must not be empty",
        "1a        | parameter name must not start with a digit: 1a",
        "my-param  | invalid character '-' in parameter name: my-param",
        "a b       | invalid character ' ' in parameter name: a b",
        "é         | invalid character 'é' in parameter name: é",
        "a=        | invalid character '=' in parameter name: a=",
    })
    void parameter_invalidName_throwsNamingIt(String name, String error) {
        Message.Builder builder = Message.builder("PING");

        assertThatThrownBy(() -> builder.parameter(name, "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(error);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", "**", "a:b", "a/b", "a b", "é", "*a"})
    void serverAndService_invalidName_throwNamingIt(String name) {
        Message.Builder builder = Message.builder("PING");

        assertThatThrownBy(() -> builder.server(name)).hasMessageStartingWith("invalid character")
                .hasMessageEndingWith("in server name: " + name);
        assertThatThrownBy(() -> builder.service(name)).hasMessageEndingWith("in service name: " + name);
        assertThatThrownBy(() -> builder.sentFrom(name, "x")).hasMessageEndingWith("in sent-from server name: " + name);
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "*", "?", "a-b_C9", "-"})
    void serverAndService_validNames_areWritten(String name) {
        Message message = Message.builder("PING").server(name).service(name).build();

        assertThat(message.toText()).isEqualTo(name + ":" + name + "/PING");
        assertThat(Message.parse(message.toText())).isEqualTo(message);
    }

    @Test
    void sentFrom_serviceWithColon_isAcceptedOnlyForTheService() {
        assertThat(Message.builder("PING").sentFrom("a", "b:c").build().toText()).isEqualTo("<a:b:c PING");
        assertThatThrownBy(() -> Message.builder("PING").sentFrom("a:b", "c"))
                .hasMessage("invalid character ':' in sent-from server name: a:b");
        assertThatThrownBy(() -> Message.builder("PING").service("b:c"))
                .hasMessage("invalid character ':' in service name: b:c");
    }

    @Test
    void require_missingParameter_namesParameterAndCommand() {
        Message message = Message.builder("LOCK").parameter("a", "1").build();

        assertThatThrownBy(() -> message.require("timeout"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("LOCK has no parameter timeout");
        assertThatThrownBy(() -> message.integer("timeout")).hasMessage("LOCK has no parameter timeout");
        assertThatThrownBy(() -> message.address("timeout")).hasMessage("LOCK has no parameter timeout");
    }

    // ---- integers

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0                     | 0",
        "42                    | 42",
        "-42                   | -42",
        "+7                    | 7",
        "007                   | 7",
        "0x1A                  | 26",
        "0X1f                  | 31",
        "-0x1a                 | -26",
        "+0x10                 | 16",
        "0o17                  | 15",
        "0O17                  | 15",
        "0b101                 | 5",
        "-0B11                 | -3",
        "9223372036854775807   | 9223372036854775807",
        "-9223372036854775808  | -9223372036854775808",
        "0x7fffffffffffffff    | 9223372036854775807",
        "-0x8000000000000000   | -9223372036854775808",
    })
    void integer_acceptedForms_areRead(String text, long expected) {
        assertThat(with("n", text).integer("n")).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "1.5", "0x", "0b", "-", "+", "--1", "+-1", "-+1", "0x-1", " 1", "1 ", "1_000",
        "0x1g", "0b102", "0o8", "1e3", "٣", "0d10", "١٢"})
    void integer_invalidText_namesParameterCommandAndValue(String text) {
        Message message = Message.builder("LOCK").parameter("count", text).build();

        assertThatThrownBy(() -> message.integer("count"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("parameter count of LOCK is not an integer (decimal with an optional sign, or 0x, 0o, 0b): "
                        + MessageFormatException.display(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775808", "-9223372036854775809", "0x8000000000000000",
        "0x10000000000000000", "99999999999999999999999"})
    void integer_outOfRange_saysSo(String text) {
        assertThatThrownBy(() -> with("n", text).integer("n"))
                .hasMessage("parameter n of PING is not an integer in the range of a 64-bit signed integer: \""
                        + text + "\"");
    }

    @Test
    void integer_setters_writeDecimal() {
        Message message = Message.builder("PING").parameter("a", -35L).parameter("b", 0x10).parameter("c",
                Long.MIN_VALUE).build();

        assertThat(message.toText()).isEqualTo("PING a=-35;b=16;c=-9223372036854775808");
        assertThat(message.integer("c")).isEqualTo(Long.MIN_VALUE);
    }

    // ---- booleans

    @ParameterizedTest
    @CsvSource({"true,true", "TRUE,true", "yes,true", "on,true", "1,true", "false,false", "False,false", "no,false",
        "off,false", "0,false"})
    void bool_spellings_areRead(String text, boolean expected) {
        assertThat(with("b", text).bool("b")).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "maybe", "t", "2", " true", "yes!"})
    void bool_otherText_namesParameterCommandAndValue(String text) {
        assertThatThrownBy(() -> with("flag", text).bool("flag"))
                .hasMessage("parameter flag of PING is not a boolean (true, yes, on, 1 or false, no, off, 0): "
                        + MessageFormatException.display(text));
    }

    @Test
    void bool_setter_writesTrueOrFalse() {
        Message message = Message.builder("PING").parameter("a", true).parameter("b", false).build();

        assertThat(message.toText()).isEqualTo("PING a=true;b=false");
        assertThat(message.bool("a")).isTrue();
        assertThat(message.bool("b")).isFalse();
    }

    // ---- durations and timestamps

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "PT1.5S              | 1.5",
        "PT60S               | 60",
        "PT0S                | 0",
        "PT0.000000001S      | 0.000000001",
        "PT-0.000000001S     | -0.000000001",
        "PT-0.25S            | -0.25",
        "PT-1.25S            | -1.25",
        "PT-2S               | -2",
        "PT0.1S              | 0.1",
        "PT1.123456789S      | 1.123456789",
        "PT27H46M40.01S      | 100000.01",
    })
    void duration_setter_writesSecondsWithoutTrailingZeros(String iso, String text) {
        Duration duration = Duration.parse(iso);
        Message message = Message.builder("PING").parameter("d", duration).build();

        assertThat(message.require("d")).isEqualTo(text);
        assertThat(message.duration("d")).isEqualTo(duration);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1.5          | PT1.5S",
        "+1.50        | PT1.5S",
        "-0.5         | PT-0.5S",
        "-0           | PT0S",
        "0.000000001  | PT0.000000001S",
        "007          | PT7S",
    })
    void duration_acceptedForms_areRead(String text, String iso) {
        assertThat(with("d", text).duration("d")).isEqualTo(Duration.parse(iso));
    }

    @Test
    void duration_extremes_roundTrip() {
        for (Duration duration : new Duration[] {Duration.ofSeconds(Long.MIN_VALUE), Duration.ofSeconds(Long.MAX_VALUE,
                999_999_999), Duration.ofSeconds(Long.MIN_VALUE, 1)}) {
            Message message = Message.builder("PING").parameter("d", duration).build();
            assertThat(message.duration("d")).as(message.toText()).isEqualTo(duration);
        }
        assertThat(Message.builder("PING").parameter("d", Duration.ofSeconds(Long.MIN_VALUE)).build().require("d"))
                .isEqualTo("-9223372036854775808");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-", "1.", ".5", "1.1234567891", "1e3", "PT1S", "1.5s", "1,5", " 1", "1 .5", "--1",
        "1.-5", "0x10"})
    void duration_invalidText_namesParameterCommandAndValue(String text) {
        Message message = Message.builder("LOCK").parameter("ttl", text).build();

        assertThatThrownBy(() -> message.duration("ttl"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("parameter ttl of LOCK is not seconds[.fraction] with an optional sign and at most 9 "
                        + "fraction digits: " + MessageFormatException.display(text));
    }

    @Test
    void duration_outOfRange_saysSo() {
        assertThatThrownBy(() -> with("d", "9223372036854775808").duration("d"))
                .hasMessageStartingWith("parameter d of PING is not seconds in the range of a 64-bit signed integer");
        assertThatThrownBy(() -> with("d", "-9223372036854775808.5").duration("d"))
                .hasMessage("parameter d of PING is not a duration in range: \"-9223372036854775808.5\"");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2023-11-14T22:13:20Z                | 1700000000",
        "2023-11-14T22:13:20.000000001Z      | 1700000000.000000001",
        "2023-11-14T22:13:20.5Z              | 1700000000.5",
        "1970-01-01T00:00:00Z                | 0",
        "1969-12-31T23:59:58.5Z              | -1.5",
        "1969-12-31T23:59:59.999999999Z      | -0.000000001",
    })
    void timestamp_setter_writesSecondsSinceTheEpoch(String iso, String text) {
        Instant instant = Instant.parse(iso);
        Message message = Message.builder("ALIVE").parameter("timestamp", instant).build();

        assertThat(message.require("timestamp")).isEqualTo(text);
        assertThat(message.timestamp("timestamp")).isEqualTo(instant);
    }

    @Test
    void timestamp_extremes_roundTrip() {
        for (Instant instant : new Instant[] {Instant.MIN, Instant.MAX, Instant.EPOCH}) {
            Message message = Message.builder("PING").parameter("t", instant).build();
            assertThat(message.timestamp("t")).as(message.toText()).isEqualTo(instant);
        }
    }

    @Test
    void timestamp_invalidOrOutOfRange_namesParameterCommandAndValue() {
        assertThatThrownBy(() -> with("t", "2023-11-14T22:13:20Z").timestamp("t"))
                .hasMessage("parameter t of PING is not seconds[.fraction] with an optional sign and at most 9 "
                        + "fraction digits: \"2023-11-14T22:13:20Z\"");
        assertThatThrownBy(() -> with("t", "99999999999999999").timestamp("t"))
                .hasMessageStartingWith("parameter t of PING is not a timestamp between")
                .hasMessageEndingWith(": \"99999999999999999\"");
    }

    // ---- addresses

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1.2.3.4:80                | 1.2.3.4        | 80",
        "0.0.0.0:0                 | 0.0.0.0        | 0",
        "255.255.255.255:65535     | 255.255.255.255 | 65535",
        "[::1]:4040                | ::1            | 4040",
        "[2001:db8::1]:443         | 2001:db8::1    | 443",
        "[::ffff:1.2.3.4]:1        | 1.2.3.4        | 1",
        "[2001:DB8:0:0:0:0:0:1]:9  | 2001:db8::1    | 9",
    })
    void address_literals_areRead(String text, String ip, int port) throws Exception {
        InetSocketAddress address = with("a", text).address("a");

        assertThat(address).isEqualTo(new InetSocketAddress(InetAddress.ofLiteral(ip), port));
        assertThat(address.isUnresolved()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:8a", "1.2.3.4:123456",
        "1.2.3:80", "1.2.3.4.5:80", "01.2.3.4:80", "256.1.1.1:80", "1..3.4:80", "::1:80", "[::1]", "[::1]80",
        "[1.2.3.4]:80", "[zz::1]:80", "[[::1]]:80", "localhost:80", "example.invalid:80", ":80", "[]:80"})
    void address_invalidText_namesParameterCommandAndValue(String text) {
        Message message = Message.builder("READY").parameter("my_address", text).build();

        assertThatThrownBy(() -> message.address("my_address"))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("parameter my_address of READY is not an address ip:port (IPv6 in brackets, "
                        + "no host names)")
                .hasMessageEndingWith(MessageFormatException.display(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1.2.3.4                  | 1.2.3.4:80",
        "::1                      | [::1]:80",
        "::                       | [::]:80",
        "2001:db8:0:0:1:0:0:1     | [2001:db8::1:0:0:1]:80",
        "1:0:0:1:0:0:0:1          | [1:0:0:1::1]:80",
        "1:2:3:4:5:6:7:0          | [1:2:3:4:5:6:7:0]:80",
        "0:1:2:3:4:5:6:7          | [0:1:2:3:4:5:6:7]:80",
        "fe80:0:0:0:0:0:0:0       | [fe80::]:80",
        "2001:DB8:AAAA:0:0:0:0:0  | [2001:db8:aaaa::]:80",
        "fe80::1%1                | [fe80::1%1]:80",
    })
    void address_setter_writesIpPortWithCompressedIpv6InBrackets(String ip, String text) throws Exception {
        InetSocketAddress address = new InetSocketAddress(InetAddress.ofLiteral(ip), 80);
        Message message = Message.builder("PING").parameter("a", address).build();

        assertThat(message.require("a")).isEqualTo(text);
        assertThat(message.address("a")).isEqualTo(address);
    }

    @Test
    void address_setterWithUnresolvedAddress_throwsNamingIt() {
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("example.invalid", 80);
        Message.Builder builder = Message.builder("PING");

        assertThatThrownBy(() -> builder.parameter("a", unresolved))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("address must be resolved to an IP address: ")
                .hasMessageContaining("example.invalid");
    }

    // ---- replies, copies, equality

    @Test
    void replyTo_request_isAddressedToItsSender() {
        Message request = Message.parse("<monster:lock ALIVE serial=5");

        Message reply = request.replyTo("ABSOLUTELY").parameter("serial", request.require("serial")).build();

        assertThat(reply.server()).contains("monster");
        assertThat(reply.service()).contains("lock");
        assertThat(reply.sentFromServer()).isEmpty();
        assertThat(reply.toText()).isEqualTo("monster:lock/ABSOLUTELY serial=5");
    }

    @Test
    void replyTo_requestWithoutSender_hasNoDestination() {
        Message reply = Message.parse("svc/ALIVE").replyTo("ABSOLUTELY").build();

        assertThat(reply.server()).isEmpty();
        assertThat(reply.service()).isEmpty();
        assertThat(reply.toText()).isEqualTo("ABSOLUTELY");
    }

    @Test
    void replyTo_invalidCommand_failsOnBuild() {
        Message.Builder builder = Message.parse("<a:b PING").replyTo("pong");

        assertThatThrownBy(builder::build).hasMessageContaining("in command (only A-Z, 0-9 and _): pong");
    }

    @Test
    void toBuilder_message_copiesAllParts() {
        Message original = Message.parse("<a:b c:d/ping x=1;y=2");

        Message copy = original.toBuilder().build();
        Message changed = original.toBuilder().removeParameter("x").parameter("z", "3").service("e").build();

        assertThat(copy).isEqualTo(original).hasSameHashCodeAs(original);
        assertThat(copy.command()).isEqualTo("ping"); // parsed in lower case, kept as it is
        assertThat(changed.toText()).isEqualTo("<a:b c:e/ping y=2;z=3");
    }

    @Test
    void equals_differentParts_areNotEqual() {
        Message base = Message.parse("<a:b c:d/PING x=1");

        assertThat(Message.parse("<a:b c:d/PING x=1")).isEqualTo(base).hasSameHashCodeAs(base);
        assertThat(Message.parse("<a:b c:d/PONG x=1")).isNotEqualTo(base);
        assertThat(Message.parse("<a:b e:d/PING x=1")).isNotEqualTo(base);
        assertThat(Message.parse("<a:b c:e/PING x=1")).isNotEqualTo(base);
        assertThat(Message.parse("<e:b c:d/PING x=1")).isNotEqualTo(base);
        assertThat(Message.parse("<a:e c:d/PING x=1")).isNotEqualTo(base);
        assertThat(Message.parse("<a:b c:d/PING x=2")).isNotEqualTo(base);
        assertThat(Message.parse("<a:b c:d/PING x=1;y=")).isNotEqualTo(base);
        assertThat(base).isNotEqualTo("<a:b c:d/PING x=1");
    }

    @Test
    void toString_message_isTheText() {
        Message message = Message.parse("  <a:b c:d/PING x=1;  ");

        assertThat(message.toString()).isEqualTo("<a:b c:d/PING x=1").isEqualTo(message.toText());
    }
}
