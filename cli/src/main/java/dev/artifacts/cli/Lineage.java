package dev.artifacts.cli;

import dev.artifacts.common.registry.ArtifactRegistry;
import dev.artifacts.common.registry.ArtifactVersion;
import dev.artifacts.common.registry.RunInfo;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lineage graph around one version: walks upstream (the run that logged it, the versions that
 * run used, who logged those, ...) and downstream (runs that used it, what they logged, ...),
 * bounded in depth so a busy registry cannot make the command run forever.
 */
final class Lineage {
  /** An edge: a run used a version, or a run logged a version. */
  record Edge(String version, String run, boolean used) {}

  private final Map<String, ArtifactVersion> versions = new LinkedHashMap<>();
  private final Map<String, RunInfo> runs = new LinkedHashMap<>();
  private final Set<Edge> edges = new LinkedHashSet<>();
  private final String root;

  private Lineage(String root) {
    this.root = root;
  }

  static Lineage of(ArtifactRegistry registry, ArtifactVersion start, int maxDepth) {
    Lineage g = new Lineage(key(start));
    g.versions.put(key(start), start);
    record Step(ArtifactVersion version, int depth, boolean upstream) {}
    Deque<Step> queue = new ArrayDeque<>();
    queue.add(new Step(start, 0, true));
    queue.add(new Step(start, 0, false));
    Set<String> seen = new LinkedHashSet<>();
    while (!queue.isEmpty()) {
      Step s = queue.poll();
      if (s.depth() >= maxDepth || !seen.add(key(s.version()) + s.upstream())) {
        continue;
      }
      ArtifactVersion v = s.version();
      if (s.upstream()) {
        registry
            .loggedBy(v)
            .ifPresent(
                run -> {
                  g.runs.putIfAbsent(run.id(), run);
                  g.edges.add(new Edge(key(v), run.id(), false));
                  for (ArtifactVersion in : registry.inputsOf(v.entity(), v.project(), run.id())) {
                    g.versions.putIfAbsent(key(in), in);
                    g.edges.add(new Edge(key(in), run.id(), true));
                    queue.add(new Step(in, s.depth() + 1, true));
                  }
                });
      } else {
        for (RunInfo run : registry.usedBy(v)) {
          g.runs.putIfAbsent(run.id(), run);
          g.edges.add(new Edge(key(v), run.id(), true));
          for (ArtifactVersion out : registry.outputsOf(v.entity(), v.project(), run.id())) {
            g.versions.putIfAbsent(key(out), out);
            g.edges.add(new Edge(key(out), run.id(), false));
            queue.add(new Step(out, s.depth() + 1, false));
          }
        }
      }
    }
    return g;
  }

  private static String key(ArtifactVersion v) {
    return v.path().toString();
  }

  List<Edge> edges() {
    return List.copyOf(edges);
  }

  String text() {
    StringBuilder sb = new StringBuilder();
    sb.append(root).append('\n');
    if (edges.isEmpty()) {
      sb.append("  (no lineage recorded)\n");
      return sb.toString();
    }
    for (Edge e : edges) {
      RunInfo run = runs.get(e.run());
      String runText = "run " + run.id() + " (" + run.jobType() + ": " + run.name() + ")";
      if (e.used()) {
        sb.append("  ").append(e.version()).append("  --used by-->  ").append(runText);
      } else {
        sb.append("  ").append(runText).append("  --logged-->  ").append(e.version());
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  String dot() {
    StringBuilder sb = new StringBuilder("digraph lineage {\n  rankdir=LR;\n");
    for (String v : versions.keySet()) {
      sb.append("  ")
          .append(quote(v))
          .append(" [shape=box")
          .append(v.equals(root) ? ", style=bold" : "")
          .append("];\n");
    }
    for (RunInfo r : runs.values()) {
      sb.append("  ")
          .append(quote("run:" + r.id()))
          .append(" [shape=ellipse, label=")
          .append(quote(r.name() + "\\n" + r.jobType() + " " + r.id()))
          .append("];\n");
    }
    for (Edge e : edges) {
      String run = quote("run:" + e.run());
      String version = quote(e.version());
      sb.append("  ")
          .append(e.used() ? version + " -> " + run : run + " -> " + version)
          .append(";\n");
    }
    return sb.append("}\n").toString();
  }

  String mermaid() {
    StringBuilder sb = new StringBuilder("graph LR\n");
    Map<String, String> ids = new LinkedHashMap<>();
    for (String v : versions.keySet()) {
      String id = "v" + ids.size();
      ids.put(v, id);
      sb.append("  ").append(id).append("[\"").append(escapeMermaid(v)).append("\"]\n");
    }
    for (RunInfo r : runs.values()) {
      String id = "r" + ids.size();
      ids.put("run:" + r.id(), id);
      sb.append("  ")
          .append(id)
          .append("([\"")
          .append(escapeMermaid(r.name() + " (" + r.jobType() + ")"))
          .append("\"])\n");
    }
    for (Edge e : edges) {
      String v = ids.get(e.version());
      String r = ids.get("run:" + e.run());
      sb.append("  ").append(e.used() ? v + " --> " + r : r + " --> " + v).append('\n');
    }
    return sb.toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\\\\n", "\\n") + "\"";
  }

  private static String escapeMermaid(String s) {
    return s.replace("\"", "#quot;");
  }
}
