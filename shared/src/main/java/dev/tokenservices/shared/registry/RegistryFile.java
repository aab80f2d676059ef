package dev.tokenservices.shared.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tokenservices.shared.config.ExampleSecrets;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads and validates the registry file: Jackson binds the YAML into {@link RegistryDocument}, Bean
 * Validation checks its fields, {@link RegistryRules} the rules between fields and entries. {@code ${NAME}}
 * in a value is replaced by the environment variable NAME while binding, so comments are never
 * interpreted. Every mistake is a {@link RegistryException} naming the file, the entry and the field.
 *
 * <p>Each service names the secret-bearing fields it reads ({@link SecretField}): only those are
 * substituted, checked and held; the others stay unresolved and absent from the entries (a client's
 * {@code secretHash}, an upstream IdP's {@code clientSecret} is then null), so a service never needs,
 * nor holds, another service's secrets.
 */
public final class RegistryFile {

    /** Client secrets shorter than this are refused: they must not be guessable. */
    public static final int MIN_SECRET_LENGTH = 32;

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    /** The fields whose ${NAME} only a service that reads them resolves ({@link SecretField}). */
    private static final Pattern SECRET_FIELD = Pattern.compile("(clients|upstream_idps)\\[\\d+]\\.client_secret|upstream_idps\\[\\d+]\\.client_secret_jwt_key");
    /** A Bean Validation property path: section, entry index, then the field (with list indexes and elements). */
    private static final Pattern VIOLATION_PATH = Pattern.compile("(\\w+)\\[(\\d+)]\\.?(.*)");
    private static final Set<String> SECTIONS = Set.of("clients", "resources", "trusted_issuers", "upstream_idps");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.READ_ENUMS_USING_TO_STRING)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .registerModule(new SimpleModule().addDeserializer(String.class, new SubstitutedString()));

    static {
        YAML.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        YAML.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }

    private final String file;
    private final Set<SecretField> reads;
    private final ExampleSecrets examples;
    private final Function<String, String> environment;
    private final Validator validator;
    private final Consumer<String> warnings;

    private RegistryFile(String file, Set<SecretField> reads, ExampleSecrets examples, Function<String, String> environment,
            Validator validator, Consumer<String> warnings) {
        this.file = file;
        this.reads = reads.isEmpty() ? EnumSet.noneOf(SecretField.class) : EnumSet.copyOf(reads);
        this.examples = examples;
        this.environment = environment;
        this.validator = validator;
        this.warnings = warnings;
    }

    /**
     * Parses {@code yaml}, the content of {@code file}, for a service that reads the secret fields
     * {@code reads}, resolving variables through {@code environment}.
     *
     * @param examples whether secrets that are example values are refused (outside dev and test)
     * @param validator the service's Bean Validation validator
     */
    public static Registry parse(String file, String yaml, Set<SecretField> reads, ExampleSecrets examples,
            Function<String, String> environment, Validator validator, Consumer<String> warnings) {
        return new RegistryFile(file, reads, examples, environment, validator, warnings).read(yaml);
    }

    /** As above, with a validator of its own: for tests and tools outside a service. */
    public static Registry parse(String file, String yaml, Set<SecretField> reads, ExampleSecrets examples,
            Function<String, String> environment, Consumer<String> warnings) {
        return parse(file, yaml, reads, examples, environment, OwnValidator.INSTANCE, warnings);
    }

    /** Every field read, example secrets allowed: the whole file checked, as by tests and tools. */
    public static Registry parse(String file, String yaml, Function<String, String> environment, Consumer<String> warnings) {
        return parse(file, yaml, EnumSet.allOf(SecretField.class), ExampleSecrets.ALLOWED, environment, warnings);
    }

    /** The file's content, for {@link #parse}; a file that cannot be read is a {@link RegistryException}. */
    static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new RegistryException("registry file " + path + " cannot be read: " + e.getMessage(), e);
        }
    }

    private Registry read(String yaml) {
        JsonNode tree;
        try {
            tree = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new RegistryException(file + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return Registry.EMPTY;
        }
        if (!tree.isObject()) {
            throw new RegistryException(file + ": the top level must be a mapping with clients, resources, trusted_issuers, upstream_idps");
        }
        List<String> unknown = new ArrayList<>();
        RegistryDocument document;
        try {
            document = YAML.readerFor(RegistryDocument.class)
                    .withAttribute(RegistryFile.class, this)
                    .withHandler(new DeserializationProblemHandler() {
                        @Override
                        public boolean handleUnknownProperty(DeserializationContext context, JsonParser parser,
                                JsonDeserializer<?> deserializer, Object bean, String name) throws IOException {
                            unknown.add(path(parser.getParsingContext()));
                            parser.skipChildren();
                            return true;
                        }
                    })
                    .readValue(tree);
        } catch (JsonMappingException e) {
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                if (cause instanceof RegistryException ours) {
                    throw ours; // an unset variable
                }
            }
            throw wrongType(tree, e);
        } catch (IOException e) {
            throw new RegistryException(file + ": cannot be read: " + e.getMessage(), e);
        }
        unknown.forEach(field -> warnings.accept(unknownField(document, field)));
        Set<ConstraintViolation<RegistryDocument>> violations = validator.validate(document);
        if (!violations.isEmpty()) {
            throw new RegistryException(violations.stream().map(v -> violation(document, v))
                    .collect(Collectors.toCollection(TreeSet::new)).stream().collect(Collectors.joining("; ")));
        }
        return new RegistryRules(this).registry(document);
    }

    // ---- what the rules need

    Set<SecretField> reads() {
        return reads;
    }

    /** Example secrets (change-me…, …example…) are refused outside dev and test, naming entry and field. */
    void checkSecret(String entry, String field, String secret) {
        if (secret != null && examples.refuses(secret)) {
            throw error(entry, field, ExampleSecrets.PROBLEM);
        }
    }

    /** Replaces each ${NAME} in {@code value} of the field at {@code path} (e.g. {@code clients[0].client_secret}). */
    String resolve(String path, String value) {
        if (value == null) {
            return null;
        }
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement = environment.apply(name);
            if (replacement == null) {
                throw new RegistryException(file + ": " + path + " uses ${" + name
                        + "} but the environment variable " + name + " is not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    RegistryException error(String entry, String field, String problem) {
        return new RegistryException(file + ": " + entry + ": field '" + field + "' " + problem);
    }

    /** An entry as messages name it: its position, and its id when it has one, e.g. {@code clients[0] (reports-worker)}. */
    static String entry(String section, int index, String id) {
        return section + "[" + index + "]" + (id == null || id.isBlank() ? "" : " (" + id + ")");
    }

    // ---- messages

    /** The id of an entry of the bound file, as {@link #entry} shows it. */
    private static String idOf(RegistryDocument document, String section, int index) {
        List<? extends RegistryDocument.Entry> entries = document.section(section);
        return index < entries.size() && entries.get(index) != null ? entries.get(index).id() : null;
    }

    private String violation(RegistryDocument document, ConstraintViolation<?> violation) {
        Matcher m = VIOLATION_PATH.matcher(violation.getPropertyPath().toString());
        if (!m.matches()) {
            return file + ": " + violation.getPropertyPath() + " " + violation.getMessage();
        }
        String section = snakeCase(m.group(1));
        int index = Integer.parseInt(m.group(2));
        String field = Arrays.stream(m.group(3).replaceAll("\\[\\d*]|<[^>]*>", "").split("\\."))
                .filter(s -> !s.isEmpty()).map(RegistryFile::snakeCase).collect(Collectors.joining("."));
        String where = entry(section, index, idOf(document, section, index));
        return field.isEmpty() ? file + ": " + where + " " + violation.getMessage() : error(where, field, violation.getMessage()).getMessage();
    }

    /** A value of the wrong kind (a list for a single value, text for a number, an unknown enum value). */
    private RegistryException wrongType(JsonNode tree, JsonMappingException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        if (path.isEmpty() || path.get(0).getFieldName() == null) {
            return new RegistryException(file + ": " + e.getOriginalMessage(), e);
        }
        String section = path.get(0).getFieldName();
        String problem = expected(e);
        if (path.size() == 1) {
            return new RegistryException(file + ": '" + section + "' " + problem, e);
        }
        int index = path.get(1).getIndex();
        String where = entry(section, index, tree.path(section).path(index).path(idField(section)).asText(null));
        String field = path.stream().skip(2).map(JsonMappingException.Reference::getFieldName).filter(n -> n != null)
                .collect(Collectors.joining("."));
        return field.isEmpty() ? new RegistryException(file + ": " + where + " " + problem, e) : error(where, field, problem);
    }

    private static String expected(JsonMappingException e) {
        Class<?> type = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m ? m.getTargetType() : null;
        if (type != null && type.isEnum()) {
            Object value = e instanceof InvalidFormatException f ? f.getValue() : "";
            return "'" + value + "' is not one of " + Arrays.stream(type.getEnumConstants()).map(Object::toString)
                    .collect(Collectors.joining(", "));
        }
        if (type == String.class) {
            return "must be a single value, not a list or mapping";
        }
        if (type != null && Collection.class.isAssignableFrom(type)) {
            return "must be a list";
        }
        if (type == Long.class || type == long.class) {
            return "must be a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "must be true or false";
        }
        return "must be a mapping";
    }

    private static String idField(String section) {
        return switch (section) {
            case "clients" -> "client_id";
            case "resources" -> "resource";
            case "trusted_issuers" -> "issuer";
            default -> "id";
        };
    }

    private String unknownField(RegistryDocument document, String path) {
        Matcher m = VIOLATION_PATH.matcher(path);
        if (!m.matches() || !SECTIONS.contains(m.group(1))) {
            return file + ": unknown top-level key '" + path + "' is ignored";
        }
        int index = Integer.parseInt(m.group(2));
        return file + ": " + entry(m.group(1), index, idOf(document, m.group(1), index)) + ": field '"
                + m.group(3).replaceAll("\\[\\d+]", "") + "' is not used and is ignored";
    }

    private static String snakeCase(String name) {
        return ((PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE).translate(name);
    }

    /** Where the parser is, as messages name a field: {@code clients[0].redirect_uris[1]}. */
    private static String path(JsonStreamContext context) {
        StringBuilder out = new StringBuilder();
        JsonPointer pointer = JsonPointer.forPath(context, false);
        for (; pointer != null && !pointer.matches(); pointer = pointer.tail()) {
            if (pointer.mayMatchElement()) {
                out.append('[').append(pointer.getMatchingIndex()).append(']');
            } else {
                out.append(out.isEmpty() ? "" : ".").append(pointer.getMatchingProperty());
            }
        }
        return out.toString();
    }

    /**
     * Every string of the file with its ${NAME}s replaced, but for the secret fields: those are bound as
     * written, and {@link RegistryRules} resolves them only for a service that reads them.
     */
    private static final class SubstitutedString extends StdScalarDeserializer<String> {

        SubstitutedString() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String value = StringDeserializer.instance.deserialize(parser, context);
            RegistryFile registry = (RegistryFile) context.getAttribute(RegistryFile.class);
            String path = path(parser.getParsingContext());
            return registry == null || SECRET_FIELD.matcher(path).matches() ? value : registry.resolve(path, value);
        }
    }

    /** A validator for parsing outside a service (tests, tools); services pass their own. */
    private static final class OwnValidator {
        static final Validator INSTANCE = Validation.buildDefaultValidatorFactory().getValidator();
    }
}
