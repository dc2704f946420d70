package dev.artifacts.common.registry.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.wandb.WandbRegistry;
import dev.artifacts.common.testing.FakeWandbServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on the W&amp;B backend against the schema-strict {@link FakeWandbServer} (one server
 * for the class). The server owns storage, so gc reclaims nothing; committers in other processes
 * and crash injection need a real server and are not run.
 */
class WandbRegistryContractTest extends RegistryContractTest {
  @TempDir static Path cache;

  private static FakeWandbServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = new FakeWandbServer();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
      assertThat(server.schemaViolations).as("requests the SDK-derived schema refuses").isEmpty();
      assertThat(server.authViolations).as("storage requests carrying Authorization").isEmpty();
    }
  }

  @Override
  protected ArtifactRegistry openRegistry() {
    // No default run project: runs are recorded in the project of the version they use or log,
    // as the contract's lineage queries expect (WANDB_PROJECT would gather them elsewhere).
    Map<String, String> env = new HashMap<>(server.env(cache));
    env.remove("WANDB_ENTITY");
    env.remove("WANDB_PROJECT");
    return WandbRegistry.open(server.baseUrl(), env, new NoReferences());
  }

  @Override
  protected Capabilities capabilities() {
    return new Capabilities(false, false, false, false, false);
  }
}
