package dev.artifacts.spark.source;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.digest.FileDigest;
import dev.artifacts.common.registry.ArtifactVersion;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code verify=true}: re-hashes the physical files of a pinned version on the executors (one Spark
 * job, files spread over tasks) when the read is planned, before schema inference or any scan opens
 * them, and fails naming every mismatching file. It hashes the very paths Spark's readers will
 * open, so it also catches a reference whose target changed since it was logged.
 *
 * <p>Files whose manifest digest is not a content MD5 (S3 ETags, {@code checksum=False} references)
 * cannot be re-hashed; their size is checked instead.
 */
final class EntryVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(EntryVerifier.class);
  private static final int FILES_NAMED = 10;

  private EntryVerifier() {}

  static void verify(SparkSession session, ReadPlan plan) {
    List<ReadPlan.DataFile> files = plan.files();
    if (files.isEmpty()) {
      return;
    }
    ArtifactVersion version = plan.version();
    long start = System.nanoTime();
    SerializableConfiguration conf =
        new SerializableConfiguration(session.sessionState().newHadoopConf());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
    int slices = Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 4));
    jsc.setJobDescription("verify " + version.path() + " (" + files.size() + " files)");
    List<String> problems;
    try {
      problems =
          jsc.parallelize(new ArrayList<>(files), slices).flatMap(f -> check(f, conf)).collect();
    } finally {
      jsc.setJobDescription(null);
    }
    if (!problems.isEmpty()) {
      List<String> sorted = new ArrayList<>(problems);
      sorted.sort(null);
      throw new ArtifactException.Corrupted(
          "Cannot read "
              + version.path()
              + ": "
              + sorted.size()
              + " of "
              + files.size()
              + " files do not match the manifest: "
              + String.join("; ", sorted.subList(0, Math.min(FILES_NAMED, sorted.size())))
              + (sorted.size() > FILES_NAMED ? "; …" : ""));
    }
    LOG.info(
        "Verified {} ({} files) in {} ms",
        version.path(),
        files.size(),
        (System.nanoTime() - start) / 1_000_000);
  }

  /** Runs on an executor; returns a description of the mismatch, if any. */
  static Iterator<String> check(ReadPlan.DataFile f, SerializableConfiguration conf)
      throws IOException {
    Path path = new Path(f.physicalUri());
    String where = "'" + f.logicalPath() + "' (at " + f.physicalUri() + ")";
    try (InputStream in = path.getFileSystem(conf.value()).open(path)) {
      if (!Digests.isBase64Md5(f.digest())) {
        long size = in.transferTo(OutputStreamSink.INSTANCE);
        return size == f.size()
            ? List.<String>of().iterator()
            : List.of(where + ": expected " + f.size() + " bytes, found " + size).iterator();
      }
      FileDigest actual = Digests.digest(in);
      if (actual.base64().equals(f.digest()) && actual.size() == f.size()) {
        return List.<String>of().iterator();
      }
      return List.of(
              where
                  + ": expected digest "
                  + f.digest()
                  + " ("
                  + f.size()
                  + " bytes), found "
                  + actual.base64()
                  + " ("
                  + actual.size()
                  + " bytes)")
          .iterator();
    } catch (FileNotFoundException e) {
      return List.of(where + ": missing").iterator();
    }
  }

  /** Discards bytes; sizes references whose digest cannot be recomputed. */
  private static final class OutputStreamSink extends java.io.OutputStream {
    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }
}
