package dev.artifacts.flink.testing;

import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Passes records through and throws once, as soon as {@code watched} has a committed version: the
 * restored job then starts between a commit and the rest of the input, the case exactly-once sinks
 * must get right. The flag is per JVM and per name because Flink runs deserialized copies of the
 * function in every subtask and again after the restart.
 */
public final class FailOnceAfterCommit extends RichMapFunction<String, String> {
  private static final Map<String, AtomicBoolean> FAILED = new ConcurrentHashMap<>();
  private static final long CHECK_EVERY_NANOS = 50_000_000L;

  private final String name;
  private final String registryUri;
  private final HashMap<String, String> registryEnv;
  private final ArtifactPath watched;
  private final long sleepMillisPerRecord;
  private transient ArtifactRegistry registry;
  private transient long lastCheck;

  private FailOnceAfterCommit(
      String name,
      String registryUri,
      Map<String, String> registryEnv,
      ArtifactPath watched,
      long sleepMillisPerRecord) {
    this.name = name;
    this.registryUri = registryUri;
    this.registryEnv = registryEnv == null ? null : new HashMap<>(registryEnv);
    this.watched = watched;
    this.sleepMillisPerRecord = sleepMillisPerRecord;
  }

  /**
   * Fails once after {@code watched} is committed in the registry at {@code registryUri}, opened
   * with {@code registryEnv} instead of the process environment when it is not null.
   */
  public static FailOnceAfterCommit watching(
      String name, String registryUri, Map<String, String> registryEnv, ArtifactPath watched) {
    return new FailOnceAfterCommit(name, registryUri, registryEnv, watched, 0);
  }

  /** The same, spending 1 ms per record so that a short input spans several checkpoints. */
  public FailOnceAfterCommit slowly() {
    return new FailOnceAfterCommit(name, registryUri, registryEnv, watched, 1);
  }

  /** Arms the failure named {@code name} again (call before each test). */
  public static void reset(String name) {
    flag(name).set(false);
  }

  /** Whether the failure named {@code name} happened. */
  public static boolean failed(String name) {
    return flag(name).get();
  }

  private static AtomicBoolean flag(String name) {
    return FAILED.computeIfAbsent(name, n -> new AtomicBoolean());
  }

  @Override
  public String map(String value) throws Exception {
    if (sleepMillisPerRecord > 0) {
      Thread.sleep(sleepMillisPerRecord);
    }
    AtomicBoolean failed = flag(name);
    if (!failed.get() && System.nanoTime() - lastCheck > CHECK_EVERY_NANOS) {
      lastCheck = System.nanoTime();
      if (registry == null) {
        registry =
            registryEnv == null
                ? ArtifactRegistries.open(registryUri)
                : ArtifactRegistries.open(registryUri, registryEnv);
      }
      if (registry.find(watched).isPresent() && failed.compareAndSet(false, true)) {
        throw new IllegalStateException("Injected failure after the first commit of " + watched);
      }
    }
    return value;
  }

  @Override
  public void close() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }
}
