package dev.artifacts.common.registry.wandb;

import dev.artifacts.common.ArtifactException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which proxy a W&amp;B request goes through, as wandb-core decides it ({@code clients/proxy.go}):
 * the SDK's own settings first ({@code WANDB_HTTP_PROXY} for {@code http://} URLs, {@code
 * WANDB_HTTPS_PROXY} for {@code https://} URLs, which proxy only W&amp;B traffic; the deprecated
 * {@code WANDB__PROXIES} JSON object with keys {@code http}/{@code https} after them), else the
 * standard variables as Go's {@code http.ProxyFromEnvironment} reads them: {@code HTTP_PROXY} /
 * {@code HTTPS_PROXY} by the request's scheme (upper case before lower case), {@code NO_PROXY}
 * exclusions, and never a proxy for {@code localhost} or loopback addresses.
 *
 * <p>A proxy URL without a scheme is {@code http://}; user info in it becomes {@code
 * Proxy-Authorization: Basic}. Only HTTP proxies are supported (OkHttp cannot speak TLS to a proxy
 * and we do not offer SOCKS): another scheme is rejected when the settings are read.
 */
final class ProxySettings {
  static final ProxySettings NONE = new ProxySettings(null, null, null, null, "");

  /** A proxy and the {@code Proxy-Authorization} its URL's user info asks for (or null). */
  record ProxyTarget(String host, int port, String authorization) {
    Proxy proxy() {
      return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(host, port));
    }
  }

  private final ProxyTarget wandbHttp;
  private final ProxyTarget wandbHttps;
  private final ProxyTarget envHttp;
  private final ProxyTarget envHttps;
  private final List<String> noProxy;

  private ProxySettings(
      ProxyTarget wandbHttp,
      ProxyTarget wandbHttps,
      ProxyTarget envHttp,
      ProxyTarget envHttps,
      String noProxy) {
    this.wandbHttp = wandbHttp;
    this.wandbHttps = wandbHttps;
    this.envHttp = envHttp;
    this.envHttps = envHttps;
    List<String> entries = new ArrayList<>();
    for (String e : noProxy.split(",")) {
      String t = e.trim().toLowerCase(Locale.ROOT);
      if (!t.isEmpty()) {
        entries.add(t);
      }
    }
    this.noProxy = List.copyOf(entries);
  }

  static ProxySettings fromEnv(Map<String, String> env, Map<String, String> legacyProxies) {
    String wandbHttp = nonBlank(env.get("WANDB_HTTP_PROXY"), legacyProxies.get("http"));
    String wandbHttps = nonBlank(env.get("WANDB_HTTPS_PROXY"), legacyProxies.get("https"));
    return new ProxySettings(
        parse("WANDB_HTTP_PROXY", wandbHttp),
        parse("WANDB_HTTPS_PROXY", wandbHttps),
        parse("HTTP_PROXY", nonBlank(env.get("HTTP_PROXY"), env.get("http_proxy"))),
        parse("HTTPS_PROXY", nonBlank(env.get("HTTPS_PROXY"), env.get("https_proxy"))),
        nonBlank(nonBlank(env.get("NO_PROXY"), env.get("no_proxy")), ""));
  }

  /** The proxy for a request to {@code url}, or null to connect directly. */
  ProxyTarget select(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("http") && wandbHttp != null) {
      return wandbHttp;
    }
    if (scheme.equals("https") && wandbHttps != null) {
      return wandbHttps;
    }
    ProxyTarget fromEnv = scheme.equals("https") ? envHttps : envHttp;
    if (fromEnv == null || url.getHost() == null) {
      return null;
    }
    String host = url.getHost().toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.equals("localhost") || isLoopbackLiteral(host)) {
      return null;
    }
    int port = url.getPort() != -1 ? url.getPort() : scheme.equals("https") ? 443 : 80;
    return excluded(host, port) ? null : fromEnv;
  }

  /** {@code NO_PROXY} as Go reads it: {@code *}, host or domain (with subdomains), port, IP. */
  boolean excluded(String host, int port) {
    for (String entry : noProxy) {
      if (entry.equals("*")) {
        return true;
      }
      String h = entry;
      int entryPort = -1;
      int colon = h.lastIndexOf(':');
      if (colon > 0 && h.indexOf(':') == colon && h.substring(colon + 1).matches("\\d+")) {
        entryPort = Integer.parseInt(h.substring(colon + 1));
        h = h.substring(0, colon);
      }
      if (entryPort != -1 && entryPort != port) {
        continue;
      }
      if (h.contains("/")) {
        if (inCidr(host, h)) {
          return true;
        }
        continue;
      }
      if (h.startsWith("*.")) {
        h = h.substring(1);
      }
      if (h.startsWith(".")) {
        if (host.endsWith(h)) {
          return true;
        }
      } else if (host.equals(h) || host.endsWith("." + h)) {
        return true;
      }
    }
    return false;
  }

  ProxySelector selector() {
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        ProxyTarget t = ProxySettings.this.select(uri);
        return List.of(t == null ? Proxy.NO_PROXY : t.proxy());
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        // Nothing to remember: the retry policy handles the failed attempt.
      }
    };
  }

  /** The {@code Proxy-Authorization} for a proxy address chosen by {@link #selector()}, if any. */
  String authorizationFor(Proxy proxy) {
    if (proxy == null || !(proxy.address() instanceof InetSocketAddress a)) {
      return null;
    }
    for (ProxyTarget t : new ProxyTarget[] {wandbHttp, wandbHttps, envHttp, envHttps}) {
      if (t != null
          && t.authorization() != null
          && t.host().equalsIgnoreCase(a.getHostString())
          && t.port() == a.getPort()) {
        return t.authorization();
      }
    }
    return null;
  }

  static ProxyTarget parse(String variable, String raw) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    String text = raw.trim();
    if (!text.contains("://")) {
      text = "http://" + text;
    }
    URI u;
    try {
      u = URI.create(text);
    } catch (IllegalArgumentException e) {
      throw invalid(variable, raw, "not a URL");
    }
    if (!"http".equalsIgnoreCase(u.getScheme())) {
      throw invalid(variable, raw, "only http:// proxies are supported");
    }
    if (u.getHost() == null) {
      throw invalid(variable, raw, "it has no host");
    }
    String auth = null;
    if (u.getRawUserInfo() != null) {
      String info = java.net.URLDecoder.decode(u.getRawUserInfo(), StandardCharsets.UTF_8);
      auth = "Basic " + Base64.getEncoder().encodeToString(info.getBytes(StandardCharsets.UTF_8));
    }
    return new ProxyTarget(u.getHost(), u.getPort() == -1 ? 80 : u.getPort(), auth);
  }

  private static ArtifactException invalid(String variable, String raw, String why) {
    // The value may hold a proxy password: name the variable, not the value.
    return new ArtifactException.InvalidInput(
        "Invalid proxy in "
            + variable
            + " ("
            + redactUserInfo(raw)
            + "): "
            + why
            + "; use http://[user:password@]host:port");
  }

  static String redactUserInfo(String raw) {
    return raw.replaceAll("//[^/@]*@", "//***@");
  }

  private static boolean isLoopbackLiteral(String host) {
    if (host.startsWith("127.") && host.matches("[0-9.]+")) {
      return true;
    }
    return host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
  }

  private static boolean inCidr(String host, String cidr) {
    if (!host.matches("[0-9.]+|[0-9a-f:]+")) {
      return false; // A name, not an address: CIDR entries only match address literals.
    }
    try {
      int slash = cidr.indexOf('/');
      byte[] net = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
      byte[] addr = InetAddress.getByName(host).getAddress();
      int bits = Integer.parseInt(cidr.substring(slash + 1));
      if (net.length != addr.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >> (i % 8);
        if ((net[i / 8] & mask) != (addr[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static String nonBlank(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }
}
