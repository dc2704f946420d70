package dev.artifacts.common.registry.wandb;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.concurrent.Parallel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads files in rounds, as wandb-core's saver does ({@code saver.go uploadFiles}): every upload
 * of a round runs (one failure does not cancel the others); the failed ones get fresh upload URLs
 * from the server and go again in the next round, as long as fewer than half of a round failed. The
 * transport already retries each request; what a new round fixes is an upload URL that expired or
 * was refused before the bytes went up.
 *
 * <p>Getting fresh URLs is a GraphQL call ({@code createArtifactFiles} for the failed files) that
 * the caller owns: it is the {@link Rerequest} hook.
 */
final class UploadRounds {
  private static final Logger LOG = LoggerFactory.getLogger(UploadRounds.class);

  /** Uploads one file to the URL it carries. */
  @FunctionalInterface
  interface Uploader<T> {
    void upload(T upload) throws IOException;
  }

  /** Fresh uploads (new URLs) for failed ones; files the server now says it stores are left out. */
  @FunctionalInterface
  interface Rerequest<T> {
    List<T> fresh(List<T> failed) throws IOException;
  }

  private record Outcome<T>(T upload, Exception error) {}

  private UploadRounds() {}

  /**
   * Runs all uploads with at most {@code parallelism} at once.
   *
   * @throws IOException when more than half of a round failed (wandb-core gives up then), with the
   *     first failure as cause and the others suppressed
   */
  static <T> void run(
      List<T> uploads,
      int parallelism,
      String threadName,
      Uploader<T> uploader,
      Rerequest<T> rerequest,
      Function<T, String> describe)
      throws IOException {
    List<T> pending = uploads;
    for (int round = 1; !pending.isEmpty(); round++) {
      List<Outcome<T>> outcomes =
          Parallel.map(
              pending,
              parallelism,
              threadName,
              u -> {
                try {
                  uploader.upload(u);
                  return new Outcome<>(u, null);
                } catch (IOException | ArtifactException e) {
                  return new Outcome<>(u, e);
                }
              });
      List<Outcome<T>> failed = outcomes.stream().filter(o -> o.error() != null).toList();
      if (failed.isEmpty()) {
        return;
      }
      if (failed.size() > pending.size() / 2) {
        Outcome<T> first = failed.get(0);
        IOException e =
            new IOException(
                "Cannot upload "
                    + failed.size()
                    + " of "
                    + pending.size()
                    + " files (round "
                    + round
                    + "); first: "
                    + describe.apply(first.upload())
                    + ": "
                    + first.error().getMessage(),
                first.error());
        for (Outcome<T> o : failed.subList(1, Math.min(failed.size(), 10))) {
          e.addSuppressed(o.error());
        }
        throw e;
      }
      LOG.warn(
          "{} of {} uploads failed in round {} (first: {}: {}); requesting fresh upload URLs",
          failed.size(),
          pending.size(),
          round,
          describe.apply(failed.get(0).upload()),
          failed.get(0).error().getMessage());
      pending = new ArrayList<>(rerequest.fresh(failed.stream().map(Outcome::upload).toList()));
    }
  }
}
