package org.conceptscope.registry;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Typed parameter values by key, every declared key present (defaults where nothing was given). */
public final class Values {

	private final Parameters parameters;
	private final Map<String, Object> values;

	Values(Parameters parameters, Map<String, Object> values) {
		this.parameters = parameters;
		this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
	}

	public Parameters parameters() {
		return parameters;
	}

	public Map<String, Object> asMap() {
		return values;
	}

	/** The value of a declared key (null for an unset path). */
	public Object get(String key) {
		if (!values.containsKey(key)) parameters.get(key); // fails naming the keys
		return values.get(key);
	}

	/** A copy with one value replaced. */
	public Values with(String key, Object value) {
		parameters.get(key);
		Map<String, Object> copy = new LinkedHashMap<>(values);
		copy.put(key, value);
		return new Values(parameters, copy);
	}

	public int integer(String key) {
		return ((Number) get(key)).intValue();
	}

	public long longValue(String key) {
		return ((Number) get(key)).longValue();
	}

	public double number(String key) {
		return ((Number) get(key)).doubleValue();
	}

	public boolean flag(String key) {
		return Boolean.TRUE.equals(get(key));
	}

	public String text(String key) {
		Object v = get(key);
		return v == null ? "" : v.toString();
	}

	public Path path(String key) {
		return (Path) get(key);
	}

	/** The integer when it is positive, else {@code fallback} (the "0: the method's own default" convention). */
	public int positiveOr(String key, int fallback) {
		int v = integer(key);
		return v > 0 ? v : fallback;
	}

	@Override
	public String toString() {
		return values.toString();
	}
}
