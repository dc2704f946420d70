package dev.artifacts.cli;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.registry.ArtifactRegistries;
import dev.artifacts.common.registry.ArtifactRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Catches a mistyped registry location. The embedded registry creates itself on first write, so a
 * typo in {@code --registry} would read as an empty registry ("no such collection", an empty list)
 * and {@code log} would silently start a second registry. Commands other than {@code log} refuse a
 * location that holds no registry; {@code log} says it creates one.
 *
 * <p>The check runs when the command first uses the registry, after it has parsed its arguments, so
 * a usage mistake is still reported as such.
 */
final class RegistryLocationCheck {
  private RegistryLocationCheck() {}

  /**
   * {@code registry}, checked (once) right before its first use by {@code command}.
   *
   * @param uri the location as the user gave it
   * @param registryOption the {@code --registry} value, or null when the location came from the
   *     environment or the default
   */
  static ArtifactRegistry onFirstUse(
      ArtifactRegistry registry,
      String command,
      String uri,
      String registryOption,
      Map<String, String> env,
      PrintStream err) {
    return (ArtifactRegistry)
        Proxy.newProxyInstance(
            ArtifactRegistry.class.getClassLoader(),
            new Class<?>[] {ArtifactRegistry.class},
            new CheckOnFirstUse(registry, command, uri, registryOption, env, err));
  }

  /**
   * The registry behind {@code registry}, checked first, for commands that need the backend itself
   * ({@code fsck} works on the embedded registry's files).
   */
  static ArtifactRegistry checkedBackend(ArtifactRegistry registry) {
    if (Proxy.isProxyClass(registry.getClass())
        && Proxy.getInvocationHandler(registry) instanceof CheckOnFirstUse handler) {
      handler.checkOnce();
      return handler.registry;
    }
    return registry;
  }

  private static final class CheckOnFirstUse implements InvocationHandler {
    private final ArtifactRegistry registry;
    private final String command;
    private final String uri;
    private final String registryOption;
    private final Map<String, String> env;
    private final PrintStream err;
    private boolean checked;

    CheckOnFirstUse(
        ArtifactRegistry registry,
        String command,
        String uri,
        String registryOption,
        Map<String, String> env,
        PrintStream err) {
      this.registry = registry;
      this.command = command;
      this.uri = uri;
      this.registryOption = registryOption;
      this.env = env;
      this.err = err;
    }

    void checkOnce() {
      if (!checked) {
        checked = true;
        check(registry, command, uri, registryOption, env, err);
      }
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (!isPassive(method)) {
        checkOnce();
      }
      try {
        return method.invoke(registry, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }

  /** Methods that touch no stored data. */
  private static boolean isPassive(Method method) {
    return method.getName().equals("uri")
        || method.getName().equals("close")
        || method.getDeclaringClass() == Object.class;
  }

  private static void check(
      ArtifactRegistry registry,
      String command,
      String uri,
      String registryOption,
      Map<String, String> env,
      PrintStream err) {
    ArtifactRegistries.Contents contents;
    try {
      contents = ArtifactRegistries.contents(registry, new Configuration());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (contents == ArtifactRegistries.Contents.REGISTRY) {
      return;
    }
    String where = displayLocation(registry, uri);
    String fromEnv = env.get(ArtifactRegistries.ENV);
    String source =
        registryOption != null
            ? "from --registry"
            : fromEnv != null && !fromEnv.isBlank()
                ? "from $" + ArtifactRegistries.ENV
                : "the default";
    String fix =
        "Give the registry's location with --registry URI or $"
            + ArtifactRegistries.ENV
            + "; 'artifact log' creates a new registry.";
    if (contents == ArtifactRegistries.Contents.FILE) {
      throw new ArtifactException.InvalidInput(
          "Invalid registry location " + where + " (" + source + "): it is a file. " + fix);
    }
    if (command.equals("log")) {
      err.println(
          "Creating a new registry at "
              + where
              + (contents == ArtifactRegistries.Contents.NOT_A_REGISTRY
                  ? " (a directory that holds other files)"
                  : ""));
      return;
    }
    throw new ArtifactException.NotFound(
        "No registry at "
            + where
            + " ("
            + source
            + "): "
            + (contents == ArtifactRegistries.Contents.NOTHING
                ? "it does not exist or is empty"
                : "the directory holds other files but no registry")
            + ". "
            + fix);
  }

  /** A local registry as an absolute path, as the registry resolved it; other URIs as given. */
  private static String displayLocation(ArtifactRegistry registry, String uri) {
    URI resolved = URI.create(registry.uri());
    return "file".equals(resolved.getScheme()) ? Path.of(resolved).toString() : uri;
  }
}
