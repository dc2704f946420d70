package dev.artifacts.common.registry.wandb;

/**
 * The GraphQL documents this backend sends. Operation names, arguments and input shapes are those
 * of wandb-core ({@code core/api/graphql/*.graphql}) and the Python client ({@code
 * wandb/sdk/artifacts/_generated/operations.py}) as summarised in WANDB-FORMAT.md §7; W&amp;B's
 * schema is not public, so field selections beyond what those documents show are marked.
 */
final class Gql {
  private Gql() {}

  /** The artifact fields every read selects (§7.4 step 1, plus {@code createdBy} for lineage). */
  static final String ARTIFACT_FRAGMENT =
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
          $displayName: String, $jobType: String, $host: String) {
        upsertBucket(input: {name: $name, modelName: $project, entityName: $entity,
            displayName: $displayName, jobType: $jobType, host: $host}) {
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

  static final String CREATE_ARTIFACT_MANIFEST =
      """
      mutation CreateArtifactManifest($input: CreateArtifactManifestInput!) {
        createArtifactManifest(input: $input) {
          artifactManifest { id file { id name uploadUrl uploadHeaders } }
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
                id name displayName storagePath uploadUrl uploadHeaders
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
      query ArtifactFilesByManifestEntries($id: ID!, $storageLayout: String!, \
      $entries: [ArtifactManifestEntryInput!], $storageRegion: String) {
        artifact(id: $id) {
          filesByManifestEntries(storageLayout: $storageLayout, manifestVersion: "1", \
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

  static final String DELETE_SEQUENCE =
      """
      mutation DeleteArtifactSequence($input: DeleteArtifactSequenceInput!) {
        deleteArtifactSequence(input: $input) { artifactCollection { id } }
      }
      """;

  static final String DELETE_PORTFOLIO =
      """
      mutation DeleteArtifactPortfolio($input: DeleteArtifactPortfolioInput!) {
        deleteArtifactPortfolio(input: $input) { artifactCollection { id } }
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
  static final String RUN_ARTIFACTS =
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
}
