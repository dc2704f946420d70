package dev.artifacts.spark.log;

import java.io.Serializable;

/** A file found under the source, with its length for balancing the hashing tasks. */
record ListedFile(String path, long size) implements Serializable {}
