package dev.artifacts.common.registry.wandb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.ArtifactException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings read from the environment as W&amp;B's SDK reads them. */
class WandbSettingsTest {
  @TempDir Path tmp;

  private Map<String, String> env(String... kv) {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", tmp.toString());
    for (int i = 0; i < kv.length; i += 2) {
      env.put(kv[i], kv[i + 1]);
    }
    return env;
  }

  @Test
  void plainHttpIsAllowedForSelfHostedServersButNotForWandbCloud() {
    assertThat(WandbSettings.normalizeBaseUrl("http://wandb.corp.example:8080/"))
        .isEqualTo("http://wandb.corp.example:8080");
    assertThat(WandbSettings.normalizeBaseUrl("http://10.0.0.7")).isEqualTo("http://10.0.0.7");
    assertThat(WandbSettings.normalizeBaseUrl("https://api.wandb.ai"))
        .isEqualTo("https://api.wandb.ai");
    assertThat(WandbSettings.normalizeBaseUrl("https://api.eu.wandb.ai"))
        .isEqualTo("https://api.eu.wandb.ai");
    assertThatThrownBy(() -> WandbSettings.normalizeBaseUrl("http://api.wandb.ai"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'http://api.wandb.ai'")
        .hasMessageContaining("https://api.wandb.ai");
    assertThatThrownBy(() -> WandbSettings.normalizeBaseUrl("https://wandb.ai"))
        .hasMessageContaining("not a W&B API address")
        .hasMessageContaining("https://api.wandb.ai");
    assertThatThrownBy(() -> WandbSettings.normalizeBaseUrl("https://app.wandb.ai"))
        .hasMessageContaining("not a W&B API address");
    assertThatThrownBy(() -> WandbSettings.normalizeBaseUrl("ftp://wandb.corp"))
        .hasMessageContaining("Invalid W&B base URL");
  }

  @Test
  void netrcIsLookedUpByHostAndPortAsTheSdkDoes() throws IOException {
    Path netrc = tmp.resolve(".netrc");
    Files.writeString(
        netrc,
        """
        # written by wandb login
        machine wandb.corp.example login user password host-only-key
        machine wandb.corp.example:8443 login user password with-port-key  # a comment
        """);
    WandbSettings withPort = WandbSettings.fromEnv("https://wandb.corp.example:8443", env());
    assertThat(WandbSettings.netrcMachine(withPort.baseUrl)).isEqualTo("wandb.corp.example:8443");
    assertThat(withPort.credentials.authorization())
        .isEqualTo(new WandbSettings.ApiKey("with-port-key").basicAuthorization());
    WandbSettings hostOnly = WandbSettings.fromEnv("https://wandb.corp.example/", env());
    assertThat(hostOnly.credentials.authorization())
        .isEqualTo(new WandbSettings.ApiKey("host-only-key").basicAuthorization());
    // An entry for the host alone is not the entry of host:port (Python's netrc is exact).
    assertThatThrownBy(() -> WandbSettings.fromEnv("https://wandb.corp.example:9000", env()))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("'machine wandb.corp.example:9000'")
        .hasMessageContaining(netrc.toString())
        .hasMessageContaining("WANDB_IDENTITY_TOKEN_FILE");
    // NETRC points elsewhere.
    Path other = tmp.resolve("other-netrc");
    Files.writeString(other, "machine api.wandb.ai login user password elsewhere\n");
    assertThat(
            WandbSettings.fromEnv("wandb", env("NETRC", other.toString()))
                .credentials
                .authorization())
        .isEqualTo(new WandbSettings.ApiKey("elsewhere").basicAuthorization());
  }

  @Test
  void identityTokenFileTakesPriorityOverTheApiKey() throws IOException {
    Path jwt = tmp.resolve("token.jwt");
    Files.writeString(jwt, "eyJ.header.sig\n");
    WandbSettings s =
        WandbSettings.fromEnv(
            "https://wandb.corp.example",
            env("WANDB_API_KEY", "k", "WANDB_IDENTITY_TOKEN_FILE", jwt.toString()));
    assertThat(s.credentials).isInstanceOf(IdentityTokenCredentials.class);
    assertThat(((IdentityTokenCredentials) s.credentials).tokenFile()).isEqualTo(jwt);
    assertThat(s.credentials.source()).contains(jwt.toString()).doesNotContain("eyJ");

    assertThatThrownBy(
            () ->
                WandbSettings.fromEnv(
                    "https://wandb.corp.example",
                    env("WANDB_IDENTITY_TOKEN_FILE", tmp.resolve("missing.jwt").toString())))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("missing.jwt")
        .hasMessageContaining("WANDB_IDENTITY_TOKEN_FILE");
  }

  @Test
  void cacheDirFollowsWandbCacheDirThenThePlatformCacheDir() {
    assertThat(
            WandbSettings.cacheDir(env("WANDB_CACHE_DIR", "/w", "XDG_CACHE_HOME", "/x"), "Linux"))
        .isEqualTo(Path.of("/w/artifacts"));
    assertThat(WandbSettings.cacheDir(env("XDG_CACHE_HOME", "/xdg/cache"), "Linux"))
        .isEqualTo(Path.of("/xdg/cache/wandb/artifacts"));
    // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
    assertThat(WandbSettings.cacheDir(env("XDG_CACHE_HOME", "rel/cache"), "Linux"))
        .isEqualTo(tmp.resolve(".cache/wandb/artifacts"));
    assertThat(WandbSettings.cacheDir(env(), "Linux"))
        .isEqualTo(tmp.resolve(".cache/wandb/artifacts"));
    assertThat(WandbSettings.cacheDir(env("XDG_CACHE_HOME", "/x"), "Mac OS X"))
        .isEqualTo(tmp.resolve("Library/Caches/wandb/artifacts"));
    assertThat(
            WandbSettings.cacheDir(
                env("LOCALAPPDATA", "C:\\Users\\u\\AppData\\Local"), "Windows 11"))
        .isEqualTo(Path.of("C:\\Users\\u\\AppData\\Local", "wandb", "artifacts"));
  }

  @Test
  void headersAndIdentityComeFromTheSdkVariables() {
    WandbSettings s =
        WandbSettings.fromEnv(
            "wandb",
            env(
                "WANDB_API_KEY", "k",
                "WANDB_USERNAME", "svc",
                "WANDB_USER_EMAIL", "svc@example.com",
                "WANDB__EXTRA_HTTP_HEADERS", "{\"X-A\":\"1\",\"X-B\":\"2\"}"));
    assertThat(s.username).isEqualTo("svc");
    assertThat(s.email).isEqualTo("svc@example.com");
    assertThat(s.extraHeaders).containsExactly(Map.entry("X-A", "1"), Map.entry("X-B", "2"));
    assertThatThrownBy(
            () ->
                WandbSettings.fromEnv(
                    "wandb",
                    env("WANDB_API_KEY", "k", "WANDB__EXTRA_HTTP_HEADERS", "[\"secret-value\"]")))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("WANDB__EXTRA_HTTP_HEADERS")
        .hasMessageNotContaining("secret-value");
  }
}
