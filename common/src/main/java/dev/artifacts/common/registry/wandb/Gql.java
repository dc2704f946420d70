package dev.artifacts.common.registry.wandb;

/**
 * Every GraphQL document this backend sends: each non-private {@code static final String} here is
 * one complete document (the test {@code WandbGraphqlDocumentsTest} validates all of them against
 * the SDL schema derived from W&amp;B's SDK, {@code
 * common/src/test/resources/wandb/schema.graphqls}). Operation names, variables and input shapes
 * are those of wandb-core ({@code core/api/graphql/*.graphql}) or of the Python client ({@code
 * wandb/sdk/artifacts/_generated/operations.py}); where a document names an input type in a
 * variable, the SDK names that same type; where the SDK writes an input object inline, so do we.
 * Selections beyond the SDK's are marked.
 */
final class Gql {
  private Gql() {}

  /** The artifact fields every read selects (§7.4 step 1, plus {@code createdBy} for lineage). */
  private static final String ARTIFACT_FRAGMENT =
      """
      fragment ArtifactFields on Artifact {
        id digest state size versionIndex fileCount
        artifactType { name }
        artifactSequence { name project { name entity { name } } }
        description metadata ttlDurationSeconds ttlIsInherited
        tags { name }
        aliases { artifactCollection { name } alias }
        historyStep createdAt updatedAt commitHash
        createdBy { __typename ... on Run { name displayName jobType } }
      }
      """;

  static final String UPSERT_BUCKET =
      """
      mutation UpsertBucket($name: String, $project: String, $entity: String,
          $displayName: String, $jobType: String, $host: String, $state: String) {
        upsertBucket(input: {name: $name, modelName: $project, entityName: $entity,
            displayName: $displayName, jobType: $jobType, host: $host, state: $state}) {
          bucket { id name displayName project { id name entity { id name } } }
          inserted
        }
      }
      """;

  static final String CREATE_ARTIFACT =
      """
      mutation CreateArtifact($input: CreateArtifactInput!) {
        createArtifact(input: $input) {
          artifact { id state versionIndex artifactSequence { id latestArtifact { id } } }
        }
      }
      """;

  /**
   * wandb-core's {@code mutation_create_artifact_manifest.graphql}: the input is written inline and
   * {@code includeUpload} is a variable that only gates {@code uploadUrl}/{@code uploadHeaders}.
   */
  static final String CREATE_ARTIFACT_MANIFEST =
      """
      mutation CreateArtifactManifest($artifactID: ID!, $baseArtifactID: ID, $name: String!,
          $digest: String!, $entityName: String!, $projectName: String!, $runName: String!,
          $manifestType: ArtifactManifestType!, $includeUpload: Boolean!) {
        createArtifactManifest(input: {artifactID: $artifactID, baseArtifactID: $baseArtifactID,
            name: $name, digest: $digest, entityName: $entityName, projectName: $projectName,
            runName: $runName, type: $manifestType}) {
          artifactManifest {
            id
            file {
              id
              uploadUrl @include(if: $includeUpload)
              uploadHeaders @include(if: $includeUpload)
            }
          }
        }
      }
      """;

  /**
   * wandb-core's {@code mutation_update_artifact_manifest.graphql}: how the finishing writer of a
   * distributed ({@code PATCH}) or incremental manifest sets its digest and gets its upload URL.
   */
  static final String UPDATE_ARTIFACT_MANIFEST =
      """
      mutation UpdateArtifactManifest($artifactManifestID: ID!, $digest: String,
          $baseArtifactID: ID, $includeUpload: Boolean!) {
        updateArtifactManifest(input: {artifactManifestID: $artifactManifestID, digest: $digest,
            baseArtifactID: $baseArtifactID}) {
          artifactManifest {
            id
            file {
              id
              uploadUrl @include(if: $includeUpload)
              uploadHeaders @include(if: $includeUpload)
            }
          }
        }
      }
      """;

  static final String CREATE_ARTIFACT_FILES =
      """
      mutation CreateArtifactFiles($storageLayout: ArtifactStorageLayout!,
          $artifactFiles: [CreateArtifactFileSpecInput!]!) {
        createArtifactFiles(input: {artifactFiles: $artifactFiles, storageLayout: $storageLayout}) {
          files {
            edges {
              node {
                storagePath uploadUrl uploadHeaders
                uploadMultipartUrls { uploadID uploadUrlParts { partNumber uploadUrl } }
                artifact { id }
              }
            }
          }
        }
      }
      """;

  static final String COMPLETE_MULTIPART =
      """
      mutation CompleteMultipartUploadArtifact($completeMultipartAction: CompleteMultipartAction!,
          $completedParts: [UploadPartsInput!]!, $artifactID: ID!, $storagePath: String!,
          $uploadID: String!) {
        completeMultipartUploadArtifact(input: {completeMultipartAction: $completeMultipartAction,
            completedParts: $completedParts, artifactID: $artifactID, storagePath: $storagePath,
            uploadID: $uploadID}) {
          digest
        }
      }
      """;

  /** {@code versionIndex} is selected beyond §7.3: the index may only be known once committed. */
  static final String COMMIT_ARTIFACT =
      """
      mutation CommitArtifact($artifactID: ID!) {
        commitArtifact(input: {artifactID: $artifactID}) { artifact { id digest versionIndex } }
      }
      """;

  static final String USE_ARTIFACT =
      """
      mutation UseArtifact($input: UseArtifactInput!) {
        useArtifact(input: $input) { artifact { id } }
      }
      """;

  static final String MEMBERSHIP_BY_NAME =
      """
      query ArtifactMembershipByName($entity: String!, $project: String!, $name: String!) {
        project(name: $project, entityName: $entity) {
          artifactCollectionMembership(name: $name) {
            id versionIndex
            aliases { alias }
            artifactCollection { __typename name }
            artifact { ...ArtifactFields }
          }
        }
      }
      """
          + ARTIFACT_FRAGMENT;

  static final String MANIFEST =
      """
      query ArtifactManifest($id: ID!) {
        artifact(id: $id) { currentManifest { file { directUrl } } }
      }
      """;

  static final String FILE_URLS =
      """
      query ArtifactFileURLs($id: ID!, $cursor: String, $perPage: Int) {
        artifact(id: $id) {
          files(after: $cursor, first: $perPage) {
            pageInfo { endCursor hasNextPage }
            edges { node { name directUrl } }
          }
        }
      }
      """;

  /** wandb-core's per-entry URL lookup (§7.4 step 3), used for single files on executors. */
  static final String FILES_BY_MANIFEST_ENTRIES =
      """
      query ArtifactFileURLsByManifestEntries($id: ID!, $entries: [ArtifactManifestEntryInput!],
          $storageLayout: String!, $manifestVersion: String!, $storageRegion: String) {
        artifact(id: $id) {
          filesByManifestEntries(storageLayout: $storageLayout, manifestVersion: $manifestVersion,
              entries: $entries, storageRegion: $storageRegion) {
            edges { node { name directUrl } }
          }
        }
      }
      """;

  /** Collection fields: {@code defaultArtifactType} and the counted connection are not in §7. */
  private static final String COLLECTION_FIELDS =
      """
      __typename id name description createdAt
      defaultArtifactType { name }
      tags { edges { node { name } } }
      artifacts(filters: "{\\"state\\":\\"COMMITTED\\"}") { totalCount }
      """;

  static final String COLLECTION =
      "query ArtifactCollection($entity: String!, $project: String!, $name: String!) {\n"
          + "  project(name: $project, entityName: $entity) {\n"
          + "    artifactCollection(name: $name) {\n"
          + COLLECTION_FIELDS
          + "    }\n  }\n}\n";

  static final String TYPE_COLLECTIONS =
      "query ArtifactTypeArtifactCollections($entity: String!, $project: String!, $type: String!,"
          + " $cursor: String, $perPage: Int) {\n"
          + "  project(name: $project, entityName: $entity) {\n"
          + "    artifactType(name: $type) {\n"
          + "      artifactCollections(after: $cursor, first: $perPage) {\n"
          + "        pageInfo { endCursor hasNextPage }\n"
          + "        edges { node {\n"
          + COLLECTION_FIELDS
          + "        } }\n      }\n    }\n  }\n}\n";

  static final String PROJECT_TYPES =
      """
      query ProjectArtifactTypes($entity: String!, $project: String!, $cursor: String,
          $perPage: Int) {
        project(name: $project, entityName: $entity) {
          artifactTypes(after: $cursor, first: $perPage) {
            pageInfo { endCursor hasNextPage }
            edges { node { name } }
          }
        }
      }
      """;

  static final String VERSIONS =
      """
      query ArtifactVersions($entity: String!, $project: String!, $type: String!,
          $collection: String!, $cursor: String, $perPage: Int, $order: String,
          $filters: JSONString) {
        project(name: $project, entityName: $entity) {
          artifactType(name: $type) {
            artifactCollection(name: $collection) {
              __typename name
              artifacts(after: $cursor, first: $perPage, order: $order, filters: $filters) {
                totalCount
                pageInfo { endCursor hasNextPage }
                edges { version node { ...ArtifactFields } }
              }
            }
          }
        }
      }
      """
          + ARTIFACT_FRAGMENT;

  static final String ADD_ALIASES =
      """
      mutation AddAliases($input: AddAliasesInput!) { addAliases(input: $input) { success } }
      """;

  static final String DELETE_ALIASES =
      """
      mutation DeleteAliases($input: DeleteAliasesInput!) {
        deleteAliases(input: $input) { success }
      }
      """;

  static final String UPDATE_ARTIFACT =
      """
      mutation UpdateArtifact($input: UpdateArtifactInput!) {
        updateArtifact(input: $input) { artifact { id } }
      }
      """;

  static final String DELETE_ARTIFACT =
      """
      mutation DeleteArtifact($input: DeleteArtifactInput!) {
        deleteArtifact(input: $input) { artifact { id } }
      }
      """;

  /** The Python client's shape: the input object is written inline around an {@code ID!}. */
  static final String DELETE_SEQUENCE =
      """
      mutation DeleteArtifactSequence($id: ID!) {
        deleteArtifactSequence(input: {artifactSequenceID: $id}) {
          artifactCollection { __typename state }
        }
      }
      """;

  static final String DELETE_PORTFOLIO =
      """
      mutation DeleteArtifactPortfolio($id: ID!) {
        deleteArtifactPortfolio(input: {artifactPortfolioID: $id}) {
          artifactCollection { __typename state }
        }
      }
      """;

  static final String UNLINK_ARTIFACT =
      """
      mutation UnlinkArtifact($input: UnlinkArtifactInput!) {
        unlinkArtifact(input: $input) { success }
      }
      """;

  /** Rename or describe a source collection (Python {@code UPDATE_ARTIFACT_SEQUENCE_GQL}). */
  static final String UPDATE_SEQUENCE =
      """
      mutation UpdateArtifactSequence($input: UpdateArtifactSequenceInput!) {
        updateArtifactSequence(input: $input) { artifactCollection { __typename id name } }
      }
      """;

  static final String UPDATE_PORTFOLIO =
      """
      mutation UpdateArtifactPortfolio($input: UpdateArtifactPortfolioInput!) {
        updateArtifactPortfolio(input: $input) { artifactCollection { __typename id name } }
      }
      """;

  /** Change a source collection's type (Python {@code UPDATE_ARTIFACT_SEQUENCE_TYPE_GQL}). */
  static final String MOVE_SEQUENCE =
      """
      mutation UpdateArtifactSequenceType($input: MoveArtifactSequenceInput!) {
        moveArtifactSequence(input: $input) { artifactCollection { __typename id name } }
      }
      """;

  static final String ADD_COLLECTION_TAGS =
      """
      mutation AddArtifactCollectionTags($input: CreateArtifactCollectionTagAssignmentsInput!) {
        createArtifactCollectionTagAssignments(input: $input) { tags { id name } }
      }
      """;

  static final String DELETE_COLLECTION_TAGS =
      """
      mutation DeleteArtifactCollectionTags(
          $input: DeleteArtifactCollectionTagAssignmentsInput!) {
        deleteArtifactCollectionTagAssignments(input: $input) { success }
      }
      """;

  /**
   * The organizations of an entity, to find the org entity that owns {@code wandb-registry-*}
   * projects (Python {@code FETCH_ORG_INFO_FROM_ENTITY_GQL}; a team entity has one organization, a
   * personal entity those of its user).
   */
  static final String ORG_INFO =
      """
      query FetchOrgInfoFromEntity($entity: String!) {
        entity(name: $entity) {
          organization { name orgEntity { name } }
          user { organizations { name orgEntity { name } } }
        }
      }
      """;

  static final String LINK_ARTIFACT =
      """
      mutation LinkArtifact($input: LinkArtifactInput!) {
        linkArtifact(input: $input) { versionIndex }
      }
      """;

  static final String USED_BY =
      """
      query ArtifactUsedBy($id: ID!) {
        artifact(id: $id) {
          usedBy { edges { node { name displayName jobType project { name entity { name } } } } }
        }
      }
      """;

  static final String CREATED_BY =
      """
      query ArtifactCreatedBy($id: ID!) {
        artifact(id: $id) {
          createdBy { __typename ... on Run { name displayName jobType } }
        }
      }
      """;

  /** {@code %s} is {@code inputArtifacts} or {@code outputArtifacts}. */
  private static final String RUN_ARTIFACTS =
      """
      query Run%1$s($entity: String!, $project: String!, $run: String!, $cursor: String,
          $perPage: Int) {
        project(name: $project, entityName: $entity) {
          run(name: $run) {
            %2$s(after: $cursor, first: $perPage) {
              pageInfo { endCursor hasNextPage }
              edges { node { ...ArtifactFields } }
            }
          }
        }
      }
      """
          + ARTIFACT_FRAGMENT;

  static final String RUN_INPUT_ARTIFACTS =
      RUN_ARTIFACTS.formatted("InputArtifacts", "inputArtifacts");
  static final String RUN_OUTPUT_ARTIFACTS =
      RUN_ARTIFACTS.formatted("OutputArtifacts", "outputArtifacts");
}
