package dev.artifacts.common.registry;

/**
 * Makes Hadoop's JVM shutdown hook independent of the thread that first touches Hadoop.
 *
 * <p>Hadoop's {@code ShutdownHookManager} registers its hook thread when the class is initialized,
 * and a new thread inherits the creating thread's context class loader. In a Flink task that is the
 * job's user-code class loader, which Flink closes when the job ends; at JVM exit the hook then
 * builds a {@code Configuration} that reads {@code core-default.xml} through the closed loader and
 * prints {@code IllegalStateException: Trying to access closed classloader}. Initializing the class
 * with Hadoop's own class loader as the context loader gives the hook a loader that lives as long
 * as Hadoop's classes do (when Hadoop itself is in the job jar, the two die together and the hook
 * has nothing better to use).
 */
public final class HadoopShutdownHook {
  private static final String MANAGER = "org.apache.hadoop.util.ShutdownHookManager";

  private HadoopShutdownHook() {}

  /**
   * Initializes Hadoop's {@code ShutdownHookManager}, if no one has, with Hadoop's class loader as
   * the context class loader; cheap after the first call. Call before the first Hadoop {@code
   * FileSystem} is created.
   */
  public static void initialize() {
    ClassLoader hadoop = org.apache.hadoop.conf.Configuration.class.getClassLoader();
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(hadoop);
    try {
      Class.forName(MANAGER, true, hadoop);
    } catch (ClassNotFoundException e) {
      // Hadoop without its util package cannot open a registry either; that error is clearer.
    } finally {
      thread.setContextClassLoader(previous);
    }
  }
}
