package org.conceptscope.model;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * TensorFlow's own (C++) log, quiet unless asked for. TensorFlow reads the environment variable
 * {@code TF_CPP_MIN_LOG_LEVEL} (0 everything, 1 warnings and errors, 2 errors, 3 nothing) once, at
 * its first log line; Java cannot change its own environment, so before the natives load it is
 * set through the C library (with JNA, which DJL already brings). Errors that matter come back to
 * ConceptScope as exceptions with their own sentence, so the default is 2.
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
		String v = System.getenv(VARIABLE);
		String want = wanted(v, System.getProperty(PROPERTY));
		if (v != null && !v.isBlank()) return level = want;
		try {
			if (System.getProperty("jna.tmpdir") == null) {
				System.setProperty("jna.tmpdir", TensorFlowEngine.cacheDir().resolve("jna").toString());
			}
			if (Platform.isWindows()) {
				MsvcRt.INSTANCE._putenv_s(VARIABLE, want);
			} else {
				LibC.INSTANCE.setenv(VARIABLE, want, 1);
			}
			return level = want;
		} catch (LinkageError | RuntimeException e) {
			// no JNA or no C library: TensorFlow logs as it would anyway; nothing else depends on it
			return null;
		}
	}

	private interface LibC extends Library {
		LibC INSTANCE = Native.load(Platform.C_LIBRARY_NAME, LibC.class);

		int setenv(String name, String value, int overwrite);
	}

	private interface MsvcRt extends Library {
		MsvcRt INSTANCE = Native.load("msvcrt", MsvcRt.class);

		int _putenv_s(String name, String value);
	}
}
