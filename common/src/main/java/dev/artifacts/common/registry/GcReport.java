package dev.artifacts.common.registry;

/**
 * What a garbage collection removed (or, in a dry run, would remove).
 *
 * @param stagingRemoved staging directories of abandoned operations
 * @param objectsRemoved bodies no version references
 * @param bytesFreed bytes of the removed objects and staging files
 * @param objectsKept referenced bodies, or unreferenced ones still inside the grace period
 */
public record GcReport(
    long stagingRemoved, long objectsRemoved, long bytesFreed, long objectsKept) {}
