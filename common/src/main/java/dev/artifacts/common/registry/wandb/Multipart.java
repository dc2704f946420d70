package dev.artifacts.common.registry.wandb;

/**
 * Part sizes of W&amp;B multipart uploads (WANDB-FORMAT.md §3.5). We follow wandb-core ({@code
 * core/pkg/artifacts/multipart.go} {@code getChunkSize}), which is what current clients use; the
 * legacy Python rule is kept to document (and test) the difference.
 */
final class Multipart {
  /** Files of at least 2 GiB are uploaded in parts. */
  static final long THRESHOLD = 2L << 30;

  static final long DEFAULT_PART = 100L << 20;
  static final long MAX_PARTS = 10_000;
  private static final long ALIGN = 4096;

  private Multipart() {}

  /**
   * 100 MiB, or for files larger than 100 MiB &times; 10,000 the smallest multiple of 4096 that
   * keeps the part count at 10,000 (S3's limit).
   */
  static long chunkSize(long fileSize) {
    if (fileSize <= DEFAULT_PART * MAX_PARTS) {
      return DEFAULT_PART;
    }
    long perPart = ceilDiv(fileSize, MAX_PARTS);
    return ceilDiv(perPart, ALIGN) * ALIGN;
  }

  /** The legacy Python uploader's {@code calc_part_size}: {@code max(ceil(size/1000), 100 MiB)}. */
  static long legacyPythonPartSize(long fileSize) {
    return Math.max(ceilDiv(fileSize, 1000), DEFAULT_PART);
  }

  static int partCount(long fileSize, long partSize) {
    return (int) Math.max(1, ceilDiv(fileSize, partSize));
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
