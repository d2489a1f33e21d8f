# Sourced by .ci/run and ./weft: finds a JDK 25 or newer, the same rule as ./mvnw's.
# weft_find_jdk prints its home, or prints why not to stderr and returns 1.

weft_min_jdk=25

weft_jdk_major() {
    # feature version of the JDK at "$1" (from its release file), or nothing
    [[ -x "$1/bin/java" && -x "$1/bin/javac" && -f "$1/release" ]] || return 0
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}

weft_find_jdk() {
    if [[ -n "${JAVA_HOME:-}" && "$(weft_jdk_major "$JAVA_HOME")" -ge $weft_min_jdk ]] 2>/dev/null; then
        echo "$JAVA_HOME"
        return 0
    fi
    local best=0 jdk="" dir major
    shopt -s nullglob
    for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "${HOME:-/nonexistent}"/.jdks/* \
        "${HOME:-/nonexistent}"/.sdkman/candidates/java/*; do
        major="$(weft_jdk_major "$dir")"
        if [[ -n "$major" ]] && (( major >= weft_min_jdk && major > best )); then
            jdk="$dir" best="$major"
        fi
    done
    shopt -u nullglob
    if [[ -z "$jdk" ]]; then
        echo "error: no JDK $weft_min_jdk or newer found (looked at JAVA_HOME, /usr/lib/jvm/*, /usr/java/*," \
            "/opt/java/*, /opt/jdk*, ~/.jdks/*, ~/.sdkman/candidates/java/*)." >&2
        echo "error: weft needs a JDK $weft_min_jdk (e.g. Eclipse Temurin 25) installed; java on PATH is:" \
            "$(java -version 2>&1 | head -n 1 || echo none)" >&2
        return 1
    fi
    echo "$jdk"
}
