package dev.tokenservices.orchestrator.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A native image can read back every record it stores: what a registered record holds is registered too. */
class NativeReflectionTest {

    @Test
    void everyRecordInsideARegisteredRecordIsRegistered() {
        Set<Class<?>> registered = Set.of(NativeReflection.class.getAnnotation(RegisterForReflection.class).targets());
        List<String> missing = new ArrayList<>();
        for (Class<?> type : registered) {
            if (!type.isRecord()) {
                continue;
            }
            for (RecordComponent component : type.getRecordComponents()) {
                for (Class<?> held : classesIn(component.getGenericType())) {
                    if (held.getName().startsWith("dev.tokenservices.") && !registered.contains(held)) {
                        missing.add(type.getSimpleName() + "." + component.getName() + " holds " + held.getName());
                    }
                }
            }
        }
        assertTrue(missing.isEmpty(), "not registered for reflection: " + missing);
    }

    private static List<Class<?>> classesIn(Type type) {
        List<Class<?>> classes = new ArrayList<>();
        if (type instanceof Class<?> c) {
            classes.add(c);
        } else if (type instanceof ParameterizedType p) {
            classes.addAll(classesIn(p.getRawType()));
            for (Type argument : p.getActualTypeArguments()) {
                classes.addAll(classesIn(argument));
            }
        }
        return classes;
    }
}
