package dev.artifacts.common.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.artifacts.common.digest.ArtifactDigester;
import dev.artifacts.common.digest.Digests;
import dev.artifacts.common.reference.ArtifactIds;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQLError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;

/**
 * A W&amp;B-like server for tests, on 127.0.0.1 only: a GraphQL endpoint ({@code /graphql}) with a
 * stateful implementation of the operations the W&amp;B backend sends (WANDB-FORMAT.md §7), and a
 * second server playing presigned object storage that <b>rejects any request carrying {@code
 * Authorization}</b> (and records it as a violation).
 *
 * <p><b>Strict like a spec-compliant GraphQL server:</b> every request is executed with
 * graphql-java against the schema derived from W&amp;B's SDK ({@link WandbSchema}): invalid
 * documents and variables that do not coerce (unknown input fields, wrong types, missing non-null
 * values) are answered 400 and recorded in {@link #schemaViolations}; answers hold only the
 * selected fields.
 *
 * <p>Semantics modelled: runs ({@code UpsertBucket}); {@code createArtifact} with digest
 * deduplication against committed versions of the collection ({@code COMMITTED} answer); {@code
 * createArtifactFiles} answering {@code uploadUrl: null} for bytes already stored, with the {@code
 * birthArtifactID} of the first upload; uploads checked against {@code Content-MD5} and a signature
 * header that must be sent exactly as given; multipart uploads (parts checked by {@code
 * Content-MD5}, ETags checked at completion); manifest upload checked against the second {@code
 * createArtifactManifest} digest; {@code commitArtifact} refusing a version whose manifest or files
 * were not uploaded, assigning the next version index and moving aliases ({@code latest} too);
 * memberships by alias or {@code vN}; Relay pagination; aliases, updates, deletes, links and
 * lineage. Version indices are assigned at commit so failed commits leave no gaps (the real
 * server's rule is not visible in client code).
 *
 * <p>Failure injection: {@link #failNext} (any GraphQL operation: status, {@code Retry-After},
 * GraphQL errors), {@link #loseAnswerOf} (served, then answered with a failure), {@link
 * #failStorage} (next storage PUT or GET), {@link #dropNextUpload} and {@link #dropNextDownload}
 * (connection closed after the request / halfway through the body).
 */
public final class FakeWandbServer implements AutoCloseable {
  public static final String API_KEY = "test-api-key";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MockWebServer api = new MockWebServer();
  private final MockWebServer storage = new MockWebServer();
  private final Object lock = new Object();

  /** Every GraphQL operation name received, in order. */
  public final List<String> operations = new CopyOnWriteArrayList<>();

  /** Variables of every GraphQL call, in order (same indices as {@link #operations}). */
  public final List<JsonNode> variables = new CopyOnWriteArrayList<>();

  /** Storage requests as {@code METHOD path}. */
  public final List<String> storageRequests = new CopyOnWriteArrayList<>();

  /**
   * GraphQL operations ({@code gql <operation>}) and storage requests ({@code METHOD path}) in the
   * order they arrived: shows which side of a write uploaded what, e.g. that every data upload came
   * before the committing side's final {@code CreateArtifact}.
   */
  public final List<String> events = new CopyOnWriteArrayList<>();

  /** Storage requests that carried an Authorization header: must stay empty. */
  public final List<String> authViolations = new CopyOnWriteArrayList<>();

  /**
   * Requests refused because the document does not validate against the SDK-derived schema or the
   * variables do not coerce to their declared types: must stay empty.
   */
  public final List<String> schemaViolations = new CopyOnWriteArrayList<>();

  /**
   * How the server applies PATCH manifests at commit. False (the model the client assumes, see the
   * README's W&amp;B section): the version's manifest is the union of the PATCH manifests uploaded
   * for it. True: the patches are applied over the {@code baseArtifactID}'s manifest, so entries a
   * writer left out survive; the client must then report the digest difference.
   */
  public volatile boolean patchesApplyOverBase;

  /**
   * The team's default TTL in seconds (null: none). A version created without {@code
   * ttlDurationSeconds} or with -1 inherits it ({@code ttlIsInherited}).
   */
  public volatile Long teamTtlSeconds;

  /** GraphQL requests seen with a wrong or missing key. */
  public final AtomicInteger unauthorized = new AtomicInteger();

  private final Map<String, Deque<MockResponse>> apiFaults = new ConcurrentHashMap<>();
  private final Map<String, Deque<MockResponse>> lostAnswers = new ConcurrentHashMap<>();
  private final Map<String, Deque<MockResponse>> storageFaults = new ConcurrentHashMap<>();
  private final Set<String> forbidden = ConcurrentHashMap.newKeySet();

  // ---- state -----------------------------------------------------------------------------------
  private final Map<String, Coll> colls = new LinkedHashMap<>();
  private final Map<String, Art> arts = new LinkedHashMap<>();
  private final Map<String, byte[]> blobs = new HashMap<>();
  private final Map<String, String> births = new HashMap<>();
  private final Map<String, RunRec> runs = new LinkedHashMap<>();
  private final Map<String, Multi> multiparts = new HashMap<>();
  private int nextId = 100;
  private long clock = 1_700_000_000L;

  private static final class Coll {
    String id;
    String entity;
    String project;
    String name;
    String type;
    boolean portfolio;
    int nextIndex;
    String description;
    String createdAt;
    final List<String> tags = new ArrayList<>();
    final List<Member> members = new ArrayList<>();
  }

  private static final class Member {
    Art art;
    int index;
    final Set<String> aliases = new LinkedHashSet<>();
  }

  private static final class Art {
    String id;
    String distributedId;
    Coll seq;
    int versionIndex = -1;
    String state = "PENDING";
    String digest;
    String type;
    String description;
    String metadata;
    Long ttl;
    boolean ttlInherited;
    final List<String> tags = new ArrayList<>();
    final List<String> pendingAliases = new ArrayList<>();
    String createdAt;
    String updatedAt;
    RunRec run;
    byte[] manifest;
    final List<String> manifestDigests = new ArrayList<>();

    /** Manifest records by file name ({@code wandb_manifest.json}, {@code ...patch.json}). */
    final Map<String, ManifestRec> manifestRecs = new LinkedHashMap<>();

    /** Uploaded PATCH manifests, in upload order. */
    final List<byte[]> patches = new ArrayList<>();

    final Set<RunRec> usedBy = new LinkedHashSet<>();
  }

  private static final class RunRec {
    String entity;
    String project;
    String name;
    String displayName;
    String jobType;
    String state;
    final List<Art> inputs = new ArrayList<>();
    final List<Art> outputs = new ArrayList<>();
  }

  private static final class ManifestRec {
    String id;
    String name;
    String type;
    String digest;
    String baseArtifactId;
    Art art;
  }

  private static final class Multi {
    String md5;
    String artifactId;
    final Map<Integer, String> hexMd5 = new TreeMap<>();
    final Map<Integer, byte[]> parts = new TreeMap<>();
    final Map<Integer, String> etags = new TreeMap<>();
  }

  public FakeWandbServer() throws IOException {
    api.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return onApi(request);
          }
        });
    storage.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return onStorage(request);
          }
        });
    api.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
    storage.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
  }

  /** The W&amp;B base URL ({@code http://127.0.0.1:PORT}). */
  public String baseUrl() {
    return "http://127.0.0.1:" + api.getPort();
  }

  /** The storage server's base URL (presigned URLs point here). */
  public String storageUrl() {
    return "http://127.0.0.1:" + storage.getPort();
  }

  /** Environment for a client of this server, with its cache under {@code cacheDir}. */
  public Map<String, String> env(java.nio.file.Path cacheDir) {
    Map<String, String> env = new HashMap<>();
    env.put("WANDB_API_KEY", API_KEY);
    env.put("WANDB_CACHE_DIR", cacheDir.toString());
    env.put("WANDB_ENTITY", "acme");
    env.put("WANDB_PROJECT", "etl");
    return env;
  }

  // ---- failure injection -----------------------------------------------------------------------

  /** The next call of {@code operation} gets {@code response} instead of being served. */
  public void failNext(String operation, MockResponse response) {
    apiFaults.computeIfAbsent(operation, k -> new ArrayDeque<>()).add(response);
  }

  /**
   * The next call of {@code operation} is served (its effect happens) but the client gets {@code
   * response} instead of the answer, as when a proxy times out after the server acted.
   */
  public void loseAnswerOf(String operation, MockResponse response) {
    lostAnswers.computeIfAbsent(operation, k -> new ArrayDeque<>()).add(response);
  }

  /** A GraphQL answer with HTTP 200 and one error. */
  public static MockResponse graphqlError(String message) {
    return json(200, "{\"errors\":[{\"message\":" + quote(message) + "}],\"data\":null}");
  }

  /** The next storage request with this method ({@code PUT} or {@code GET}) gets {@code r}. */
  public void failStorage(String method, MockResponse r) {
    storageFaults.computeIfAbsent(method, k -> new ArrayDeque<>()).add(r);
  }

  /** Closes the connection of the next storage PUT after its body, before any response. */
  public void dropNextUpload() {
    failStorage("PUT", new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
  }

  /** The next storage GET sends half its body, then the connection drops. */
  public void dropNextDownload() {
    storageFaults.computeIfAbsent("GET-HALF", k -> new ArrayDeque<>()).add(new MockResponse());
  }

  /** File listings answer {@code directUrl: null}, so clients must use the fallback URL. */
  public volatile boolean omitDirectUrls;

  /** Calls concerning {@code entity/project} get HTTP 403. */
  public void forbid(String entityProject) {
    forbidden.add(entityProject);
  }

  // ---- inspection ------------------------------------------------------------------------------

  public int count(String operation) {
    return (int) operations.stream().filter(operation::equals).count();
  }

  public long storageCount(String prefix) {
    return storageRequests.stream().filter(r -> r.startsWith(prefix)).count();
  }

  /** States of all artifacts of a collection, in creation order. */
  public List<String> states(String entity, String project, String name) {
    synchronized (lock) {
      List<String> out = new ArrayList<>();
      for (Art a : arts.values()) {
        if (a.seq.entity.equals(entity)
            && a.seq.project.equals(project)
            && a.seq.name.equals(name)) {
          out.add(a.state);
        }
      }
      return out;
    }
  }

  /** The uploaded manifest of a committed version, or null. */
  public byte[] manifestOf(String artifactId) {
    synchronized (lock) {
      Art a = arts.get(artifactId);
      return a == null ? null : a.manifest;
    }
  }

  public boolean hasBlob(String md5Base64) {
    synchronized (lock) {
      return blobs.containsKey(md5Base64);
    }
  }

  @Override
  public void close() throws IOException {
    api.shutdown();
    storage.shutdown();
  }

  // ---- GraphQL ---------------------------------------------------------------------------------

  private MockResponse onApi(RecordedRequest request) {
    if ("GET".equals(request.getMethod())
        && request.getRequestUrl().encodedPath().startsWith("/artifactsV2/")) {
      return fallbackDownload(request);
    }
    if (!"POST".equals(request.getMethod()) || !request.getPath().endsWith("/graphql")) {
      return json(404, "{\"errors\":[{\"message\":\"not found\"}]}");
    }
    JsonNode body;
    try {
      body = JSON.readTree(request.getBody().readUtf8());
    } catch (IOException e) {
      return json(400, "{\"errors\":[{\"message\":\"bad json\"}]}");
    }
    String op = body.path("operationName").asText();
    JsonNode vars = body.path("variables");
    operations.add(op);
    variables.add(vars);
    events.add("gql " + op);
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("api:" + API_KEY).getBytes(StandardCharsets.UTF_8));
    if (!expected.equals(request.getHeader("Authorization"))) {
      unauthorized.incrementAndGet();
      return json(401, "{\"errors\":[{\"message\":\"user is not logged in\"}]}");
    }
    Deque<MockResponse> faults = apiFaults.get(op);
    if (faults != null) {
      MockResponse f = faults.poll();
      if (f != null) {
        return f;
      }
    }
    String scope = scopeOf(vars);
    if (scope != null && forbidden.contains(scope)) {
      return json(403, "{\"errors\":[{\"message\":\"permission denied\"}]}");
    }
    MockResponse answer;
    synchronized (lock) {
      try {
        answer = execute(body, op, vars);
      } catch (IOException e) {
        return json(500, "{\"errors\":[{\"message\":" + quote(e.toString()) + "}]}");
      }
    }
    Deque<MockResponse> lost = lostAnswers.get(op);
    MockResponse instead = lost == null ? null : lost.poll();
    return instead != null ? instead : answer;
  }

  /**
   * Runs one request the way a spec-compliant GraphQL server does, with graphql-java against the
   * SDK-derived schema ({@link WandbSchema}): the document is parsed and validated, the variables
   * are coerced to their declared types (unknown input fields, wrong types and missing non-null
   * values are refused), and the answer holds exactly the selected fields. Only then does the
   * fake's state change: mutations are served from their coerced {@code input} argument, queries
   * from the request's variables. A document or variable error is answered with HTTP 400 and
   * recorded in {@link #schemaViolations}.
   */
  private MockResponse execute(JsonNode body, String op, JsonNode vars) throws IOException {
    if (!body.path("query").isTextual()) {
      schemaViolations.add(op + ": no query text");
      return json(400, "{\"errors\":[{\"message\":\"no query\"}]}");
    }
    Map<String, Object> variables =
        vars.isObject()
            ? JSON.convertValue(vars, new com.fasterxml.jackson.core.type.TypeReference<>() {})
            : Map.of();
    Request request = new Request(op, vars);
    ExecutionResult result =
        WandbSchema.GRAPHQL.execute(
            ExecutionInput.newExecutionInput()
                .query(body.path("query").asText())
                .operationName(op)
                .variables(variables)
                .root(request)
                .build());
    List<GraphQLError> errors = result.getErrors();
    boolean requestError = !errors.isEmpty() && !request.served && result.getData() == null;
    if (requestError) {
      schemaViolations.add(op + ": " + errors);
      ObjectNode root = JSON.createObjectNode();
      root.set("errors", JSON.valueToTree(result.toSpecification().get("errors")));
      return json(400, JSON.writeValueAsString(root));
    }
    return json(200, JSON.writeValueAsString(result.toSpecification()));
  }

  /** One request on its way through graphql-java: the root object of the execution. */
  final class Request {
    final String operation;
    final JsonNode variables;
    boolean served;

    Request(String operation, JsonNode variables) {
      this.operation = operation;
      this.variables = variables;
    }

    /** A root field of a query: served from the request's variables by operation name. */
    Object query(String field) throws IOException {
      served = true;
      Object data = handle(operation, variables);
      return data instanceof Map<?, ?> m ? m.get(field) : null;
    }

    /** A root field of a mutation: served from its coerced arguments. */
    Object mutation(String field, Map<String, Object> arguments) throws IOException {
      served = true;
      JsonNode in = JSON.valueToTree(arguments.get("input"));
      Object data = mutate(field, in == null ? JSON.createObjectNode() : in);
      return data instanceof Map<?, ?> m ? m.get(field) : null;
    }
  }

  private static String scopeOf(JsonNode vars) {
    JsonNode in = vars.has("input") ? vars.get("input") : vars;
    String e = in.has("entityName") ? in.get("entityName").asText() : vars.path("entity").asText();
    String p =
        in.has("projectName") ? in.get("projectName").asText() : vars.path("project").asText();
    return e.isEmpty() || p.isEmpty() ? null : e + "/" + p;
  }

  private static final class GqlError extends RuntimeException {
    GqlError(String m) {
      super(m);
    }
  }

  /** Mutations by root field, from the coerced {@code input} argument. */
  private Object mutate(String field, JsonNode in) throws IOException {
    return switch (field) {
      case "upsertBucket" -> upsertBucket(in);
      case "createArtifact" -> createArtifact(in);
      case "createArtifactManifest" -> createManifest(in);
      case "updateArtifactManifest" -> updateManifest(in);
      case "createArtifactFiles" -> createFiles(in);
      case "completeMultipartUploadArtifact" -> completeMultipart(in);
      case "commitArtifact" -> commit(in.path("artifactID").asText());
      case "addAliases" -> aliases(in, true);
      case "deleteAliases" -> aliases(in, false);
      case "updateArtifact" -> update(in);
      case "deleteArtifact" -> deleteArtifact(in);
      case "deleteArtifactSequence" -> deleteCollection(in.path("artifactSequenceID").asText());
      case "deleteArtifactPortfolio" -> deleteCollection(in.path("artifactPortfolioID").asText());
      case "linkArtifact" -> link(in);
      case "unlinkArtifact" -> unlink(in);
      case "useArtifact" -> use(in);
      case "updateArtifactSequence" -> updateCollection(in, false, "updateArtifactSequence");
      case "updateArtifactPortfolio" -> updateCollection(in, true, "updateArtifactPortfolio");
      case "moveArtifactSequence" -> moveCollection(in);
      case "createArtifactCollectionTagAssignments" -> collectionTags(in, true);
      case "deleteArtifactCollectionTagAssignments" -> collectionTags(in, false);
      default -> throw new GqlError("Cannot serve mutation " + field);
    };
  }

  /** Queries by operation name, from the request's variables. */
  private Object handle(String op, JsonNode v) throws IOException {
    return switch (op) {
      case "ArtifactMembershipByName" -> membershipByName(v);
      case "ArtifactManifest" -> Map.of("artifact", manifestOf(art(v.path("id").asText())));
      case "ArtifactFileURLs" -> fileUrls(v);
      case "ArtifactFileURLsByManifestEntries" -> filesByManifestEntries(v);
      case "ArtifactCollection" -> collection(v);
      case "ArtifactTypeArtifactCollections" -> typeCollections(v);
      case "ProjectArtifactTypes" -> projectTypes(v);
      case "ArtifactVersions" -> versions(v);
      case "ArtifactUsedBy" -> usedBy(v);
      case "ArtifactCreatedBy" -> createdBy(v);
      case "RunInputArtifacts" -> runArtifacts(v, true);
      case "RunOutputArtifacts" -> runArtifacts(v, false);
      case "FetchOrgInfoFromEntity" -> orgEntity(v);
      default -> throw new GqlError("Cannot query unknown operation " + op);
    };
  }

  private String now() {
    return Instant.ofEpochSecond(clock++).toString().replace("Z", "");
  }

  private Object upsertBucket(JsonNode v) {
    String key =
        v.path("entityName").asText()
            + "/"
            + v.path("modelName").asText()
            + "/"
            + v.path("name").asText();
    RunRec existing = runs.get(key);
    if (existing != null) {
      // An upsert of a known run: only its state may change here.
      if (v.hasNonNull("state")) {
        existing.state = v.get("state").asText();
      }
      return Map.of("upsertBucket", Map.of("bucket", bucket(existing), "inserted", false));
    }
    RunRec r = new RunRec();
    r.entity = v.path("entityName").asText();
    r.project = v.path("modelName").asText();
    r.name = v.path("name").asText();
    if (!r.name.matches("[a-z0-9]{8}")) {
      throw new GqlError("invalid run name " + r.name);
    }
    r.displayName = v.path("displayName").asText(null);
    r.jobType = v.path("jobType").asText(null);
    r.state = v.path("state").asText("running");
    runs.put(key, r);
    return Map.of("upsertBucket", Map.of("bucket", bucket(r), "inserted", true));
  }

  private static Map<String, Object> bucket(RunRec r) {
    Map<String, Object> b = runNode(r);
    b.put("id", "Run:" + r.name);
    b.put(
        "project",
        Map.of(
            "id",
            "Project:" + r.project,
            "name",
            r.project,
            "entity",
            Map.of("id", "Entity:" + r.entity, "name", r.entity)));
    return b;
  }

  /** The state W&amp;B would show for a run created through {@code UpsertBucket}. */
  public String runState(String entity, String project, String runName) {
    synchronized (lock) {
      RunRec r = runs.get(entity + "/" + project + "/" + runName);
      return r == null ? null : r.state;
    }
  }

  /** Names of the runs created in {@code entity/project}, in creation order. */
  public List<String> runNames(String entity, String project) {
    synchronized (lock) {
      List<String> out = new ArrayList<>();
      for (RunRec r : runs.values()) {
        if (r.entity.equals(entity) && r.project.equals(project)) {
          out.add(r.name);
        }
      }
      return out;
    }
  }

  private Coll coll(String entity, String project, String name) {
    return colls.get(entity + "/" + project + "/" + name);
  }

  private Art art(String id) {
    Art a = arts.get(id);
    if (a == null) {
      throw new GqlError("artifact " + id + " not found");
    }
    return a;
  }

  private Object createArtifact(JsonNode in) {
    String entity = in.path("entityName").asText();
    String project = in.path("projectName").asText();
    String name = in.path("artifactCollectionName").asText();
    String type = in.path("artifactTypeName").asText();
    if (!"MANIFEST_MD5".equals(in.path("digestAlgorithm").asText())) {
      throw new GqlError("unsupported digestAlgorithm");
    }
    if (in.path("clientID").asText().length() != 128
        || in.path("sequenceClientID").asText().length() != 128) {
      throw new GqlError("clientID and sequenceClientID must be 128 characters");
    }
    RunRec run = runs.get(entity + "/" + project + "/" + in.path("runName").asText());
    if (run == null) {
      throw new GqlError("run " + in.path("runName").asText() + " not found");
    }
    Coll c = coll(entity, project, name);
    if (c == null) {
      c = new Coll();
      c.id = "ArtifactSequence:" + (nextId++);
      c.entity = entity;
      c.project = project;
      c.name = name;
      c.type = type;
      c.createdAt = now();
      colls.put(entity + "/" + project + "/" + name, c);
    } else if (!c.type.equals(type)) {
      throw new GqlError("artifact collection " + name + " has type " + c.type + ", not " + type);
    }
    String digest = in.path("digest").asText();
    if (in.path("enableDigestDeduplication").asBoolean(false)) {
      for (int i = c.members.size() - 1; i >= 0; i--) {
        Member m = c.members.get(i);
        if (m.art.state.equals("COMMITTED") && m.art.digest.equals(digest)) {
          return Map.of("createArtifact", Map.of("artifact", created(m.art, c)));
        }
      }
    }
    // Distributed writers: every createArtifact with the same distributedID upserts one pending
    // artifact; the last call's digest and labels win (modelled on wandb's distributed-writer
    // flow, where each writer and the finishing call send their own digest).
    String distributedId = in.path("distributedID").asText("");
    Art a = null;
    if (!distributedId.isEmpty()) {
      for (Art existing : arts.values()) {
        if (existing.seq == c
            && distributedId.equals(existing.distributedId)
            && existing.state.equals("PENDING")) {
          a = existing;
        }
      }
    }
    if (a != null) {
      a.digest = digest;
      a.description = in.path("description").asText(null);
      a.metadata = in.path("metadata").asText(null);
      setTtl(a, in);
      Art upserted = a;
      a.tags.clear();
      in.path("tags").forEach(t -> upserted.tags.add(t.path("tagName").asText()));
      a.pendingAliases.clear();
      in.path("aliases").forEach(al -> upserted.pendingAliases.add(al.path("alias").asText()));
      a.run = run;
      a.updatedAt = now();
      return Map.of("createArtifact", Map.of("artifact", created(a, c)));
    }
    a = new Art();
    a.distributedId = distributedId.isEmpty() ? null : distributedId;
    a.id =
        Base64.getEncoder()
            .encodeToString(("Artifact:" + (nextId++)).getBytes(StandardCharsets.UTF_8));
    a.seq = c;
    a.digest = digest;
    a.type = type;
    a.description = in.path("description").asText(null);
    a.metadata = in.path("metadata").asText(null);
    setTtl(a, in);
    Art fresh = a;
    in.path("tags").forEach(t -> fresh.tags.add(t.path("tagName").asText()));
    in.path("aliases").forEach(al -> fresh.pendingAliases.add(al.path("alias").asText()));
    a.createdAt = now();
    a.updatedAt = a.createdAt;
    a.run = run;
    arts.put(a.id, a);
    return Map.of("createArtifact", Map.of("artifact", created(a, c)));
  }

  /** -1 or absent: inherit the team default; -2: none; N: N seconds. */
  private void setTtl(Art a, JsonNode in) {
    long ttl = in.hasNonNull("ttlDurationSeconds") ? in.get("ttlDurationSeconds").asLong() : -1;
    if (ttl == 0 || ttl < -2) {
      throw new GqlError("invalid ttlDurationSeconds " + ttl);
    }
    a.ttlInherited = ttl == -1;
    a.ttl = ttl == -1 ? teamTtlSeconds : ttl == -2 ? null : Long.valueOf(ttl);
  }

  private Map<String, Object> created(Art a, Coll c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", a.id);
    m.put("state", a.state);
    m.put("versionIndex", a.versionIndex < 0 ? null : a.versionIndex);
    Member latest = latest(c);
    Map<String, Object> seq = new LinkedHashMap<>();
    seq.put("id", c.id);
    seq.put("latestArtifact", latest == null ? null : Map.of("id", latest.art.id));
    m.put("artifactSequence", seq);
    return m;
  }

  private static Member latest(Coll c) {
    for (Member m : c.members) {
      if (m.aliases.contains("latest")) {
        return m;
      }
    }
    return null;
  }

  private static final Map<String, String> MANIFEST_NAMES =
      Map.of(
          "FULL", "wandb_manifest.json",
          "INCREMENTAL", "wandb_manifest.incremental.json",
          "PATCH", "wandb_manifest.patch.json");

  /**
   * {@code createArtifactManifest}: one record per artifact and file name (the normal flow calls it
   * twice, the second time with the digest). PATCH manifests (wandb-core sends them for artifacts
   * with a {@code distributedID}) get their upload URL from {@code updateArtifactManifest}.
   */
  private Object createManifest(JsonNode in) {
    Art a = art(in.path("artifactID").asText());
    if (!a.state.equals("PENDING")) {
      throw new GqlError("artifact " + a.id + " is not pending");
    }
    String type = in.path("type").asText("FULL");
    String name = in.path("name").asText();
    if (!name.equals(MANIFEST_NAMES.get(type))) {
      throw new GqlError("manifest of type " + type + " must be named " + MANIFEST_NAMES.get(type));
    }
    if (type.equals("PATCH") != (a.distributedId != null)) {
      throw new GqlError("PATCH manifests are for distributed artifacts only, and they need one");
    }
    if (type.equals("INCREMENTAL")) {
      throw new GqlError("incremental manifests are not modelled");
    }
    if (!runs.containsKey(a.seq.entity + "/" + a.seq.project + "/" + in.path("runName").asText())) {
      // Each writer of a distributed save names its own run (saver.go); it must exist.
      throw new GqlError("run " + in.path("runName").asText() + " not found");
    }
    if (in.hasNonNull("baseArtifactID")) {
      Art base = art(in.get("baseArtifactID").asText());
      if (base.seq != a.seq || !base.state.equals("COMMITTED")) {
        throw new GqlError("baseArtifactID must be a committed version of " + a.seq.name);
      }
    }
    ManifestRec rec = a.manifestRecs.get(name);
    if (rec == null) {
      rec = new ManifestRec();
      rec.id = "ArtifactManifest:" + (nextId++);
      rec.name = name;
      rec.type = type;
      rec.art = a;
      a.manifestRecs.put(name, rec);
    }
    rec.digest = in.path("digest").asText();
    rec.baseArtifactId = in.path("baseArtifactID").asText(null);
    a.manifestDigests.add(rec.digest);
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("id", "File:" + rec.id);
    boolean full = type.equals("FULL") && !rec.digest.isEmpty();
    file.put("uploadUrl", full ? manifestUploadUrl(rec) : null);
    file.put("uploadHeaders", full ? List.of("Content-Type:application/json") : List.of());
    return Map.of(
        "createArtifactManifest", Map.of("artifactManifest", Map.of("id", rec.id, "file", file)));
  }

  private String manifestUploadUrl(ManifestRec rec) {
    return storageUrl()
        + "/manifest/"
        + ArtifactIds.toHex(rec.art.id)
        + "?name="
        + rec.name
        + "&digest="
        + java.net.URLEncoder.encode(rec.digest, StandardCharsets.UTF_8);
  }

  private ManifestRec manifestRec(String id) {
    for (Art a : arts.values()) {
      for (ManifestRec rec : a.manifestRecs.values()) {
        if (rec.id.equals(id)) {
          return rec;
        }
      }
    }
    throw new GqlError("artifact manifest " + id + " not found");
  }

  /** {@code updateArtifactManifest}: sets the digest of a manifest record, hands out its URL. */
  private Object updateManifest(JsonNode in) {
    ManifestRec rec = manifestRec(in.path("artifactManifestID").asText());
    if (!rec.art.state.equals("PENDING")) {
      throw new GqlError("artifact " + rec.art.id + " is not pending");
    }
    if (!in.hasNonNull("digest") || in.get("digest").asText().isEmpty()) {
      throw new GqlError("updateArtifactManifest needs the manifest file's digest");
    }
    rec.digest = in.get("digest").asText();
    if (in.hasNonNull("baseArtifactID")) {
      rec.baseArtifactId = in.get("baseArtifactID").asText();
    }
    rec.art.manifestDigests.add(rec.digest);
    Map<String, Object> file = new LinkedHashMap<>();
    file.put("id", "File:" + rec.id);
    file.put("uploadUrl", manifestUploadUrl(rec));
    file.put("uploadHeaders", List.of("Content-Type:application/json"));
    return Map.of(
        "updateArtifactManifest", Map.of("artifactManifest", Map.of("id", rec.id, "file", file)));
  }

  private Object createFiles(JsonNode v) {
    if (!"V2".equals(v.path("storageLayout").asText())) {
      throw new GqlError("storageLayout must be V2");
    }
    List<Object> edges = new ArrayList<>();
    for (JsonNode spec : v.path("artifactFiles")) {
      Art a = art(spec.path("artifactID").asText());
      if (!a.state.equals("PENDING")) {
        throw new GqlError("artifact " + a.id + " is not pending");
      }
      ManifestRec rec = manifestRec(spec.path("artifactManifestID").asText());
      if (rec.art != a) {
        throw new GqlError("artifactManifestID " + rec.id + " is not a manifest of " + a.id);
      }
      String md5 = spec.path("md5").asText();
      String hex = Digests.base64ToHex(md5);
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("id", "File:" + hex);
      node.put("name", spec.path("name").asText());
      node.put("displayName", spec.path("name").asText());
      node.put("directUrl", storageUrl() + "/get/" + hex);
      node.put("storagePath", "wandb_artifacts/" + hex);
      node.put("uploadMultipartUrls", null);
      if (blobs.containsKey(md5)) {
        node.put("uploadUrl", null);
        node.put("uploadHeaders", List.of());
        node.put("artifact", Map.of("id", births.get(md5)));
      } else {
        births.put(md5, a.id);
        node.put("artifact", Map.of("id", a.id));
        if (spec.has("uploadPartsInput")) {
          Multi m = new Multi();
          m.md5 = md5;
          m.artifactId = a.id;
          String uploadId = "upload-" + (nextId++);
          List<Object> urls = new ArrayList<>();
          for (JsonNode p : spec.path("uploadPartsInput")) {
            int n = p.path("partNumber").asInt();
            m.hexMd5.put(n, p.path("hexMD5").asText());
            urls.add(
                Map.of("partNumber", n, "uploadUrl", storageUrl() + "/part/" + uploadId + "/" + n));
          }
          multiparts.put(uploadId, m);
          node.put("uploadUrl", null);
          node.put("uploadHeaders", List.of("Content-Type:application/octet-stream"));
          node.put("uploadMultipartUrls", Map.of("uploadID", uploadId, "uploadUrlParts", urls));
        } else {
          node.put("uploadUrl", storageUrl() + "/put/" + hex + "?X-Sig=abc");
          node.put("uploadHeaders", List.of("Content-MD5:" + md5, "X-Fake-Signature: sig-" + hex));
        }
      }
      edges.add(Map.of("node", node));
    }
    return Map.of("createArtifactFiles", Map.of("files", Map.of("edges", edges)));
  }

  private Object completeMultipart(JsonNode v) {
    if (!"Complete".equals(v.path("completeMultipartAction").asText())) {
      throw new GqlError("unsupported action");
    }
    Multi m = multiparts.get(v.path("uploadID").asText());
    if (m == null || !m.artifactId.equals(v.path("artifactID").asText())) {
      throw new GqlError("unknown upload");
    }
    if (!v.path("storagePath").asText().equals("wandb_artifacts/" + Digests.base64ToHex(m.md5))) {
      throw new GqlError("bad storagePath");
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    int expected = 1;
    for (JsonNode p : v.path("completedParts")) {
      int n = p.path("partNumber").asInt();
      if (n != expected++ || !p.path("hexMD5").asText().equals(m.etags.get(n))) {
        throw new GqlError("part " + n + " does not match its ETag");
      }
      all.writeBytes(m.parts.get(n));
    }
    if (expected - 1 != m.hexMd5.size()) {
      throw new GqlError("missing parts");
    }
    byte[] bytes = all.toByteArray();
    if (!Digests.md5Base64(bytes).equals(m.md5)) {
      throw new GqlError("assembled object does not match its MD5");
    }
    blobs.put(m.md5, bytes);
    return Map.of("completeMultipartUploadArtifact", Map.of("digest", m.md5));
  }

  private Object commit(String id) throws IOException {
    Art a = art(id);
    if (!a.state.equals("PENDING")) {
      throw new GqlError("artifact " + id + " is not pending");
    }
    if (a.distributedId != null) {
      a.manifest = mergePatches(a);
    }
    if (a.manifest == null) {
      throw new GqlError("artifact " + id + " has no uploaded manifest");
    }
    JsonNode manifest = JSON.readTree(a.manifest);
    ArtifactDigester digester = new ArtifactDigester();
    List<String> paths = new ArrayList<>();
    manifest.path("contents").fieldNames().forEachRemaining(paths::add);
    paths.sort(Digests.CODE_POINT_ORDER);
    for (String p : paths) {
      JsonNode e = manifest.path("contents").path(p);
      digester.add(p, e.path("digest").asText());
      if (!e.has("ref") && !blobs.containsKey(e.path("digest").asText())) {
        throw new GqlError("file " + p + " of artifact " + id + " was not uploaded");
      }
      if (!e.has("ref") && !e.has("birthArtifactID")) {
        throw new GqlError("file " + p + " has no birthArtifactID");
      }
    }
    String manifestDigest = digester.finish();
    if (a.distributedId != null) {
      // The server derives the version's digest from the merged manifest (a model: wandb's
      // distributed writers each send their own partial digest, so none of them can be "the" one).
      a.digest = manifestDigest;
    } else if (!manifestDigest.equals(a.digest)) {
      throw new GqlError("manifest does not match the artifact digest");
    }
    Coll c = a.seq;
    a.state = "COMMITTED";
    a.versionIndex = c.nextIndex++;
    Member m = new Member();
    m.art = a;
    m.index = a.versionIndex;
    c.members.add(m);
    for (String alias : a.pendingAliases) {
      setAlias(c, m, alias);
    }
    a.run.outputs.add(a);
    return Map.of(
        "commitArtifact",
        Map.of("artifact", Map.of("id", a.id, "digest", a.digest, "versionIndex", a.versionIndex)));
  }

  /**
   * The manifest of a distributed artifact at commit: the union of its uploaded PATCH manifests
   * (later uploads win per path), or, with {@link #patchesApplyOverBase}, those applied over the
   * manifest of the PATCH record's {@code baseArtifactID}.
   */
  private byte[] mergePatches(Art a) throws IOException {
    if (a.patches.isEmpty()) {
      throw new GqlError("distributed artifact " + a.id + " has no uploaded PATCH manifest");
    }
    ObjectNode merged = JSON.createObjectNode();
    ObjectNode contents = JSON.createObjectNode();
    ManifestRec rec = a.manifestRecs.get(MANIFEST_NAMES.get("PATCH"));
    if (patchesApplyOverBase && rec != null && rec.baseArtifactId != null) {
      Art base = art(rec.baseArtifactId);
      JSON.readTree(base.manifest)
          .path("contents")
          .fields()
          .forEachRemaining(e -> contents.set(e.getKey(), e.getValue()));
    }
    JsonNode last = null;
    for (byte[] patch : a.patches) {
      last = JSON.readTree(patch);
      if (last.path("version").asInt() != 1) {
        throw new GqlError("PATCH manifest of " + a.id + " is not a v1 manifest");
      }
      last.path("contents").fields().forEachRemaining(e -> contents.set(e.getKey(), e.getValue()));
    }
    merged.put("version", 1);
    merged.put("storagePolicy", "wandb-storage-policy-v1");
    merged.set("storagePolicyConfig", last.path("storagePolicyConfig"));
    ObjectNode sorted = JSON.createObjectNode();
    List<String> paths = new ArrayList<>();
    contents.fieldNames().forEachRemaining(paths::add);
    paths.sort(Digests.CODE_POINT_ORDER);
    paths.forEach(p -> sorted.set(p, contents.get(p)));
    merged.set("contents", sorted);
    return JSON.writeValueAsBytes(merged);
  }

  private static void setAlias(Coll c, Member m, String alias) {
    for (Member other : c.members) {
      other.aliases.remove(alias);
    }
    m.aliases.add(alias);
  }

  private Object membershipByName(JsonNode v) {
    String name = v.path("name").asText();
    int colon = name.indexOf(':');
    Coll c = coll(v.path("entity").asText(), v.path("project").asText(), name.substring(0, colon));
    String alias = name.substring(colon + 1);
    Member found = null;
    if (c != null) {
      for (Member m : c.members) {
        if (!m.art.state.equals("COMMITTED")) {
          continue;
        }
        if (alias.equals("v" + m.index) || m.aliases.contains(alias)) {
          found = m;
        }
      }
    }
    Map<String, Object> project = new LinkedHashMap<>();
    project.put("artifactCollectionMembership", found == null ? null : membership(c, found));
    return Map.of("project", project);
  }

  private Map<String, Object> membership(Coll c, Member m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", "Membership:" + c.id + ":" + m.index);
    out.put("versionIndex", m.index);
    out.put("aliases", m.aliases.stream().map(a -> Map.of("alias", a)).toList());
    out.put(
        "artifactCollection",
        Map.of(
            "__typename", c.portfolio ? "ArtifactPortfolio" : "ArtifactSequence", "name", c.name));
    out.put("artifact", fragment(m.art));
    return out;
  }

  private Map<String, Object> fragment(Art a) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("id", a.id);
    f.put("digest", a.digest);
    f.put("state", a.state);
    long size = 0;
    long count = 0;
    if (a.manifest != null) {
      try {
        for (JsonNode e : JSON.readTree(a.manifest).path("contents")) {
          size += e.path("size").asLong(0);
          count++;
        }
      } catch (IOException e) {
        throw new GqlError(e.toString());
      }
    }
    f.put("size", size);
    f.put("versionIndex", a.versionIndex < 0 ? null : a.versionIndex);
    f.put("fileCount", count);
    f.put("artifactType", Map.of("name", a.type));
    f.put(
        "artifactSequence",
        Map.of(
            "name",
            a.seq.name,
            "project",
            Map.of("name", a.seq.project, "entity", Map.of("name", a.seq.entity))));
    f.put("description", a.description);
    f.put("metadata", a.metadata);
    f.put("ttlDurationSeconds", a.ttl == null ? -2 : a.ttl);
    f.put("ttlIsInherited", a.ttlInherited);
    f.put("tags", a.tags.stream().map(t -> Map.of("name", t)).toList());
    List<Object> aliases = new ArrayList<>();
    for (Coll c : colls.values()) {
      for (Member m : c.members) {
        if (m.art == a) {
          m.aliases.forEach(
              al ->
                  aliases.add(
                      Map.of(
                          "artifactCollection",
                          Map.of("__typename", typename(c), "name", c.name),
                          "alias",
                          al)));
        }
      }
    }
    f.put("aliases", aliases);
    f.put("historyStep", null);
    f.put("createdAt", a.createdAt);
    f.put("updatedAt", a.updatedAt);
    f.put("commitHash", null);
    f.put(
        "createdBy",
        Map.of(
            "__typename",
            "Run",
            "name",
            a.run.name,
            "displayName",
            String.valueOf(a.run.displayName),
            "jobType",
            String.valueOf(a.run.jobType)));
    return f;
  }

  private Map<String, Object> manifestOf(Art a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(
        "currentManifest",
        a.manifest == null
            ? null
            : Map.of(
                "file",
                Map.of("directUrl", storageUrl() + "/manifest/" + ArtifactIds.toHex(a.id))));
    return m;
  }

  /** URLs for given entries; only bytes stored under the named birth artifact are found. */
  private Object filesByManifestEntries(JsonNode v) throws IOException {
    Art a = art(v.path("id").asText());
    String layout = "V1";
    if (a.manifest != null) {
      layout =
          JSON.readTree(a.manifest).path("storagePolicyConfig").path("storageLayout").asText("V1");
    }
    if (!layout.equals(v.path("storageLayout").asText())) {
      throw new GqlError(
          "storageLayout " + v.path("storageLayout").asText() + " is not the manifest's " + layout);
    }
    List<Object> edges = new ArrayList<>();
    for (JsonNode e : v.path("entries")) {
      String md5 = e.path("digest").asText();
      boolean stored =
          blobs.containsKey(md5) && births.get(md5).equals(e.path("birthArtifactID").asText());
      if (!stored) {
        continue; // directUrl is non-null: an entry the server cannot find is left out.
      }
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("name", e.path("name").asText());
      node.put("directUrl", storageUrl() + "/get/" + Digests.base64ToHex(md5) + "?X-Sig=xyz");
      edges.add(Map.of("node", node));
    }
    return Map.of("artifact", Map.of("filesByManifestEntries", Map.of("edges", edges)));
  }

  private Object fileUrls(JsonNode v) throws IOException {
    Art a = art(v.path("id").asText());
    List<Object> nodes = new ArrayList<>();
    if (a.manifest != null) {
      JsonNode contents = JSON.readTree(a.manifest).path("contents");
      Iterator<String> names = contents.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        JsonNode e = contents.get(name);
        if (!e.has("ref")) {
          nodes.add(
              Map.of(
                  "name",
                  name,
                  "directUrl",
                  omitDirectUrls
                      ? ""
                      : storageUrl()
                          + "/get/"
                          + Digests.base64ToHex(e.path("digest").asText())
                          + "?X-Sig=xyz"));
        }
      }
    }
    return Map.of("artifact", Map.of("files", page(nodes, v)));
  }

  /** A Relay page of {@code nodes}: cursors are decimal offsets. */
  private static Map<String, Object> page(List<?> nodes, JsonNode v) {
    int from = v.hasNonNull("cursor") ? Integer.parseInt(v.get("cursor").asText()) : 0;
    int first = v.path("perPage").asInt(50);
    int to = Math.min(nodes.size(), from + first);
    List<Object> edges = new ArrayList<>();
    for (int i = from; i < to; i++) {
      Object n = nodes.get(i);
      edges.add(n instanceof Edge e ? e.edge : Map.of("node", n));
    }
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("endCursor", String.valueOf(to));
    info.put("hasNextPage", to < nodes.size());
    Map<String, Object> conn = new LinkedHashMap<>();
    conn.put("totalCount", nodes.size());
    conn.put("pageInfo", info);
    conn.put("edges", edges);
    return conn;
  }

  private record Edge(Map<String, Object> edge) {}

  private static String typename(Coll c) {
    return c.portfolio ? "ArtifactPortfolio" : "ArtifactSequence";
  }

  private Map<String, Object> collectionNode(Coll c) {
    return collectionNode(c, "READY");
  }

  private Map<String, Object> collectionNode(Coll c, String state) {
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("__typename", typename(c));
    n.put("id", c.id);
    n.put("name", c.name);
    n.put("description", c.description);
    n.put("createdAt", c.createdAt);
    n.put("state", state);
    n.put("defaultArtifactType", Map.of("name", c.type));
    n.put("tags", Map.of("edges", c.tags.stream().map(t -> Map.of("node", tagNode(t))).toList()));
    long committed = c.members.stream().filter(m -> m.art.state.equals("COMMITTED")).count();
    n.put("artifacts", Map.of("totalCount", committed));
    return n;
  }

  private Object collection(JsonNode v) {
    Coll c = coll(v.path("entity").asText(), v.path("project").asText(), v.path("name").asText());
    Map<String, Object> project = new LinkedHashMap<>();
    project.put("artifactCollection", c == null ? null : collectionNode(c));
    return Map.of("project", project);
  }

  private List<Coll> projectColls(JsonNode v) {
    return colls.values().stream()
        .filter(
            c ->
                c.entity.equals(v.path("entity").asText())
                    && c.project.equals(v.path("project").asText()))
        .sorted(Comparator.comparing(c -> c.name))
        .toList();
  }

  private Object typeCollections(JsonNode v) {
    List<Object> nodes = new ArrayList<>();
    for (Coll c : projectColls(v)) {
      if (c.type.equals(v.path("type").asText())) {
        nodes.add(collectionNode(c));
      }
    }
    return Map.of("project", Map.of("artifactType", Map.of("artifactCollections", page(nodes, v))));
  }

  private Object projectTypes(JsonNode v) {
    Set<String> types = new java.util.TreeSet<>();
    projectColls(v).forEach(c -> types.add(c.type));
    List<Object> nodes = new ArrayList<>();
    types.forEach(t -> nodes.add(Map.of("name", t)));
    return Map.of("project", Map.of("artifactTypes", page(nodes, v)));
  }

  private Object versions(JsonNode v) throws IOException {
    Coll c =
        coll(v.path("entity").asText(), v.path("project").asText(), v.path("collection").asText());
    if (c == null || !c.type.equals(v.path("type").asText())) {
      Map<String, Object> type = new LinkedHashMap<>();
      type.put("artifactCollection", null);
      return Map.of("project", Map.of("artifactType", type));
    }
    JsonNode filters = JSON.readTree(v.path("filters").asText("{}"));
    JsonNode state = filters.path("state");
    Set<String> states = new LinkedHashSet<>();
    if (state.isTextual()) {
      states.add(state.asText());
    } else if (state.has("$in")) {
      state.get("$in").forEach(s -> states.add(s.asText()));
    } else {
      throw new GqlError("unsupported filters " + filters);
    }
    List<Member> members = new ArrayList<>();
    for (Member m : c.members) {
      if (states.contains(m.art.state)) {
        members.add(m);
      }
    }
    String order = v.path("order").asText("-createdAt");
    Comparator<Member> byCreated = Comparator.comparing(m -> m.art.createdAt + ":" + m.index);
    members.sort(order.startsWith("-") ? byCreated.reversed() : byCreated);
    List<Object> edges = new ArrayList<>();
    for (Member m : members) {
      Map<String, Object> edge = new LinkedHashMap<>();
      edge.put("version", "v" + m.index);
      edge.put("node", fragment(m.art));
      edges.add(new Edge(edge));
    }
    Map<String, Object> coll = new LinkedHashMap<>();
    coll.put("__typename", c.portfolio ? "ArtifactPortfolio" : "ArtifactSequence");
    coll.put("name", c.name);
    coll.put("artifacts", page(edges, v));
    return Map.of("project", Map.of("artifactType", Map.of("artifactCollection", coll)));
  }

  private Member member(Coll c, String artifactId) {
    for (Member m : c.members) {
      if (m.art.id.equals(artifactId)) {
        return m;
      }
    }
    throw new GqlError("artifact " + artifactId + " is not in collection " + c.name);
  }

  private Object aliases(JsonNode in, boolean add) {
    for (JsonNode a : in.path("aliases")) {
      Coll c =
          coll(
              a.path("entityName").asText(),
              a.path("projectName").asText(),
              a.path("artifactCollectionName").asText());
      if (c == null) {
        throw new GqlError("collection not found");
      }
      Member m = member(c, in.path("artifactID").asText());
      if (add) {
        setAlias(c, m, a.path("alias").asText());
      } else {
        m.aliases.remove(a.path("alias").asText());
      }
    }
    return Map.of(add ? "addAliases" : "deleteAliases", Map.of("success", true));
  }

  private Object update(JsonNode in) {
    Art a = art(in.path("artifactID").asText());
    if (in.has("description")) {
      a.description = in.get("description").asText();
    }
    if (in.has("metadata")) {
      a.metadata = in.get("metadata").asText();
    }
    if (in.hasNonNull("ttlDurationSeconds")) {
      setTtl(a, in);
    }
    in.path("tagsToAdd")
        .forEach(
            t -> {
              if (!a.tags.contains(t.path("tagName").asText())) {
                a.tags.add(t.path("tagName").asText());
              }
            });
    in.path("tagsToDelete").forEach(t -> a.tags.remove(t.path("tagName").asText()));
    a.updatedAt = now();
    return Map.of("updateArtifact", Map.of("artifact", Map.of("id", a.id)));
  }

  private Object deleteArtifact(JsonNode in) {
    Art a = art(in.path("artifactID").asText());
    boolean deleteAliases = in.path("deleteAliases").asBoolean(false);
    for (Coll c : colls.values()) {
      for (Member m : c.members) {
        if (m.art == a) {
          if (!deleteAliases && m.aliases.stream().anyMatch(x -> !x.equals("latest"))) {
            throw new GqlError("cannot delete artifact with aliases; set deleteAliases");
          }
        }
      }
    }
    a.state = "DELETED";
    for (Coll c : colls.values()) {
      for (Member m : c.members) {
        if (m.art == a) {
          boolean wasLatest = m.aliases.contains("latest");
          m.aliases.clear();
          if (wasLatest) {
            c.members.stream()
                .filter(o -> o.art.state.equals("COMMITTED"))
                .max(Comparator.comparingInt(o -> o.index))
                .ifPresent(o -> o.aliases.add("latest"));
          }
        }
      }
    }
    return Map.of("deleteArtifact", Map.of("artifact", Map.of("id", a.id)));
  }

  private Object deleteCollection(String id) {
    Iterator<Map.Entry<String, Coll>> it = colls.entrySet().iterator();
    while (it.hasNext()) {
      Coll c = it.next().getValue();
      if (c.id.equals(id)) {
        if (!c.portfolio) {
          c.members.forEach(m -> m.art.state = "DELETED");
        }
        it.remove();
        return Map.of(
            c.portfolio ? "deleteArtifactPortfolio" : "deleteArtifactSequence",
            Map.of("artifactCollection", collectionNode(c, "DELETED")));
      }
    }
    throw new GqlError("collection " + id + " not found");
  }

  private Object link(JsonNode in) {
    Art a = art(in.path("artifactID").asText());
    if (!a.state.equals("COMMITTED")) {
      throw new GqlError("only committed artifacts can be linked");
    }
    String entity = in.path("entityName").asText();
    String project = in.path("projectName").asText();
    String name = in.path("artifactPortfolioName").asText();
    if (project.startsWith("wandb-registry-")
        && orgs.values().stream().noneMatch(o -> o[1].equals(entity))) {
      // Registries belong to the organization's entity (wandb resolves it before linking).
      throw new GqlError("project " + project + " not found for entity " + entity);
    }
    Coll c = coll(entity, project, name);
    if (c == null) {
      c = new Coll();
      c.id = "ArtifactPortfolio:" + (nextId++);
      c.entity = entity;
      c.project = project;
      c.name = name;
      c.type = a.type;
      c.portfolio = true;
      c.createdAt = now();
      colls.put(entity + "/" + project + "/" + name, c);
    } else if (!c.portfolio) {
      throw new GqlError(name + " is not a portfolio");
    }
    Member m = null;
    for (Member x : c.members) {
      if (x.art == a) {
        m = x;
      }
    }
    if (m == null) {
      m = new Member();
      m.art = a;
      m.index = c.nextIndex++;
      c.members.add(m);
    }
    setAlias(c, m, "latest");
    for (JsonNode al : in.path("aliases")) {
      setAlias(c, m, al.path("alias").asText());
    }
    return Map.of("linkArtifact", Map.of("versionIndex", m.index));
  }

  private static Map<String, Object> tagNode(String tag) {
    return Map.of("id", "Tag:" + tag, "name", tag);
  }

  private Coll collById(String id) {
    for (Coll c : colls.values()) {
      if (c.id.equals(id)) {
        return c;
      }
    }
    throw new GqlError("artifact collection " + id + " not found");
  }

  /** {@code unlinkArtifact}: removes a version from a portfolio (never from its own sequence). */
  private Object unlink(JsonNode in) {
    Coll c = collById(in.path("artifactPortfolioID").asText());
    if (!c.portfolio) {
      throw new GqlError(c.name + " is not a portfolio; versions are deleted, not unlinked");
    }
    Member m = member(c, in.path("artifactID").asText());
    boolean wasLatest = m.aliases.contains("latest");
    c.members.remove(m);
    if (wasLatest) {
      c.members.stream()
          .max(Comparator.comparingInt(o -> o.index))
          .ifPresent(o -> o.aliases.add("latest"));
    }
    return Map.of("unlinkArtifact", Map.of("success", true));
  }

  private Object updateCollection(JsonNode in, boolean portfolio, String field) {
    Coll c = collById(in.path(portfolio ? "artifactPortfolioID" : "artifactSequenceID").asText());
    if (c.portfolio != portfolio) {
      throw new GqlError(
          c.name + " is not an " + (portfolio ? "ArtifactPortfolio" : "ArtifactSequence"));
    }
    if (in.hasNonNull("description")) {
      c.description = in.get("description").asText();
    }
    if (in.hasNonNull("name")) {
      String name = in.get("name").asText();
      if (coll(c.entity, c.project, name) != null) {
        throw new GqlError("artifact collection " + name + " already exists");
      }
      colls.remove(c.entity + "/" + c.project + "/" + c.name);
      c.name = name;
      colls.put(c.entity + "/" + c.project + "/" + c.name, c);
    }
    return Map.of(field, Map.of("artifactCollection", collectionNode(c)));
  }

  private Object moveCollection(JsonNode in) {
    Coll c = collById(in.path("artifactSequenceID").asText());
    if (c.portfolio) {
      throw new GqlError(c.name + " is not an ArtifactSequence");
    }
    c.type = in.path("destinationArtifactTypeName").asText();
    for (Member m : c.members) {
      m.art.type = c.type;
    }
    for (Art a : arts.values()) {
      if (a.seq == c) {
        a.type = c.type;
      }
    }
    return Map.of("moveArtifactSequence", Map.of("artifactCollection", collectionNode(c)));
  }

  private Object collectionTags(JsonNode in, boolean add) {
    Coll c =
        coll(
            in.path("entityName").asText(),
            in.path("projectName").asText(),
            in.path("artifactCollectionName").asText());
    if (c == null) {
      throw new GqlError(
          "artifact collection " + in.path("artifactCollectionName").asText() + " not found");
    }
    if (in.path("tags").size() > 20) {
      throw new GqlError("at most 20 tags per call");
    }
    List<Object> tags = new ArrayList<>();
    for (JsonNode t : in.path("tags")) {
      String tag = t.path("tagName").asText();
      if (!tag.matches("(?U)[-\\w]+( +[-\\w]+)*") || tag.length() > 128) {
        throw new GqlError("invalid tag " + tag);
      }
      if (add && !c.tags.contains(tag)) {
        c.tags.add(tag);
      } else if (!add) {
        c.tags.remove(tag);
      }
      tags.add(tagNode(tag));
    }
    return add
        ? Map.of("createArtifactCollectionTagAssignments", Map.of("tags", tags))
        : Map.of("deleteArtifactCollectionTagAssignments", Map.of("success", true));
  }

  /** Entities in an organization: {@link #organization} maps a team entity to its org. */
  private final Map<String, String[]> orgs = new HashMap<>();

  /**
   * Makes {@code entity} part of organization {@code org}, whose own entity is {@code orgEntity}.
   */
  public void organization(String entity, String org, String orgEntity) {
    synchronized (lock) {
      orgs.put(entity, new String[] {org, orgEntity});
    }
  }

  private Object orgEntity(JsonNode v) {
    String entity = v.path("entity").asText();
    String[] org = orgs.get(entity);
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("id", "Entity:" + entity);
    e.put("name", entity);
    e.put(
        "organization",
        org == null ? null : Map.of("name", org[0], "orgEntity", Map.of("name", org[1])));
    e.put("user", null); // Entities of this fake are team entities.
    return Map.of("entity", e);
  }

  private Object use(JsonNode in) {
    RunRec r =
        runs.get(
            in.path("entityName").asText()
                + "/"
                + in.path("projectName").asText()
                + "/"
                + in.path("runName").asText());
    if (r == null) {
      throw new GqlError("run " + in.path("runName").asText() + " not found");
    }
    Art a = art(in.path("artifactID").asText());
    boolean elsewhere = !a.seq.entity.equals(r.entity) || !a.seq.project.equals(r.project);
    if (elsewhere
        && !(a.seq.entity.equals(in.path("artifactEntityName").asText())
            && a.seq.project.equals(in.path("artifactProjectName").asText()))) {
      throw new GqlError(
          "artifact "
              + a.id
              + " is not in project "
              + r.entity
              + "/"
              + r.project
              + "; name its project with artifactEntityName/artifactProjectName");
    }
    if (!r.inputs.contains(a)) {
      r.inputs.add(a);
    }
    a.usedBy.add(r);
    return Map.of("useArtifact", Map.of("artifact", Map.of("id", a.id)));
  }

  private Object usedBy(JsonNode v) {
    Art a = art(v.path("id").asText());
    List<Object> edges = new ArrayList<>();
    for (RunRec r : a.usedBy) {
      edges.add(Map.of("node", runNode(r)));
    }
    return Map.of("artifact", Map.of("usedBy", Map.of("edges", edges)));
  }

  private static Map<String, Object> runNode(RunRec r) {
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("name", r.name);
    n.put("displayName", r.displayName);
    n.put("jobType", r.jobType);
    n.put("project", Map.of("name", r.project, "entity", Map.of("name", r.entity)));
    return n;
  }

  private Object createdBy(JsonNode v) {
    Art a = art(v.path("id").asText());
    Map<String, Object> by = runNode(a.run);
    by.put("__typename", "Run");
    return Map.of("artifact", Map.of("createdBy", by));
  }

  private Object runArtifacts(JsonNode v, boolean inputs) {
    RunRec r =
        runs.get(
            v.path("entity").asText()
                + "/"
                + v.path("project").asText()
                + "/"
                + v.path("run").asText());
    Map<String, Object> project = new LinkedHashMap<>();
    if (r == null) {
      project.put("run", null);
    } else {
      List<Object> nodes = new ArrayList<>();
      (inputs ? r.inputs : r.outputs).forEach(a -> nodes.add(fragment(a)));
      project.put("run", Map.of(inputs ? "inputArtifacts" : "outputArtifacts", page(nodes, v)));
    }
    return Map.of("project", project);
  }

  /**
   * W&amp;B's fallback download handler under the base URL ({@code
   * /artifactsV2/<region>/<entity>/<project>/<collection>/<birth>/<md5 hex>/<name>}): needs the API
   * key, and the birth artifact must be the one that stored the bytes.
   */
  private MockResponse fallbackDownload(RecordedRequest request) {
    events.add("GET " + request.getRequestUrl().encodedPath());
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("api:" + API_KEY).getBytes(StandardCharsets.UTF_8));
    if (!expected.equals(request.getHeader("Authorization"))) {
      unauthorized.incrementAndGet();
      return new MockResponse().setResponseCode(401);
    }
    List<String> seg = request.getRequestUrl().pathSegments();
    if (seg.size() != 8) {
      return new MockResponse().setResponseCode(404);
    }
    synchronized (lock) {
      String md5 = Digests.hexToBase64(seg.get(6));
      byte[] blob = blobs.get(md5);
      if (blob == null || !seg.get(5).equals(births.get(md5))) {
        return new MockResponse().setResponseCode(404);
      }
      return new MockResponse().setBody(new okio.Buffer().write(blob));
    }
  }

  // ---- storage ---------------------------------------------------------------------------------

  private MockResponse onStorage(RecordedRequest request) {
    String method = request.getMethod();
    String path = request.getRequestUrl().encodedPath();
    storageRequests.add(method + " " + path);
    events.add(method + " " + path);
    if (request.getHeader("Authorization") != null) {
      authViolations.add(method + " " + path);
      return new MockResponse().setResponseCode(403).setBody("credentials sent to storage");
    }
    Deque<MockResponse> faults = storageFaults.get(method);
    if (faults != null) {
      MockResponse f = faults.poll();
      if (f != null) {
        return f;
      }
    }
    byte[] body = request.getBody().readByteArray();
    synchronized (lock) {
      if (method.equals("PUT") && path.startsWith("/put/")) {
        String hex = path.substring("/put/".length());
        String md5 = Digests.hexToBase64(hex);
        if (!("sig-" + hex).equals(request.getHeader("X-Fake-Signature"))
            || !md5.equals(request.getHeader("Content-MD5"))) {
          return new MockResponse().setResponseCode(403).setBody("signature mismatch");
        }
        if (!Digests.md5Base64(body).equals(md5)) {
          return new MockResponse().setResponseCode(400).setBody("BadDigest");
        }
        blobs.put(md5, body);
        return new MockResponse().setHeader("ETag", "\"" + hex + "\"");
      }
      if (method.equals("PUT") && path.startsWith("/part/")) {
        String[] parts = path.split("/");
        Multi m = multiparts.get(parts[2]);
        int n = Integer.parseInt(parts[3]);
        byte[] md5 = md5(body);
        if (m == null
            || !Base64.getEncoder().encodeToString(md5).equals(request.getHeader("Content-MD5"))
            || !Digests.hex(md5).equals(m.hexMd5.get(n))) {
          return new MockResponse().setResponseCode(400).setBody("BadDigest");
        }
        m.parts.put(n, body);
        String etag = "\"" + Digests.hex(md5) + "\"";
        m.etags.put(n, etag);
        return new MockResponse().setHeader("ETag", etag);
      }
      if (method.equals("PUT") && path.startsWith("/manifest/")) {
        Art a = arts.get(ArtifactIds.fromHex(path.substring("/manifest/".length())));
        String digest = request.getRequestUrl().queryParameter("digest");
        ManifestRec rec =
            a == null ? null : a.manifestRecs.get(request.getRequestUrl().queryParameter("name"));
        if (rec == null || !digest.equals(rec.digest) || !Digests.md5Base64(body).equals(digest)) {
          return new MockResponse().setResponseCode(400).setBody("BadDigest");
        }
        if (rec.type.equals("PATCH")) {
          a.patches.add(body);
        } else {
          a.manifest = body;
        }
        return new MockResponse();
      }
      if (method.equals("GET") && path.startsWith("/manifest/")) {
        Art a = arts.get(ArtifactIds.fromHex(path.substring("/manifest/".length())));
        return a == null || a.manifest == null
            ? new MockResponse().setResponseCode(404)
            : new MockResponse().setBody(new okio.Buffer().write(a.manifest));
      }
      if (method.equals("GET") && path.startsWith("/get/")) {
        byte[] blob = blobs.get(Digests.hexToBase64(path.substring("/get/".length())));
        if (blob == null) {
          return new MockResponse().setResponseCode(404);
        }
        int from = 0;
        String range = request.getHeader("Range");
        if (range != null && range.startsWith("bytes=")) {
          from = Integer.parseInt(range.substring(6, range.indexOf('-')));
        }
        byte[] slice = java.util.Arrays.copyOfRange(blob, from, blob.length);
        MockResponse r =
            new MockResponse()
                .setResponseCode(from > 0 ? 206 : 200)
                .setBody(new okio.Buffer().write(slice));
        Deque<MockResponse> half = storageFaults.get("GET-HALF");
        if (half != null && half.poll() != null) {
          r.setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY);
        }
        return r;
      }
    }
    return new MockResponse().setResponseCode(404);
  }

  private static byte[] md5(byte[] b) {
    java.security.MessageDigest md = Digests.newMd5();
    return md.digest(b);
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(body);
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
