package dev.artifacts.common.reference;

import dev.artifacts.common.ArtifactException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The two spellings of a W&amp;B artifact ID: the base64 GraphQL ID ({@code
 * QXJ0aWZhY3Q6MTIzNDU2Nzg5}) and the hex form used as the host of {@code wandb-artifact://} URIs
 * (hex of the decoded bytes, {@code 41727469666163743a313233343536373839}).
 */
public final class ArtifactIds {
  /** Scheme of references to an entry of another artifact version. */
  public static final String SCHEME = "wandb-artifact";

  private static final HexFormat HEX = HexFormat.of();

  private ArtifactIds() {}

  /** {@code hex(base64-decode(id))}. */
  public static String toHex(String base64Id) {
    try {
      return HEX.formatHex(Base64.getDecoder().decode(base64Id));
    } catch (IllegalArgumentException e) {
      throw new ArtifactException.InvalidInput(
          "Invalid artifact ID '" + base64Id + "': it is not base64 (" + e.getMessage() + ")");
    }
  }

  /** {@code base64(hex-decode(hexId))}, the inverse of {@link #toHex}. */
  public static String fromHex(String hexId) {
    try {
      return Base64.getEncoder().encodeToString(HEX.parseHex(hexId));
    } catch (IllegalArgumentException e) {
      throw new ArtifactException.InvalidInput(
          "Invalid hex artifact ID '" + hexId + "': " + e.getMessage());
    }
  }

  /** {@code wandb-artifact://<hex id>/<path>}. */
  public static String referenceUri(String base64Id, String entryPath) {
    return SCHEME + "://" + toHex(base64Id) + "/" + entryPath;
  }
}
