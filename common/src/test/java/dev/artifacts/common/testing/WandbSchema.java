package dev.artifacts.common.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import graphql.GraphQL;
import graphql.language.IntValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.CoercingSerializeException;
import graphql.schema.DataFetcher;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLScalarType;
import graphql.schema.GraphQLSchema;
import graphql.schema.TypeResolver;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The GraphQL schema W&amp;B's SDK implies ({@code /wandb/schema.graphqls}, see its header for the
 * SDK files and commit it was derived from), executable: {@link FakeWandbServer} serves every
 * request through {@link #GRAPHQL}, and {@code WandbGraphqlDocumentsTest} validates the client's
 * documents against {@link #SCHEMA}.
 *
 * <p>Scalars are as strict as their meaning: {@code JSONString} must be a string holding JSON,
 * {@code Int64} an integral number, {@code DateTime} a string.
 */
public final class WandbSchema {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The SDL text. */
  public static final String SDL = read();

  public static final GraphQLSchema SCHEMA = build();

  /**
   * Executes against {@link #SCHEMA}. Root fields call the {@code FakeWandbServer.Request} passed
   * as the execution root; other fields read the maps the fake returns.
   */
  public static final GraphQL GRAPHQL = GraphQL.newGraphQL(SCHEMA).build();

  private WandbSchema() {}

  private static String read() {
    try (InputStream in = WandbSchema.class.getResourceAsStream("/wandb/schema.graphqls")) {
      if (in == null) {
        throw new IllegalStateException("/wandb/schema.graphqls is not on the test classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static GraphQLSchema build() {
    TypeDefinitionRegistry types = new SchemaParser().parse(SDL);
    DataFetcher<Object> query =
        env -> ((FakeWandbServer.Request) env.getRoot()).query(env.getField().getName());
    DataFetcher<Object> mutation =
        env ->
            ((FakeWandbServer.Request) env.getRoot())
                .mutation(env.getField().getName(), env.getArguments());
    TypeResolver byTypename =
        env -> {
          Object typename = env.getObject() instanceof Map<?, ?> m ? m.get("__typename") : null;
          if (typename == null) {
            throw new IllegalStateException(
                "the fake answered an abstract type without __typename: " + env.getObject());
          }
          return (GraphQLObjectType) env.getSchema().getType(typename.toString());
        };
    RuntimeWiring wiring =
        RuntimeWiring.newRuntimeWiring()
            .scalar(jsonString())
            .scalar(int64())
            .scalar(dateTime())
            .type("Query", b -> b.defaultDataFetcher(query))
            .type("Mutation", b -> b.defaultDataFetcher(mutation))
            .type("ArtifactCollection", b -> b.typeResolver(byTypename))
            .type("ArtifactCreator", b -> b.typeResolver(byTypename))
            .build();
    return new SchemaGenerator().makeExecutableSchema(types, wiring);
  }

  private static GraphQLScalarType jsonString() {
    return GraphQLScalarType.newScalar()
        .name("JSONString")
        .coercing(
            new Coercing<String, String>() {
              @Override
              public String serialize(Object value) {
                if (!(value instanceof String s)) {
                  throw new CoercingSerializeException("JSONString must be a string: " + value);
                }
                return s;
              }

              @Override
              public String parseValue(Object input) {
                if (!(input instanceof String s)) {
                  throw new CoercingParseValueException(
                      "JSONString must be a string holding JSON, not " + input);
                }
                try {
                  JSON.readTree(s);
                } catch (IOException e) {
                  throw new CoercingParseValueException("JSONString is not JSON: " + s);
                }
                return s;
              }

              @Override
              public String parseLiteral(Object input) {
                if (!(input instanceof StringValue sv)) {
                  throw new CoercingParseLiteralException("JSONString must be a string literal");
                }
                return parseValue(sv.getValue());
              }
            })
        .build();
  }

  private static GraphQLScalarType int64() {
    return GraphQLScalarType.newScalar()
        .name("Int64")
        .coercing(
            new Coercing<Long, Long>() {
              @Override
              public Long serialize(Object value) {
                if (value instanceof Integer || value instanceof Long) {
                  return ((Number) value).longValue();
                }
                throw new CoercingSerializeException("Int64 must be integral: " + value);
              }

              @Override
              public Long parseValue(Object input) {
                if (input instanceof Integer || input instanceof Long) {
                  return ((Number) input).longValue();
                }
                if (input instanceof BigInteger b && b.bitLength() < 64) {
                  return b.longValue();
                }
                throw new CoercingParseValueException("Int64 must be an integer, not " + input);
              }

              @Override
              public Long parseLiteral(Object input) {
                if (!(input instanceof IntValue iv)) {
                  throw new CoercingParseLiteralException("Int64 must be an integer literal");
                }
                return parseValue(iv.getValue());
              }

              @Override
              public Value<?> valueToLiteral(Object input) {
                return IntValue.of(((Number) input).intValue());
              }
            })
        .build();
  }

  private static GraphQLScalarType dateTime() {
    return GraphQLScalarType.newScalar()
        .name("DateTime")
        .coercing(
            new Coercing<String, String>() {
              @Override
              public String serialize(Object value) {
                if (!(value instanceof String s)) {
                  throw new CoercingSerializeException("DateTime must be a string: " + value);
                }
                return s;
              }

              @Override
              public String parseValue(Object input) {
                return serialize(input);
              }

              @Override
              public String parseLiteral(Object input) {
                if (!(input instanceof StringValue sv)) {
                  throw new CoercingParseLiteralException("DateTime must be a string literal");
                }
                return sv.getValue();
              }
            })
        .build();
  }
}
