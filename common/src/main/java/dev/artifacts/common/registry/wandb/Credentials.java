package dev.artifacts.common.registry.wandb;

import java.io.IOException;

/**
 * What the W&amp;B backend puts in {@code Authorization} on requests to the API (GraphQL and the
 * fallback download handler), never on storage URLs: an API key ({@link WandbSettings.ApiKey}) or
 * an access token obtained for an identity token ({@link IdentityTokenCredentials}), as
 * wandb-core's {@code credentials.go} chooses them.
 */
interface Credentials {
  /**
   * The {@code Authorization} header value, refreshing a token first when it is about to expire.
   */
  String authorization() throws IOException;

  /** Where the credentials come from, for error messages; never the secret itself. */
  String source();

  /**
   * Thrown when the credentials cannot be obtained and repeating the request cannot help (the token
   * endpoint rejected the identity token): the transport does not retry it.
   */
  final class Rejected extends IOException {
    Rejected(String message) {
      super(message);
    }
  }
}
