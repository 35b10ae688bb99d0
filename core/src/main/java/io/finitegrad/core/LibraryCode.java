package io.finitegrad.core;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a package, and the packages below it, as finitegrad library code, so that reports name the
 * user's line that called into the library rather than a line inside it. Only classes that come
 * from the same code source (jar or classes directory) as the marked {@code package-info} count:
 * tests compiled into the same package, examples and benchmarks are user code.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PACKAGE)
public @interface LibraryCode {
}
