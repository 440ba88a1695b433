package org.conceptscope.spark;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code key=value} arguments of the launcher's jobs, each checked with a sentence naming the key. */
final class Keys {

	private final Map<String, String> values;

	private Keys(Map<String, String> values) {
		this.values = values;
	}

	/** The arguments, refusing a key not in {@code known}; a key without {@code =} has the empty value. */
	static Keys parse(String[] args, List<String> known) {
		Map<String, String> v = new LinkedHashMap<>();
		for (String a : args) {
			int eq = a.indexOf('=');
			String key = (eq < 0 ? a : a.substring(0, eq)).trim().toLowerCase(java.util.Locale.ROOT); // as the batch runner reads keys
			if (!known.contains(key)) {
				throw new IllegalArgumentException("Unknown key '" + key + "': the keys are " + String.join(", ", known) + ".");
			}
			v.put(key, eq < 0 ? "" : a.substring(eq + 1));
		}
		return new Keys(v);
	}

	boolean has(String key) {
		return values.containsKey(key);
	}

	String get(String key, String otherwise) {
		return values.getOrDefault(key, otherwise);
	}

	/** A path, or null when the key is missing or empty. */
	Path path(String key) {
		String p = values.get(key);
		return p == null || p.isBlank() ? null : Path.of(p);
	}

	long number(String key) {
		try {
			return Long.parseLong(values.get(key).trim());
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException(key + "=" + values.get(key) + " is not a whole number.");
		}
	}

	/** A whole number of at least {@code least}, or {@code otherwise} when the key is missing. */
	int integer(String key, int otherwise, int least) {
		if (!values.containsKey(key)) return otherwise;
		long n = number(key);
		if (n < least || n > Integer.MAX_VALUE) throw new IllegalArgumentException(key + " must be at least " + least + ", got " + values.get(key) + ".");
		return (int) n;
	}

	/** The Spark master: the key, else what spark-submit sets, else every core of this machine. */
	String master() {
		return get(SparkBatch.MASTER, System.getProperty("spark.master", SparkBatch.DEFAULT_MASTER));
	}
}
