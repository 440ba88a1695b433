package org.conceptscope.model;

/**
 * TensorFlow's own (C++) log, quiet unless asked for. TensorFlow reads the environment variable
 * {@code TF_CPP_MIN_LOG_LEVEL} (0 everything, 1 warnings and errors, 2 errors, 3 nothing) once, at
 * its first log line, so it is set before the natives load, through {@link NativeEnvironment}.
 * Errors that matter come back to ConceptScope as exceptions with their own sentence, so the
 * default is 2.
 * <p>
 * To see the log: set {@code TF_CPP_MIN_LOG_LEVEL} yourself (it is never overridden), or start
 * Java with {@code -Dconceptscope.tensorflow.log=true} (everything) or {@code =1} (a level).
 */
public final class NativeLog {

	public static final String VARIABLE = "TF_CPP_MIN_LOG_LEVEL", PROPERTY = "conceptscope.tensorflow.log", QUIET = "2";

	private static String level;

	private NativeLog() {}

	/** The level TensorFlow gets: the user's variable, else {@link #PROPERTY}'s, else {@link #QUIET}. */
	static String wanted(String variable, String property) {
		if (variable != null && !variable.isBlank()) return variable.strip();
		if (property == null || property.isBlank() || property.equalsIgnoreCase("false")) return QUIET;
		if (property.equalsIgnoreCase("true")) return "0";
		String p = property.strip();
		return p.matches("[0-3]") ? p : QUIET;
	}

	/**
	 * Sets TensorFlow's log level before its natives load (once per JVM; later calls return it).
	 *
	 * @return the level in effect, or null when it could not be set (the log is then TensorFlow's default)
	 */
	public static synchronized String quietTensorFlow() {
		if (level != null) return level;
		String v = NativeEnvironment.get(VARIABLE);
		String want = wanted(v, System.getProperty(PROPERTY));
		if (v != null && !v.isBlank()) return level = want;
		// null: no JNA or no C library; TensorFlow logs as it would anyway, nothing else depends on it
		return NativeEnvironment.setUnlessSet(VARIABLE, want) == null ? null : (level = want);
	}
}
