package dev.artifacts.flink;

import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import java.net.URL;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.util.FlinkUserCodeClassLoaders;
import org.apache.flink.util.MutableURLClassLoader;

/**
 * A child JVM's main for {@link HadoopShutdownHookTest}: opens a registry (the process's first use
 * of Hadoop) on a thread whose context class loader is a Flink user-code class loader with the leak
 * check on, as a Flink task's is; closes that loader, as Flink does when the job ends; exits.
 */
public final class RegistryInUserCodeMain {
  private RegistryInUserCodeMain() {}

  public static void main(String[] args) throws Exception {
    String registryUri = args[0];
    ClassLoader parent = RegistryInUserCodeMain.class.getClassLoader();
    MutableURLClassLoader userCode =
        FlinkUserCodeClassLoaders.create(
            FlinkUserCodeClassLoaders.ResolveOrder.CHILD_FIRST,
            new URL[0],
            parent,
            new String[] {"java.", "org.apache.flink.", "org.slf4j", "org.apache.logging"},
            t -> {},
            true);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread task =
        new Thread(
            () -> {
              try (ArtifactRegistry registry = ArtifactRegistries.open(registryUri)) {
                System.out.println("opened " + registry.uri());
              } catch (Throwable t) {
                failure.set(t);
              }
            },
            "task");
    task.setContextClassLoader(userCode);
    task.start();
    task.join();
    userCode.close();
    if (failure.get() != null) {
      failure.get().printStackTrace();
      System.exit(1);
    }
    System.out.println("user code class loader closed");
  }
}
