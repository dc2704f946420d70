package dev.artifacts.common.registry;

/**
 * Filter and order for listing versions, modelled on W&amp;B's public API ({@code Artifacts(...,
 * filters, order)}). Null filter members match everything.
 *
 * @param alias only versions carrying this alias
 * @param tag only versions carrying this tag
 * @param digest only versions with this artifact digest
 * @param includeDeleted also list deleted versions (W&amp;B filters on {@code COMMITTED} by
 *     default)
 * @param order sort order
 * @param limit maximum number of versions returned; 0 means no limit
 */
public record VersionQuery(
    String alias, String tag, String digest, boolean includeDeleted, Order order, int limit) {

  /** Sort orders; W&amp;B's default is newest first. */
  public enum Order {
    VERSION_ASC,
    VERSION_DESC,
    CREATED_ASC,
    CREATED_DESC
  }

  public VersionQuery {
    order = order == null ? Order.VERSION_DESC : order;
    if (limit < 0) {
      throw new IllegalArgumentException("Invalid limit " + limit);
    }
  }

  public static VersionQuery all() {
    return new VersionQuery(null, null, null, false, Order.VERSION_DESC, 0);
  }

  public VersionQuery withOrder(Order newOrder) {
    return new VersionQuery(alias, tag, digest, includeDeleted, newOrder, limit);
  }

  public VersionQuery withAlias(String newAlias) {
    return new VersionQuery(newAlias, tag, digest, includeDeleted, order, limit);
  }

  public VersionQuery withTag(String newTag) {
    return new VersionQuery(alias, newTag, digest, includeDeleted, order, limit);
  }

  public VersionQuery withLimit(int newLimit) {
    return new VersionQuery(alias, tag, digest, includeDeleted, order, newLimit);
  }

  public VersionQuery withDeleted(boolean deleted) {
    return new VersionQuery(alias, tag, digest, deleted, order, limit);
  }
}
