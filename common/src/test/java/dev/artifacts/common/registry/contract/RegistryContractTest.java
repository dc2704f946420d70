package dev.artifacts.common.registry.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.artifacts.common.ArtifactException;
import dev.artifacts.common.manifest.Manifest;
import dev.artifacts.common.manifest.ManifestEntry;
import dev.artifacts.common.name.ArtifactPath;
import dev.artifacts.common.registry.ArtifactDraft;
import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.CollectionInfo;
import dev.artifacts.common.registry.CommitResult;
import dev.artifacts.common.registry.GcReport;
import dev.artifacts.common.registry.RunInfo;
import dev.artifacts.common.registry.VersionQuery;
import dev.artifacts.common.registry.VersionUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ArtifactRegistry} backend must share (the idea of Iceberg's {@code
 * CatalogTests}): one concrete subclass per backend supplies the registry and says, through {@link
 * Capabilities}, what the backend cannot do; a test of a missing capability is reported as skipped
 * with the reason, never passed silently.
 *
 * <p>Each test works in its own project ({@link #project}), so a subclass may share one registry
 * root (one server, one cluster) across its tests.
 *
 * <p>Backends: the embedded registry on the local filesystem (with crash points), on a real HDFS
 * and on {@code s3a://} (S3Proxy), and the W&amp;B backend on its schema-strict fake. The test
 * package's {@code InMemoryRegistry} is not run: it implements only the reading half that {@code
 * ArtifactFilesTest} needs (every write throws), so it is a fake of a reader, not a backend.
 */
public abstract class RegistryContractTest {
  private static final AtomicInteger PROJECTS = new AtomicInteger();

  /**
   * What a backend can be asked to do beyond the common contract; each false flag makes the tests
   * that need it report as skipped with the reason.
   *
   * @param gcReclaims gc removes unreferenced bodies (false: the server owns storage)
   * @param committerProcesses the test can run committers in child JVMs on the same registry
   * @param crashInjection the backend's filesystem can be made to die at its Nth change
   * @param dedupAgainstLatestOnly only the latest version's digest dedups a commit (W&amp;B's fake
   *     dedups against any committed version; what the real server does is not verified)
   * @param aliasesOnDedup a commit that dedups to an existing version still gives it the requested
   *     aliases
   */
  protected record Capabilities(
      boolean gcReclaims,
      boolean committerProcesses,
      boolean crashInjection,
      boolean dedupAgainstLatestOnly,
      boolean aliasesOnDedup) {
    /** Everything the embedded filesystem registry does. */
    static Capabilities filesystem(boolean crashInjection) {
      return new Capabilities(true, true, crashInjection, true, true);
    }
  }

  /** A new registry instance on the backend's shared root (a fresh view of the same state). */
  protected abstract ArtifactRegistry openRegistry() throws Exception;

  protected abstract Capabilities capabilities();

  /**
   * Runs {@code workers} separate JVMs that each commit {@code count} versions to {@code
   * collection} (content unique per worker and commit) and waits for them; only called when {@link
   * Capabilities#committerProcesses}.
   */
  protected void commitFromProcesses(ArtifactPath collection, int workers, int count)
      throws Exception {
    throw new UnsupportedOperationException("no committer processes on this backend");
  }

  /** The bytes worker {@code worker} commits as its {@code i}-th version, in every process. */
  protected static String workerContent(String worker, int i) {
    return "worker " + worker + " commit " + i;
  }

  /**
   * A registry on the same root whose filesystem dies at its {@code n}th change; only called when
   * {@link Capabilities#crashInjection}.
   */
  protected CrashingRegistry crashingRegistry(int n) throws Exception {
    throw new UnsupportedOperationException("no fault injection on this backend");
  }

  /** A registry whose filesystem dies at a chosen change, and what the backend left behind. */
  protected interface CrashingRegistry {
    ArtifactRegistry registry();

    /** Changes made (the crashing one included). */
    int changes();

    boolean crashed();

    /** Hex MD5 of every stored body of {@code entity/project}. */
    Set<String> storedBodies(String entity, String project) throws IOException;

    /** Problems {@code fsck} (without repair) finds on the whole root. */
    List<String> fsckProblems();
  }

  protected ArtifactRegistry registry;
  protected String project;
  protected ArtifactPath events;

  @BeforeEach
  void openForTest() throws Exception {
    registry = openRegistry();
    project = "p" + PROJECTS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
    events = new ArtifactPath("acme", project, "events", null);
  }

  @AfterEach
  void closeAfterTest() throws IOException {
    if (registry != null) {
      registry.close();
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  protected static CommitResult commit(
      ArtifactRegistry r, ArtifactPath collection, Map<String, String> files, String... aliases)
      throws IOException {
    ArtifactDraft draft = r.newDraft(collection, "dataset");
    for (Map.Entry<String, String> f : files.entrySet()) {
      try (OutputStream out = draft.newFile(f.getKey())) {
        out.write(f.getValue().getBytes(UTF_8));
      }
    }
    return r.commit(draft.aliases(List.of(aliases)));
  }

  /** Every entry of {@code version}, read back through the registry. */
  protected static Map<String, String> contents(ArtifactRegistry r, ArtifactVersion version)
      throws IOException {
    Map<String, String> out = new TreeMap<>();
    Manifest manifest = r.manifest(version);
    for (ManifestEntry e : manifest.entries()) {
      try (InputStream in = r.open(version, e)) {
        out.put(e.path(), new String(in.readAllBytes(), UTF_8));
      }
    }
    return out;
  }

  private ArtifactPath at(ArtifactPath collection, String alias) {
    return collection.withAlias(alias);
  }

  private List<Integer> indices(ArtifactRegistry r, ArtifactPath collection) {
    return r
        .versions(collection, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC))
        .stream()
        .map(ArtifactVersion::versionIndex)
        .toList();
  }

  // ---- versions ------------------------------------------------------------------------------

  @Test
  void versionsAreNumberedFromZeroAndResolveByIndexAliasAndLatest() throws IOException {
    CommitResult first = commit(registry, events, Map.of("a.csv", "1"), "prod");
    CommitResult second = commit(registry, events, Map.of("a.csv", "2"));

    assertThat(first.created()).isTrue();
    assertThat(second.created()).isTrue();
    assertThat(first.version().versionIndex()).isZero();
    assertThat(second.version().versionIndex()).isEqualTo(1);
    assertThat(first.version().id()).isNotEqualTo(second.version().id());
    assertThat(second.version().aliases()).contains("latest");

    assertThat(registry.resolve(at(events, "v0")).id()).isEqualTo(first.version().id());
    assertThat(registry.resolve(at(events, "prod")).id()).isEqualTo(first.version().id());
    assertThat(registry.resolve(at(events, "latest")).id()).isEqualTo(second.version().id());
    assertThat(registry.resolve(events).id()).isEqualTo(second.version().id());
    assertThat(registry.resolve(at(events, "v0")).aliases())
        .contains("prod")
        .doesNotContain("latest");
    assertThat(contents(registry, registry.resolve(at(events, "v0")))).containsEntry("a.csv", "1");
    assertThat(contents(registry, registry.resolve(events))).containsEntry("a.csv", "2");
    assertThat(indices(registry, events)).containsExactly(0, 1);

    assertThat(registry.find(at(events, "v7"))).isEmpty();
    assertThat(registry.find(at(events, "nope"))).isEmpty();
    assertThat(registry.find(new ArtifactPath("acme", project, "absent", null))).isEmpty();
    assertThatThrownBy(() -> registry.resolve(at(events, "v7")))
        .isInstanceOf(ArtifactException.NotFound.class)
        .hasMessageContaining("events");
    assertThat(registry.collection(events)).map(CollectionInfo::type).contains("dataset");
  }

  @Test
  void aFreshInstanceSeesWhatAnotherCommitted() throws Exception {
    CommitResult committed = commit(registry, events, Map.of("a.csv", "1"), "prod");
    try (ArtifactRegistry other = openRegistry()) {
      ArtifactVersion seen = other.resolve(at(events, "prod"));
      assertThat(seen.id()).isEqualTo(committed.version().id());
      assertThat(seen.digest()).isEqualTo(committed.version().digest());
      assertThat(contents(other, seen)).containsEntry("a.csv", "1");
    }
  }

  @Test
  void sameContentDedupsToTheLatestVersion() throws IOException {
    CommitResult first = commit(registry, events, Map.of("a.csv", "1", "b.csv", "2"));
    CommitResult again = commit(registry, events, Map.of("b.csv", "2", "a.csv", "1"));

    assertThat(again.created()).isFalse();
    assertThat(again.version().id()).isEqualTo(first.version().id());
    assertThat(again.version().digest()).isEqualTo(first.version().digest());
    assertThat(indices(registry, events)).containsExactly(0);
  }

  @Test
  void aCommitThatDedupsStillAppliesItsAliases() throws IOException {
    assumeTrue(
        capabilities().aliasesOnDedup(),
        "this backend drops the aliases of a commit that dedups (W&B fake; see issue #11)");
    CommitResult first = commit(registry, events, Map.of("a.csv", "1"));
    CommitResult again = commit(registry, events, Map.of("a.csv", "1"), "prod");
    assertThat(again.created()).isFalse();
    assertThat(registry.resolve(at(events, "prod")).id()).isEqualTo(first.version().id());
  }

  @Test
  void dedupComparesWithTheLatestVersionOnly() throws IOException {
    assumeTrue(
        capabilities().dedupAgainstLatestOnly(),
        "this backend dedups against any committed version (W&B fake)");
    commit(registry, events, Map.of("a.csv", "1", "b.csv", "2"));
    commit(registry, events, Map.of("a.csv", "other"));
    CommitResult backToFirst = commit(registry, events, Map.of("a.csv", "1", "b.csv", "2"));
    assertThat(backToFirst.created()).isTrue();
    assertThat(backToFirst.version().versionIndex()).isEqualTo(2);
  }

  // ---- labels --------------------------------------------------------------------------------

  @Test
  void versionAliasesAndLatestCannotBeAssigned() throws IOException {
    ArtifactDraft draft = registry.newDraft(events, "dataset");
    try (OutputStream out = draft.newFile("a.csv")) {
      out.write("1".getBytes(UTF_8));
    }
    assertThatThrownBy(() -> registry.commit(draft.aliases(List.of("v3"))))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("v3");
    ArtifactVersion v0 = commit(registry, events, Map.of("a.csv", "1")).version();
    assertThat(v0.versionIndex()).isZero();
    assertThatThrownBy(() -> registry.addAlias(v0, "v2"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("v2");
    assertThatThrownBy(() -> registry.addAlias(v0, "latest"))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("latest");
    assertThatThrownBy(() -> registry.removeAlias(v0, "latest"))
        .isInstanceOf(ArtifactException.InvalidInput.class);
  }

  @Test
  void anAliasMovesToTheVersionItIsGivenTo() throws IOException {
    ArtifactVersion v0 = commit(registry, events, Map.of("a.csv", "1"), "prod").version();
    ArtifactVersion v1 = commit(registry, events, Map.of("a.csv", "2"), "prod", "new").version();

    assertThat(registry.resolve(at(events, "prod")).id()).isEqualTo(v1.id());
    assertThat(registry.resolve(at(events, "v0")).aliases()).doesNotContain("prod");
    assertThat(registry.resolve(at(events, "v1")).aliases()).contains("prod", "new", "latest");

    ArtifactVersion moved = registry.addAlias(registry.resolve(at(events, "v0")), "prod");
    assertThat(moved.aliases()).contains("prod");
    assertThat(registry.resolve(at(events, "prod")).id()).isEqualTo(v0.id());
    assertThat(registry.resolve(at(events, "v1")).aliases()).doesNotContain("prod");

    ArtifactVersion removed = registry.removeAlias(registry.resolve(at(events, "v1")), "new");
    assertThat(removed.aliases()).doesNotContain("new");
    assertThat(registry.find(at(events, "new"))).isEmpty();
    assertThatThrownBy(() -> registry.removeAlias(registry.resolve(at(events, "v1")), "prod"))
        .isInstanceOf(ArtifactException.NotFound.class);
  }

  @Test
  void tagsDescriptionAndMetadataChangeAndFilter() throws IOException {
    ArtifactDraft draft = registry.newDraft(events, "dataset");
    try (OutputStream out = draft.newFile("a.csv")) {
      out.write("1".getBytes(UTF_8));
    }
    draft.tags(List.of("nightly")).description("first").metadata(Map.of("rows", 1));
    ArtifactVersion v0 = registry.commit(draft).version();
    commit(registry, events, Map.of("a.csv", "2"));
    assertThat(v0.tags()).containsExactly("nightly");
    assertThat(v0.description()).isEqualTo("first");
    assertThat(v0.metadata()).containsEntry("rows", 1);

    ArtifactVersion updated =
        registry.update(
            v0,
            new VersionUpdate(
                "checked", Map.of("rows", 2), List.of("gold"), List.of("nightly"), null));
    assertThat(updated.tags()).containsExactly("gold");
    assertThat(updated.description()).isEqualTo("checked");
    assertThat(updated.metadata()).containsEntry("rows", 2);
    ArtifactVersion reread = registry.resolve(at(events, "v0"));
    assertThat(reread.tags()).containsExactly("gold");
    assertThat(reread.description()).isEqualTo("checked");
    assertThat(reread.digest()).isEqualTo(v0.digest());

    assertThat(registry.versions(events, VersionQuery.all().withTag("gold")))
        .extracting(ArtifactVersion::versionIndex)
        .containsExactly(0);
    assertThat(registry.versions(events, VersionQuery.all().withAlias("latest")))
        .extracting(ArtifactVersion::versionIndex)
        .containsExactly(1);
  }

  @Test
  void aMovingAliasIsAlwaysResolvable() throws Exception {
    ArtifactVersion v0 = commit(registry, events, Map.of("a.csv", "1")).version();
    ArtifactVersion v1 = commit(registry, events, Map.of("a.csv", "2"), "prod").version();
    int moves = 40;
    AtomicInteger misses = new AtomicInteger();
    AtomicInteger reads = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (ArtifactRegistry reader = openRegistry()) {
      Future<?> reading =
          pool.submit(
              () -> {
                while (!done.get()) {
                  // Absent for a moment is a miss: a replaced alias file must never be missing.
                  if (reader.find(at(events, "prod")).isEmpty()) {
                    misses.incrementAndGet();
                  }
                  reads.incrementAndGet();
                }
                return null;
              });
      try {
        for (int i = 0; i < moves; i++) {
          registry.addAlias(i % 2 == 0 ? v0 : v1, "prod");
        }
      } finally {
        done.set(true);
      }
      reading.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(reads.get()).isPositive();
    assertThat(misses.get())
        .as("reads of 'prod' that found no version, of %d", reads.get())
        .isZero();
    assertThat(registry.resolve(at(events, "prod")).id()).isEqualTo(v1.id());
  }

  // ---- deletion ------------------------------------------------------------------------------

  @Test
  void aVersionWithAliasesIsDeletedOnlyWithThem() throws IOException {
    ArtifactVersion v0 = commit(registry, events, Map.of("a.csv", "1"), "prod").version();
    ArtifactVersion v1 = commit(registry, events, Map.of("a.csv", "2")).version();

    assertThatThrownBy(() -> registry.delete(registry.resolve(at(events, "v0")), false))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("prod");
    assertThat(registry.resolve(at(events, "v0")).id()).isEqualTo(v0.id());

    registry.delete(registry.resolve(at(events, "v0")), true);
    assertThat(registry.find(at(events, "v0"))).isEmpty();
    assertThat(registry.find(at(events, "prod"))).isEmpty();
    assertThat(indices(registry, events)).containsExactly(1);
    assertThat(contents(registry, registry.resolve(events))).containsEntry("a.csv", "2");

    // latest alone does not block a delete; the index is never reused.
    registry.delete(registry.resolve(at(events, "v1")), false);
    assertThat(registry.find(events)).isEmpty();
    ArtifactVersion next = commit(registry, events, Map.of("a.csv", "3")).version();
    assertThat(next.versionIndex()).isEqualTo(2);
    assertThat(next.id()).isNotIn(v0.id(), v1.id());
  }

  @Test
  void aDeletedCollectionIsGoneAndItsNameStartsAfresh() throws IOException {
    commit(registry, events, Map.of("a.csv", "1"), "prod");
    commit(registry, events, Map.of("a.csv", "2"));
    ArtifactPath other = new ArtifactPath("acme", project, "other", null);
    ArtifactVersion kept = commit(registry, other, Map.of("b.csv", "1")).version();

    registry.deleteCollection(events);

    assertThat(registry.find(events)).isEmpty();
    assertThat(registry.find(at(events, "prod"))).isEmpty();
    assertThat(registry.collection(events)).isEmpty();
    assertThat(registry.collections("acme", project, null))
        .extracting(CollectionInfo::name)
        .containsExactly("other");
    assertThat(contents(registry, registry.resolve(other))).containsEntry("b.csv", "1");
    assertThat(registry.resolve(other).id()).isEqualTo(kept.id());

    CommitResult again = commit(registry, events, Map.of("a.csv", "9"));
    assertThat(again.created()).isTrue();
    assertThat(again.version().versionIndex()).isZero();
    // Nothing of the deleted collection carries over: no alias, no tombstone, no labels.
    assertThat(again.version().aliases()).containsExactly("latest");
    assertThat(registry.find(at(events, "prod"))).isEmpty();
    assertThat(contents(registry, registry.resolve(at(events, "v0")))).containsEntry("a.csv", "9");
  }

  // ---- links ---------------------------------------------------------------------------------

  @Test
  void aLinkIsTheSameContentInAPortfolio() throws IOException {
    ArtifactVersion source = commit(registry, events, Map.of("a.csv", "1")).version();
    ArtifactPath portfolio = new ArtifactPath("acme", project, "best-events", null);

    ArtifactVersion linked = registry.link(source, portfolio, List.of("champion"));

    assertThat(linked.versionIndex()).isZero();
    assertThat(linked.digest()).isEqualTo(source.digest());
    assertThat(linked.aliases()).contains("champion", "latest");
    ArtifactVersion resolved = registry.resolve(portfolio.withAlias("champion"));
    assertThat(resolved.digest()).isEqualTo(source.digest());
    assertThat(contents(registry, resolved)).isEqualTo(contents(registry, source));
    assertThatThrownBy(() -> registry.link(source, portfolio, List.of("v1")))
        .isInstanceOf(ArtifactException.InvalidInput.class);

    // Linking the same version again adds no version.
    ArtifactVersion relinked = registry.link(source, portfolio, List.of("again"));
    assertThat(relinked.versionIndex()).isZero();
    assertThat(indices(registry, portfolio)).containsExactly(0);
  }

  // ---- lineage -------------------------------------------------------------------------------

  @Test
  void lineageRecordsWhoLoggedAndWhoUsedAVersion() throws IOException {
    RunInfo writer = RunInfo.of("writer-" + project, "writer", "spark");
    RunInfo reader = RunInfo.of("reader-" + project, "reader", "flink");
    ArtifactDraft draft = registry.newDraft(events, "dataset");
    try (OutputStream out = draft.newFile("a.csv")) {
      out.write("1".getBytes(UTF_8));
    }
    ArtifactVersion v0 = registry.commit(draft.run(writer)).version();

    registry.recordUse(reader, v0);
    registry.recordUse(reader, v0); // idempotent

    assertThat(registry.loggedBy(v0)).map(RunInfo::id).contains(writer.id());
    assertThat(registry.usedBy(v0)).extracting(RunInfo::id).containsExactly(reader.id());
    assertThat(registry.outputsOf("acme", project, writer.id()))
        .extracting(ArtifactVersion::id)
        .containsExactly(v0.id());
    assertThat(registry.inputsOf("acme", project, reader.id()))
        .extracting(ArtifactVersion::id)
        .containsExactly(v0.id());
    assertThat(registry.inputsOf("acme", project, writer.id())).isEmpty();
  }

  // ---- gc ------------------------------------------------------------------------------------

  @Test
  void gcReclaimsBodiesOfDeletedVersionsAndKeepsLiveOnes() throws IOException {
    ArtifactVersion v0 = commit(registry, events, Map.of("gone.csv", "only in v0")).version();
    commit(registry, events, Map.of("kept.csv", "in v1"));
    registry.delete(v0, false);

    GcReport report = registry.gc(Duration.ZERO, false, true);

    if (capabilities().gcReclaims()) {
      assertThat(report.objectsRemoved()).isGreaterThanOrEqualTo(1);
    } else {
      // The server owns storage: gc must not claim to have removed anything.
      assertThat(report.objectsRemoved()).isZero();
    }
    assertThat(contents(registry, registry.resolve(events))).containsEntry("kept.csv", "in v1");
  }

  @Test
  void gcRefusesAShortGraceUnlessForced() {
    assumeTrue(capabilities().gcReclaims(), "the backend's server owns storage; gc is a no-op");
    assertThatThrownBy(() -> registry.gc(Duration.ZERO, false))
        .isInstanceOf(ArtifactException.InvalidInput.class)
        .hasMessageContaining("grace");
  }

  // ---- concurrent committers -----------------------------------------------------------------

  @Test
  void concurrentThreadsEachGetTheirOwnVersion() throws Exception {
    int threads = 4;
    int perThread = 3;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<Integer>>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        String worker = "t" + t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  List<Integer> mine = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    CommitResult r =
                        commit(registry, events, Map.of("part", workerContent(worker, i)));
                    assertThat(r.created()).isTrue();
                    mine.add(r.version().versionIndex());
                  }
                  return mine;
                }));
      }
      start.countDown();
      Set<Integer> all = new TreeSet<>();
      for (Future<List<Integer>> f : futures) {
        all.addAll(f.get(120, TimeUnit.SECONDS));
      }
      assertThat(all).hasSize(threads * perThread);
    } finally {
      pool.shutdownNow();
    }
    assertContiguousVersionsOfWorkers(events, threads * perThread);
  }

  @Test
  void concurrentProcessesEachGetTheirOwnVersion() throws Exception {
    assumeTrue(
        capabilities().committerProcesses(),
        "this backend's registry cannot be shared with child processes in the test");
    int workers = 3;
    int count = 3;
    commitFromProcesses(events, workers, count);
    assertContiguousVersionsOfWorkers(events, workers * count);
  }

  /** v0..v(n-1), each readable and each holding a different worker commit. */
  private void assertContiguousVersionsOfWorkers(ArtifactPath collection, int n)
      throws IOException {
    try (ArtifactRegistry fresh = openRegistry()) {
      List<ArtifactVersion> versions =
          fresh.versions(collection, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
      assertThat(versions)
          .extracting(ArtifactVersion::versionIndex)
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, n).boxed().toList());
      Set<String> seen = new TreeSet<>();
      for (ArtifactVersion v : versions) {
        Map<String, String> files = contents(fresh, v);
        assertThat(files).hasSize(1);
        assertThat(seen.add(files.values().iterator().next())).as("unique content").isTrue();
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- crash consistency ---------------------------------------------------------------------

  /** A step a crash test repeats with the filesystem dying at each of its changes. */
  @FunctionalInterface
  protected interface Step {
    void run(ArtifactRegistry r) throws Exception;
  }

  /**
   * Runs {@code step} once without crashing to count its changes N, then for each n in 1..N on a
   * fresh collection: set up, run the step dying at change n, and hand the survivor state to {@code
   * check}.
   */
  private void atEveryCrashPoint(Step setUp, Step step, CrashCheck check) throws Exception {
    assumeTrue(capabilities().crashInjection(), "this backend has no fault-injecting filesystem");
    int total;
    {
      setUp.run(registry);
      CrashingRegistry counting = crashingRegistry(Integer.MAX_VALUE);
      step.run(counting.registry());
      total = counting.changes();
      assertThat(counting.crashed()).isFalse();
      counting.registry().close();
    }
    assertThat(total).as("changes of the step").isGreaterThan(0);
    String base = project;
    for (int n = 1; n <= total; n++) {
      String name = base + "-crash" + n;
      project = name;
      events = new ArtifactPath("acme", name, "events", null);
      setUp.run(registry);
      CrashingRegistry crashing = crashingRegistry(n);
      Throwable thrown = null;
      try {
        step.run(crashing.registry());
      } catch (Throwable t) {
        thrown = t;
      }
      assertThat(crashing.crashed()).as("crashed at change %d of %d", n, total).isTrue();
      assertThat(thrown).as("the step died at change %d", n).isNotNull();
      try (ArtifactRegistry reopened = openRegistry()) {
        check.afterCrash(reopened, n, crashing);
      }
    }
  }

  @FunctionalInterface
  private interface CrashCheck {
    void afterCrash(ArtifactRegistry reopened, int n, CrashingRegistry crashing) throws Exception;
  }

  /** Bodies referenced by the live versions of every collection of the test's project. */
  private Set<String> liveBodies(ArtifactRegistry r) {
    Set<String> out = new TreeSet<>();
    for (CollectionInfo c : r.collections("acme", project, null)) {
      ArtifactPath path = new ArtifactPath("acme", project, c.name(), null);
      for (ArtifactVersion v : r.versions(path, VersionQuery.all())) {
        if (v.isLink()) {
          continue;
        }
        for (ManifestEntry e : r.manifest(v).entries()) {
          if (!e.isReference()) {
            out.add(dev.artifacts.common.digest.Digests.base64ToHex(e.digest()));
          }
        }
      }
    }
    return out;
  }

  /** gc (forced, no grace) leaves exactly the live bodies, readable, and fsck finds nothing. */
  private void assertGcReclaimsLeftovers(ArtifactRegistry r, CrashingRegistry crashing, int n)
      throws IOException {
    Map<String, Map<String, String>> before = new LinkedHashMap<>();
    for (ArtifactVersion v : r.versions(events, VersionQuery.all())) {
      before.put(v.version(), contents(r, v));
    }
    r.gc(Duration.ZERO, false, true);
    assertThat(crashing.storedBodies("acme", project))
        .as("stored bodies after gc, crash at change %d", n)
        .isEqualTo(liveBodies(r));
    for (ArtifactVersion v : r.versions(events, VersionQuery.all())) {
      assertThat(contents(r, v)).as("%s after gc", v).isEqualTo(before.get(v.version()));
    }
    assertThat(crashing.fsckProblems()).as("fsck after crash %d and gc", n).isEmpty();
  }

  @Test
  void aCommitKilledAtAnyChangeLeavesNoPartialVersion() throws Exception {
    Map<String, String> next = Map.of("a.csv", "2", "b.csv", "new body");
    atEveryCrashPoint(
        r -> commit(r, events, Map.of("a.csv", "1"), "prod"),
        r -> commit(r, events, next, "prod", "fresh"),
        (r, n, crashing) -> {
          List<ArtifactVersion> versions =
              r.versions(events, VersionQuery.all().withOrder(VersionQuery.Order.VERSION_ASC));
          assertThat(versions.size()).as("versions after crash %d", n).isBetween(1, 2);
          ArtifactVersion v0 = versions.get(0);
          assertThat(contents(r, v0)).containsEntry("a.csv", "1");
          if (versions.size() == 2) {
            // Visible means complete: content and the aliases it was committed with.
            ArtifactVersion v1 = versions.get(1);
            assertThat(contents(r, v1)).as("v1 after crash %d", n).isEqualTo(next);
            assertThat(v1.aliases()).as("v1 aliases after crash %d", n).contains("prod", "fresh");
            assertThat(r.resolve(at(events, "prod")).versionIndex()).isEqualTo(1);
          } else {
            assertThat(r.resolve(at(events, "prod")).versionIndex()).isZero();
            assertThat(r.find(at(events, "fresh"))).isEmpty();
          }
          // The re-run succeeds, creating v1 or finding it.
          CommitResult rerun = commit(r, events, next, "prod", "fresh");
          assertThat(rerun.version().versionIndex()).isEqualTo(1);
          assertThat(rerun.version().aliases()).contains("prod", "fresh", "latest");
          assertThat(r.resolve(at(events, "prod")).versionIndex()).isEqualTo(1);
          assertGcReclaimsLeftovers(r, crashing, n);
        });
  }

  @Test
  void aVersionDeleteKilledAtAnyChangeIsAllOrNothing() throws Exception {
    atEveryCrashPoint(
        r -> {
          commit(r, events, Map.of("a.csv", "1"), "prod", "old");
          commit(r, events, Map.of("a.csv", "2"));
        },
        r -> r.delete(r.resolve(at(events, "v0")), true),
        (r, n, crashing) -> {
          var v0 = r.find(at(events, "v0"));
          if (v0.isPresent()) {
            assertThat(v0.get().aliases()).contains("prod", "old");
            assertThat(contents(r, v0.get())).containsEntry("a.csv", "1");
            r.delete(v0.get(), true);
          }
          assertThat(r.find(at(events, "v0"))).isEmpty();
          assertThat(r.find(at(events, "prod"))).isEmpty();
          assertThat(r.find(at(events, "old"))).isEmpty();
          assertThat(contents(r, r.resolve(events))).containsEntry("a.csv", "2");
          assertGcReclaimsLeftovers(r, crashing, n);
        });
  }

  @Test
  void anAliasMoveKilledAtAnyChangeLeavesTheAliasOnOneVersion() throws Exception {
    atEveryCrashPoint(
        r -> {
          commit(r, events, Map.of("a.csv", "1"));
          commit(r, events, Map.of("a.csv", "2"), "prod");
        },
        r -> r.addAlias(r.resolve(at(events, "v0")), "prod"),
        (r, n, crashing) -> {
          int on = r.resolve(at(events, "prod")).versionIndex();
          assertThat(on).as("prod after crash %d", n).isIn(0, 1);
          ArtifactVersion moved = r.addAlias(r.resolve(at(events, "v0")), "prod");
          assertThat(moved.aliases()).contains("prod");
          assertThat(r.resolve(at(events, "v1")).aliases()).doesNotContain("prod");
          assertGcReclaimsLeftovers(r, crashing, n);
        });
  }

  @Test
  void aCollectionDeleteKilledAtAnyChangeIsAllOrNothing() throws Exception {
    ArtifactPath[] other = new ArtifactPath[1];
    atEveryCrashPoint(
        r -> {
          commit(r, events, Map.of("a.csv", "1"), "prod");
          commit(r, events, Map.of("a.csv", "2", "b.csv", "3"));
          r.update(
              r.resolve(at(events, "v1")),
              new VersionUpdate("labelled", null, List.of("gold"), null, null));
          other[0] = new ArtifactPath("acme", project, "other", null);
          commit(r, other[0], Map.of("c.csv", "kept"));
        },
        r -> r.deleteCollection(events),
        (r, n, crashing) -> {
          boolean present = r.find(events).isPresent();
          if (present) {
            // All of it: both versions with their files, aliases and labels.
            assertThat(indices(r, events)).as("versions after crash %d", n).containsExactly(0, 1);
            assertThat(contents(r, r.resolve(at(events, "prod")))).containsEntry("a.csv", "1");
            ArtifactVersion v1 = r.resolve(at(events, "v1"));
            assertThat(contents(r, v1)).containsEntry("b.csv", "3");
            assertThat(v1.tags()).containsExactly("gold");
          } else {
            // None of it: no version, no alias, no collection listed.
            assertThat(r.find(at(events, "v0"))).as("v0 after crash %d", n).isEmpty();
            assertThat(r.find(at(events, "v1"))).isEmpty();
            assertThat(r.find(at(events, "prod"))).isEmpty();
            assertThat(r.collection(events)).as("collection after crash %d", n).isEmpty();
            assertThat(r.collections("acme", project, null))
                .extracting(CollectionInfo::name)
                .containsExactly("other");
          }
          // The re-run succeeds (or finds nothing left to delete).
          if (present) {
            r.deleteCollection(events);
          } else {
            try {
              r.deleteCollection(events);
            } catch (ArtifactException.NotFound e) {
              assertThat(e.getMessage()).contains("events");
            }
          }
          assertThat(r.find(events)).isEmpty();
          assertThat(contents(r, r.resolve(other[0]))).containsEntry("c.csv", "kept");
          // The name starts afresh: nothing of the old collection shows through.
          ArtifactVersion again = commit(r, events, Map.of("a.csv", "new")).version();
          assertThat(again.versionIndex()).isZero();
          assertThat(again.aliases()).containsExactly("latest");
          assertThat(again.tags()).isEmpty();
          assertThat(r.find(at(events, "prod"))).isEmpty();
          assertGcReclaimsLeftovers(r, crashing, n);
        });
  }
}
