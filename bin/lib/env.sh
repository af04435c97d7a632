# Shared by bin/stepwise and bin/local-cluster: build check, classpath, JVM flags.
# Expects ROOT (the project root) to be set.

STEPWISE_JAR="$ROOT/spark-jobs/target/spark-jobs-0.1.0-SNAPSHOT.jar"
STEPWISE_ALL_JAR="$ROOT/spark-jobs/target/spark-jobs-0.1.0-SNAPSHOT-all.jar"
STEPWISE_CLASSPATH_FILE="$ROOT/spark-jobs/target/classpath.txt"

# Spark binds to the machine's address unless told otherwise; loopback keeps a laptop quiet.
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
# libgomp spin-waits by default, which makes multi-threaded torch erratic on few cores.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.stepwise/djl-cache}"

# Rebuild when the jar is missing or any source, resource or pom is newer than it.
stepwise_build_if_needed() {
  local stale=""
  if [[ ! -f "$STEPWISE_JAR" || ! -f "$STEPWISE_CLASSPATH_FILE" || ! -f "$STEPWISE_ALL_JAR" ]]; then
    stale="yes"
  elif [[ -n "$(find "$ROOT/pom.xml" "$ROOT"/*/pom.xml "$ROOT"/*/src/main "$ROOT/conf/pipeline.conf" \
      -newer "$STEPWISE_JAR" -type f -print -quit 2>/dev/null)" ]]; then
    stale="yes"
  fi
  if [[ -n "$stale" ]]; then
    echo "stepwise: building (mvn -B -q -DskipTests package) ..." >&2
    (cd "$ROOT" && mvn -B -q -DskipTests package) >&2 || { echo "stepwise: build failed; run 'mvn -B package' to see why" >&2; exit 1; }
  fi
}

# Our jar, then its dependencies including the provided Spark and CPU libtorch.
stepwise_classpath() {
  echo "$STEPWISE_JAR:$(cat "$STEPWISE_CLASSPATH_FILE")"
}

# Spark 4 on Java 17 needs these opens; DJL runs offline from the bundled native jar.
stepwise_jvm_flags() {
  # Torch threads: STEPWISE_THREADS when set, else the JVM picks the cores it may use (TorchThreads).
  local threads=""
  [[ -n "${STEPWISE_THREADS:-}" ]] && threads="-Dai.djl.pytorch.num_threads=$STEPWISE_THREADS"
  echo "-XX:+IgnoreUnrecognizedVMOptions" \
    "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED" \
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED" \
    "--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED" \
    "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED" \
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED" \
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED" \
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED" \
    "-Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true" \
    "-Dai.djl.offline=true -DDJL_CACHE_DIR=$DJL_CACHE_DIR" \
    "$threads -Dai.djl.pytorch.num_interop_threads=1"
}
