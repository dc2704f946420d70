package dev.artifacts.common.registry;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * A registry's permission for engine tasks in <em>any</em> process to store the bodies of one
 * write, created on the committing side by {@link ArtifactRegistry#beginUpload} and shipped to the
 * tasks (it is serializable and holds no credentials: each process reopens the registry from its
 * URI and its own environment).
 *
 * <p>Tasks open {@link ArtifactRegistry#taskUploads} with it, write bodies, and report the entries
 * {@link TaskUploads#finish()} returns; the committing side adds them with {@link
 * ArtifactDraft#addStoredEntry} to a draft it marked with {@link ArtifactDraft#uploadSession}.
 *
 * <p>For the embedded filesystem registry the session is empty: tasks write straight into the
 * content store. For the W&amp;B backend it names the pending artifact the driver created, so tasks
 * request upload URLs against it and upload their own files (WANDB-FORMAT.md §7.3).
 *
 * @param collection {@code entity/project/name} the bodies are for (messages, checks)
 * @param type artifact type of the write
 * @param state registry-specific values (e.g. W&amp;B artifact and manifest IDs); opaque to engines
 */
public record UploadSession(String collection, String type, Map<String, String> state)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public UploadSession {
    Objects.requireNonNull(collection, "collection is null");
    Objects.requireNonNull(type, "type is null");
    state = state == null ? Map.of() : Map.copyOf(state);
  }

  /** A value of {@link #state()}, or null. */
  public String get(String key) {
    return state.get(key);
  }
}
