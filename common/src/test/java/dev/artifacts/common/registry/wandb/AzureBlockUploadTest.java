package dev.artifacts.common.registry.wandb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.common.testing.FakeAzureBlobStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Uploads to Azure-backed deployments against a strict fake of the block-blob API. */
class AzureBlockUploadTest {
  @TempDir Path tmp;
  private FakeAzureBlobStorage azure;
  private WandbClient client;

  @BeforeEach
  void start() throws IOException {
    azure = new FakeAzureBlobStorage();
    WandbSettings s =
        new WandbSettings(
            "https://api.wandb.ai", new WandbSettings.ApiKey("azure-test-key"), tmp.resolve("c"));
    s.sleeper = d -> {};
    s.maxRetries = 1;
    s.azureSinglePutMax = 1000;
    s.azureBlockSize = 256;
    client = new WandbClient(s);
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    azure.close();
    assertThat(azure.authViolations).isEmpty();
  }

  private Path file(int size, long seed) throws IOException {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    Path p = tmp.resolve("f" + size + "-" + seed);
    Files.write(p, b);
    return p;
  }

  private static List<String> headers(Path f) throws IOException {
    return List.of(
        "x-ms-blob-type:BlockBlob",
        "Content-MD5:" + FakeAzureBlobStorage.md5(Files.readAllBytes(f)),
        "Content-Type:application/octet-stream",
        "x-ms-meta-wandb:artifact");
  }

  @Test
  void smallFilesGoInOnePutBlobWithTheServersHeaders() throws IOException {
    Path f = file(1000, 1);
    String etag = client.put(azure.sasUrl("small"), headers(f), f, 0, 1000, "'small'");
    assertThat(etag).startsWith("\"0x8D");
    assertThat(azure.requests).containsExactly("PUT /wandb/small");
    assertThat(azure.blob("small").bytes()).isEqualTo(Files.readAllBytes(f));
    assertThat(azure.blob("small").contentMd5())
        .isEqualTo(FakeAzureBlobStorage.md5(Files.readAllBytes(f)));
  }

  @Test
  void largeFilesGoInBlocksCommittedInOrderWithTheBlobsProperties() throws IOException {
    azure.maxPutBlobBytes = 1000; // a single PUT of this file would be refused
    azure.maxBlockBytes = 256;
    Path f = file(1001, 2);
    client.put(azure.sasUrl("large"), headers(f), f, 0, 1001, "'large'");

    // Blocks may arrive in any order (up to four at once); the block list comes last.
    assertThat(azure.requests)
        .containsExactly(
            "PUT /wandb/large?comp=block",
            "PUT /wandb/large?comp=block",
            "PUT /wandb/large?comp=block",
            "PUT /wandb/large?comp=block",
            "PUT /wandb/large?comp=blocklist");
    FakeAzureBlobStorage.Blob blob = azure.blob("large");
    assertThat(blob.bytes()).isEqualTo(Files.readAllBytes(f));
    assertThat(blob.contentMd5()).isEqualTo(FakeAzureBlobStorage.md5(Files.readAllBytes(f)));
    assertThat(blob.contentType()).isEqualTo("application/octet-stream");
    assertThat(blob.blockIds()).hasSize(4).doesNotHaveDuplicates();
    assertThat(blob.blockIds().stream().map(id -> Base64.getDecoder().decode(id).length).distinct())
        .hasSize(1);
    assertThat(azure.rejections).isEmpty();
  }

  @Test
  void aSliceOfAFileUploadsOnlyThatSlice() throws IOException {
    Path f = file(3000, 3);
    client.put(azure.sasUrl("slice"), List.of("x-ms-blob-type:BlockBlob"), f, 500, 2000, "slice");
    byte[] all = Files.readAllBytes(f);
    assertThat(azure.blob("slice").bytes()).isEqualTo(java.util.Arrays.copyOfRange(all, 500, 2500));
  }

  @Test
  void blockSizeGrowsToStayWithinFiftyThousandBlocks() {
    long fourMiB = 4L << 20;
    assertThat(AzureBlockUpload.blockSize(fourMiB, 100L << 20)).isEqualTo(fourMiB);
    long huge = 50_000L * fourMiB + 1;
    long size = AzureBlockUpload.blockSize(fourMiB, huge);
    assertThat((huge + size - 1) / size).isLessThanOrEqualTo(50_000);
  }

  @Test
  void uploadsWithoutTheAzureHeaderArePlainPuts() {
    assertThat(AzureBlockUpload.isAzure(List.of("Content-MD5:x"))).isFalse();
    assertThat(AzureBlockUpload.isAzure(List.of("X-MS-Blob-Type: BlockBlob"))).isTrue();
  }

  /** The fake must refuse what Azure refuses, or the tests above prove nothing. */
  @Test
  void theFakeIsStrict() throws IOException {
    okhttp3.OkHttpClient raw = new okhttp3.OkHttpClient();
    MediaType bin = MediaType.get("application/octet-stream");
    String url = azure.sasUrl("strict");
    String[][] cases = {
      // url suffix, header name, header value, expected status
      {"", null, null, "400"}, // Put Blob without x-ms-blob-type
      {"", "Authorization", "Bearer x", "403"},
      {"&comp=block&blockid=not*base64", null, null, "400"},
      {"&comp=block&blockid=" + b64("a".repeat(65)), null, null, "400"},
    };
    for (String[] c : cases) {
      Request.Builder b =
          new Request.Builder().url(url + c[0]).put(RequestBody.create(new byte[3], bin));
      if (c[1] != null) {
        b.header(c[1], c[2]);
      }
      try (Response r = raw.newCall(b.build()).execute()) {
        assertThat(r.code()).as(c[0] + " " + c[1]).isEqualTo(Integer.parseInt(c[3]));
      }
    }
    assertThat(azure.authViolations).hasSize(1);
    azure.authViolations.clear();
    // Mixed block-ID lengths and unknown blocks in the list.
    try (Response r = put(raw, url + "&comp=block&blockid=" + b64("aaaa"))) {
      assertThat(r.code()).isEqualTo(201);
    }
    try (Response r = put(raw, url + "&comp=block&blockid=" + b64("bbbbb"))) {
      assertThat(r.code()).isEqualTo(400);
    }
    Request list =
        new Request.Builder()
            .url(url + "&comp=blocklist")
            .put(
                RequestBody.create(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>"
                        + b64("zzzz")
                        + "</Latest></BlockList>",
                    MediaType.get("application/xml")))
            .build();
    try (Response r = raw.newCall(list).execute()) {
      assertThat(r.code()).isEqualTo(400);
      assertThat(r.header("x-ms-error-code")).isEqualTo("InvalidBlockList");
    }
    // Without a SAS signature.
    Request unsigned =
        new Request.Builder()
            .url(url.substring(0, url.indexOf('?')))
            .put(RequestBody.create(new byte[1], bin))
            .header("x-ms-blob-type", "BlockBlob")
            .build();
    try (Response r = raw.newCall(unsigned).execute()) {
      assertThat(r.code()).isEqualTo(403);
    }
    raw.connectionPool().evictAll();
  }

  @Test
  void aRefusedBlockFailsTheUploadNamingTheFile() throws IOException {
    azure.maxBlockBytes = 100; // smaller than our blocks: Azure answers 413
    Path f = file(1500, 4);
    assertThatThrownBy(
            () -> client.put(azure.sasUrl("refused"), headers(f), f, 0, 1500, "'refused.bin'"))
        .hasMessageContaining("'refused.bin'")
        .hasMessageContaining("HTTP 413")
        .hasMessageContaining("RequestBodyTooLarge")
        .hasMessageNotContaining("sig=");
    assertThat(azure.blob("refused")).isNull();
  }

  private static Response put(okhttp3.OkHttpClient raw, String url) throws IOException {
    return raw.newCall(
            new Request.Builder()
                .url(url)
                .put(RequestBody.create("abc".getBytes(UTF_8), MediaType.get("text/plain")))
                .build())
        .execute();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(UTF_8));
  }
}
