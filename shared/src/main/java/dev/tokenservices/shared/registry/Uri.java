package dev.tokenservices.shared.registry;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;
import org.hibernate.validator.constraintvalidation.HibernateConstraintValidatorContext;

/**
 * An absolute URI without a fragment; with {@link #web()} an http or https URL; with {@link #issuer()}
 * an https URL, plain http only on the loopback interface, possibly templated with
 * {@value IssuerPolicy#TENANT} in its path. Null is valid (required is said apart).
 */
@Target({FIELD, METHOD, PARAMETER, TYPE_USE})
@Retention(RUNTIME)
@Constraint(validatedBy = Uri.Validator.class)
public @interface Uri {

    /** When the value is not an absolute URI or has a fragment; {@code {value}} is the value. */
    String message() default "'{value}' must be an absolute URI without a fragment";

    boolean web() default false;

    boolean issuer() default false;

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Checks {@link Uri}; the messages name the value through a parameter, never as a template. */
    class Validator implements ConstraintValidator<Uri, String> {

        private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

        private Uri constraint;

        @Override
        public void initialize(Uri constraint) {
            this.constraint = constraint;
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            if (value == null) {
                return true;
            }
            String problem = problem(value);
            if (problem == null) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            context.unwrap(HibernateConstraintValidatorContext.class).addMessageParameter("value", value)
                    .buildConstraintViolationWithTemplate(problem).addConstraintViolation();
            return false;
        }

        private String problem(String value) {
            URI uri;
            try {
                // a templated issuer (IssuerPolicy) is checked as the URL of any of its tenants
                uri = new URI(constraint.issuer() ? value.replace(IssuerPolicy.TENANT, "tenant") : value);
            } catch (URISyntaxException e) {
                return "'{value}' is not a valid URI";
            }
            if (!uri.isAbsolute() || uri.getRawFragment() != null) {
                return constraint.message();
            }
            boolean http = "http".equals(uri.getScheme());
            if (constraint.web() && !http && !"https".equals(uri.getScheme())) {
                return "'{value}' must be an http or https URL";
            }
            if (constraint.issuer() && !"https".equals(uri.getScheme()) && !(http && LOOPBACK.contains(uri.getHost()))) {
                return "'{value}' must be an https URL (plain http only on localhost)";
            }
            return null;
        }
    }
}
