package dev.artifacts.common.registry.wandb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.common.testing.FakeWandbServer;
import dev.artifacts.common.testing.WandbSchema;
import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.language.TypeName;
import graphql.language.VariableDefinition;
import graphql.parser.Parser;
import graphql.validation.ValidationError;
import graphql.validation.Validator;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every GraphQL document the W&amp;B backend can send validates against the schema derived from
 * W&amp;B's SDK ({@code /wandb/schema.graphqls}), names only input types the SDK itself names in
 * variables, and carries the operation name the client sends with it; and the strict fake really
 * refuses what a spec-compliant server refuses.
 */
class WandbGraphqlDocumentsTest {

  /**
   * Input types the SDK only ever writes inline: their names are not known, so a document that
   * declares a variable of one of them may name a type the real server does not have.
   */
  private static final Set<String> INLINE_ONLY_INPUTS =
      Set.of(
          "CreateArtifactManifestInput",
          "UpdateArtifactManifestInput",
          "CreateArtifactFilesInput",
          "CompleteMultipartUploadArtifactInput",
          "CommitArtifactInput",
          "DeleteArtifactSequenceInput",
          "DeleteArtifactPortfolioInput");

  /** Every complete document in {@link Gql}: its non-private static String constants. */
  static Map<String, String> documents() throws IllegalAccessException {
    Map<String, String> docs = new LinkedHashMap<>();
    for (Field f : Gql.class.getDeclaredFields()) {
      int mod = f.getModifiers();
      if (Modifier.isStatic(mod) && !Modifier.isPrivate(mod) && f.getType() == String.class) {
        docs.put(f.getName(), (String) f.get(null));
      }
    }
    return docs;
  }

  @Test
  void everyDocumentValidatesAgainstTheSdkDerivedSchema() throws Exception {
    Map<String, String> docs = documents();
    assertThat(docs).hasSizeGreaterThan(30);
    Map<String, List<String>> problems = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : docs.entrySet()) {
      Document doc = Parser.parse(e.getValue());
      List<ValidationError> errors =
          new Validator().validateDocument(WandbSchema.SCHEMA, doc, Locale.ROOT);
      List<String> found = new ArrayList<>();
      errors.forEach(err -> found.add(err.getMessage()));
      List<OperationDefinition> ops = doc.getDefinitionsOfType(OperationDefinition.class);
      if (ops.size() != 1) {
        found.add(ops.size() + " operations; the client sends exactly one per document");
      }
      for (OperationDefinition op : ops) {
        for (VariableDefinition v : op.getVariableDefinitions()) {
          String type = innermost(v.getType());
          if (INLINE_ONLY_INPUTS.contains(type)) {
            found.add(
                "variable $" + v.getName() + " names " + type + ", which the SDK never names");
          }
        }
      }
      if (!found.isEmpty()) {
        problems.put(e.getKey(), found);
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theSchemaCheckCatchesWhatTheOldDocumentsGotWrong() {
    // includeUpload inside the manifest input, as the backend sent it before: refused.
    String old =
        "mutation CreateArtifactManifest($input: CreateArtifactManifestInput!) {"
            + " createArtifactManifest(input: $input) { artifactManifest { id } } }";
    assertThat(new Validator().validateDocument(WandbSchema.SCHEMA, Parser.parse(old), Locale.ROOT))
        .isEmpty(); // The document alone is valid SDL-wise ...
    String inline =
        "mutation M($id: ID!) { createArtifactManifest(input: {artifactID: $id, name: \"n\","
            + " digest: \"\", entityName: \"e\", projectName: \"p\", runName: \"r\","
            + " includeUpload: false}) { artifactManifest { id } } }";
    assertThat(
            new Validator().validateDocument(WandbSchema.SCHEMA, Parser.parse(inline), Locale.ROOT))
        .extracting(ValidationError::getMessage)
        .anySatisfy(m -> assertThat(m).contains("includeUpload"));
  }

  @Test
  void theFakeRefusesUnknownInputFieldsWrongTypesAndMissingValues() throws Exception {
    try (FakeWandbServer server = new FakeWandbServer()) {
      String doc = Gql.COMMIT_ARTIFACT;
      // ... and the variables are what a server refuses: includeUpload is no input field.
      String manifest =
          "mutation CreateArtifactManifest($input: CreateArtifactManifestInput!) {"
              + " createArtifactManifest(input: $input) { artifactManifest { id } } }";
      String unknownField =
          "{\"artifactID\":\"QXJ0aWZhY3Q6MQ==\",\"name\":\"wandb_manifest.json\",\"digest\":\"\","
              + "\"entityName\":\"e\",\"projectName\":\"p\",\"runName\":\"r\",\"type\":\"FULL\","
              + "\"includeUpload\":false}";
      assertThat(
              post(server, "CreateArtifactManifest", manifest, "{\"input\":" + unknownField + "}"))
          .startsWith("400")
          .contains("includeUpload");
      assertThat(post(server, "CommitArtifact", doc, "{}")).startsWith("400");
      assertThat(post(server, "CommitArtifact", doc, "{\"artifactID\":null}")).startsWith("400");
      String enumDoc = Gql.CREATE_ARTIFACT_FILES;
      assertThat(
              post(
                  server,
                  "CreateArtifactFiles",
                  enumDoc,
                  "{\"storageLayout\":\"V3\",\"artifactFiles\":[]}"))
          .startsWith("400");
      assertThat(post(server, "CommitArtifact", "query CommitArtifact { nope }", "{}"))
          .startsWith("400");
      assertThat(server.schemaViolations).hasSize(5);
      // A valid request reaches the fake's state (and fails there: no such artifact).
      assertThat(post(server, "CommitArtifact", doc, "{\"artifactID\":\"QXJ0aWZhY3Q6MQ==\"}"))
          .startsWith("200")
          .contains("not found");
      assertThat(server.schemaViolations).hasSize(5);
    }
  }

  @Test
  void theFakeAnswersOnlyTheSelectedFields() throws Exception {
    try (FakeWandbServer server = new FakeWandbServer()) {
      String doc =
          "mutation UpsertBucket($name: String, $project: String, $entity: String) {"
              + " upsertBucket(input: {name: $name, modelName: $project, entityName: $entity}) {"
              + " bucket { name } } }";
      String answer =
          post(
              server,
              "UpsertBucket",
              doc,
              "{\"name\":\"abcd1234\",\"project\":\"p\",\"entity\":\"e\"}");
      assertThat(answer)
          .isEqualTo("200 {\"data\":{\"upsertBucket\":{\"bucket\":{\"name\":\"abcd1234\"}}}}");
    }
  }

  private static String post(FakeWandbServer server, String op, String query, String variables)
      throws Exception {
    String body =
        "{\"operationName\":"
            + quote(op)
            + ",\"query\":"
            + quote(query)
            + ",\"variables\":"
            + variables
            + "}";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/graphql"))
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            ("api:" + FakeWandbServer.API_KEY).getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> r =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  private static String quote(String s) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
  }

  private static String innermost(graphql.language.Type<?> type) {
    if (type instanceof TypeName n) {
      return n.getName();
    }
    if (type instanceof graphql.language.NonNullType nn) {
      return innermost(nn.getType());
    }
    return innermost(((graphql.language.ListType) type).getType());
  }
}
