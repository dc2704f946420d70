package dev.artifacts.common.registry.fs;

import com.amazonaws.AmazonClientException;
import com.amazonaws.AmazonServiceException;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.model.ObjectMetadata;
import com.amazonaws.services.s3.model.PutObjectRequest;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import org.apache.hadoop.fs.s3a.S3AUtils;
import org.apache.hadoop.fs.s3a.api.RequestFactory;
import org.apache.hadoop.fs.store.audit.AuditSpan;
import org.apache.hadoop.util.VersionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Put-if-absent on S3 through {@code s3a://}: a single-part {@code PutObject} carrying {@code
 * If-None-Match: *}.
 *
 * <h2>What S3 guarantees</h2>
 *
 * Since November 2024 Amazon S3 evaluates {@code If-None-Match: *} on {@code PutObject} atomically
 * with the write: the object is created only if no object exists under the key, otherwise S3
 * answers {@code 412 Precondition Failed} and leaves the existing object untouched. When two
 * conditional writes to one key overlap, S3 may answer {@code 409 ConditionalRequestConflict} to
 * one of them; that write did not happen and may be retried. S3 is strongly consistent
 * (read-after-write, list-after-write), so a reader that finds the object sees its whole body: a
 * single-part PUT is never visible half-written. In versioned buckets the condition looks at the
 * current version; a delete marker counts as "absent".
 *
 * <h2>What an S3-compatible store must support</h2>
 *
 * <ul>
 *   <li>{@code If-None-Match: *} on {@code PutObject}, evaluated atomically with the write, and
 *       answered with 412 when the key exists. Stores that ignore the header (S3Proxy before 2.9.0,
 *       and gateways that predate AWS's 2024 feature) silently overwrite, and stores that check for
 *       the key and then write (S3Proxy 2.9.0's jclouds path) let two racers both win: on such a
 *       store the registry <em>cannot</em> commit safely. There is no way to detect an ignored
 *       header from one request, so this class does not probe; {@code S3PutIfAbsentTest} shows how
 *       to check a store.
 *   <li>Strong read-after-write consistency for the key, so that a loser that reads the winner's
 *       record sees it.
 * </ul>
 *
 * <h2>How it is sent</h2>
 *
 * Hadoop 3.3.4 (what Spark 3.5 ships) has no public conditional-create API; {@code
 * fs.option.create.conditional.overwrite} arrived with HADOOP-19256 in Hadoop 3.4.2, on AWS SDK v2.
 * So this class builds the request with the filesystem's own {@link RequestFactory} (which applies
 * s3a's encryption, ACL and storage-class settings), adds {@code If-None-Match: *}, and sends it
 * with the filesystem's own SDK client inside an s3a audit span: endpoint, credentials, signing,
 * proxy and SDK retry settings are exactly those s3a is configured with, with no second credential
 * chain. The client comes from {@code S3AFileSystem.getAmazonS3ClientForTesting} (public, logs one
 * WARN per filesystem instance, {@code @VisibleForTesting}); S3A's higher-level {@code
 * WriteOperationHelper.putObject} is not used because its invoker retries a 412 as an idempotent
 * failure, up to {@code fs.s3a.retry.limit} times with backoff, which would stall every losing
 * committer for seconds. All of this ties the class to hadoop-aws 3.3.x with AWS SDK v1; on any
 * other combination {@link #create} fails with an {@link IOException} naming the Hadoop version
 * instead of writing unconditionally. Objects are written in one PUT (never multipart), so the
 * bytes must fit in memory, which a version record does.
 *
 * <h2>Outcome when a response is lost</h2>
 *
 * The SDK retries a PUT whose response was lost ({@code fs.s3a.attempts.maximum}). If the lost
 * attempt had in fact created the object, the retry is answered 412 although this call created it.
 * So on 412 the existing object is read back: if its bytes equal {@code bytes} the call reports
 * {@code true}. Callers must therefore write bytes that identify the writer (a version record must
 * carry its committing operation's id); two writers of byte-identical records would both be told
 * they created it.
 */
public final class S3PutIfAbsent implements PutIfAbsent {
  private static final Logger LOG = LoggerFactory.getLogger(S3PutIfAbsent.class);

  private static final int PRECONDITION_FAILED = 412;
  private static final int CONFLICT = 409;

  /**
   * How often a write answered {@code 409 ConditionalRequestConflict} is repeated. A 409 means a
   * concurrent conditional write was in flight, not that the key exists; answering "exists" would
   * let the registry skip a version number that then stays empty if the other write fails.
   */
  private static final int CONFLICT_ATTEMPTS = 5;

  private static final long CONFLICT_BACKOFF_MILLIS = 50;

  // Each filesystem's SDK client, so that S3A's WARN on handing it out appears once per filesystem
  // rather than once per commit. One strategy serves one registry, so this holds one entry.
  private final Map<S3AFileSystem, AmazonS3> clients =
      Collections.synchronizedMap(new WeakHashMap<>());

  @Override
  public boolean create(FileSystem fs, Path path, byte[] bytes) throws IOException {
    Objects.requireNonNull(fs, "fs is null");
    Objects.requireNonNull(path, "path is null");
    Objects.requireNonNull(bytes, "bytes is null");
    if (!(fs instanceof S3AFileSystem)) {
      throw new IllegalArgumentException(
          "Cannot use S3 put-if-absent for "
              + path
              + ": filesystem "
              + fs.getClass().getName()
              + " is not S3AFileSystem");
    }
    S3AFileSystem s3a = (S3AFileSystem) fs;
    Path qualified = s3a.makeQualified(path);
    try {
      return createOnS3(s3a, qualified, bytes);
    } catch (LinkageError e) {
      throw new IOException(
          "Cannot create "
              + qualified
              + " atomically: conditional PUT needs hadoop-aws 3.3.x with the AWS SDK v1 bundle,"
              + " but Hadoop "
              + VersionInfo.getVersion()
              + " does not offer the S3A internals it uses ("
              + e
              + ")",
          e);
    }
  }

  private boolean createOnS3(S3AFileSystem fs, Path path, byte[] bytes) throws IOException {
    AmazonS3 s3 = clientFor(fs);
    String key = fs.pathToKey(path);
    for (int attempt = 1; ; attempt++) {
      int status = putIfNoneMatch(fs, s3, path, key, bytes);
      if (status == 200) {
        return true;
      }
      if (status == PRECONDITION_FAILED) {
        return existingEquals(fs, path, bytes);
      }
      // 409: a concurrent conditional write held the key; ours was not applied.
      if (attempt == CONFLICT_ATTEMPTS) {
        throw new IOException(
            "Cannot establish whether "
                + path
                + " was created: S3 answered 409 ConditionalRequestConflict "
                + attempt
                + " times");
      }
      LOG.debug("Conditional PUT of {} conflicted (attempt {}), retrying", path, attempt);
      sleep(path, CONFLICT_BACKOFF_MILLIS << (attempt - 1));
    }
  }

  private AmazonS3 clientFor(S3AFileSystem fs) {
    return clients.computeIfAbsent(
        fs, s3a -> s3a.getAmazonS3ClientForTesting("conditional PUT (If-None-Match) of commits"));
  }

  /** Returns 200 when written, 412 when the key existed, 409 on a conditional conflict. */
  private static int putIfNoneMatch(
      S3AFileSystem fs, AmazonS3 s3, Path path, String key, byte[] bytes) throws IOException {
    RequestFactory requests = fs.getRequestFactory();
    ObjectMetadata metadata = requests.newObjectMetadata(bytes.length);
    PutObjectRequest request =
        requests.newPutObjectRequest(key, metadata, new ByteArrayInputStream(bytes));
    request.putCustomRequestHeader("If-None-Match", "*");
    try (AuditSpan span = fs.createSpan("put-if-absent", path.toString(), null)) {
      s3.putObject(request);
      return 200;
    } catch (AmazonServiceException e) {
      int status = e.getStatusCode();
      if (status == PRECONDITION_FAILED || status == CONFLICT) {
        return status;
      }
      throw S3AUtils.translateException("Conditional PUT", path, e);
    } catch (AmazonClientException e) {
      throw S3AUtils.translateException("Conditional PUT", path, e);
    }
  }

  /**
   * After a 412: true if the object holds exactly {@code bytes}, i.e. an earlier attempt of this
   * call whose response was lost created it (see the class comment).
   */
  private static boolean existingEquals(S3AFileSystem fs, Path path, byte[] bytes)
      throws IOException {
    byte[] existing;
    try (FSDataInputStream in = fs.open(path)) {
      existing = in.readAllBytes();
    } catch (FileNotFoundException e) {
      // 412 says the key existed, yet it is gone: deleted in between. Whether this call created
      // it cannot be known, and retrying could create a second record after a concurrent delete.
      throw new IOException(
          "Cannot establish whether " + path + " was created: S3 answered 412 but it is gone", e);
    }
    if (Arrays.equals(existing, bytes)) {
      LOG.info(
          "{} already holds the bytes being written; treating it as created by this call", path);
      return true;
    }
    return false;
  }

  private static void sleep(Path path, long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException ioe =
          new InterruptedIOException("Interrupted while retrying conditional PUT of " + path);
      ioe.initCause(e);
      throw ioe;
    }
  }
}
