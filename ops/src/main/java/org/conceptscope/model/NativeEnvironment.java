package org.conceptscope.model;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The process environment as native libraries read it. Java cannot change its own environment
 * ({@link System#getenv()} is a copy taken at start), but native libraries read variables through
 * the C library, often once when they load; ConceptScope sets the few it needs through the C
 * library (with JNA, which DJL already brings) before the library that reads them loads, and never
 * overrides a value the user set.
 */
public final class NativeEnvironment {

	private NativeEnvironment() {}

	/**
	 * A variable as the C library sees it now (what this process set included), or Java's copy of the
	 * environment when the C library cannot be reached; null when unset.
	 */
	public static String get(String name) {
		try {
			jnaFolder();
			return Platform.isWindows() ? MsvcRt.INSTANCE.getenv(name) : LibC.INSTANCE.getenv(name);
		} catch (LinkageError | RuntimeException e) {
			return System.getenv(name);
		}
	}

	/**
	 * Sets a variable unless it is set already to something other than blanks (the user's value wins).
	 *
	 * @return the value in effect afterwards (the user's or {@code value}), or null when it was unset and could
	 *         not be set (no JNA or no C library: the library then does what it does without it)
	 */
	public static synchronized String setUnlessSet(String name, String value) {
		String current = get(name);
		if (current != null && !current.isBlank()) return current;
		try {
			jnaFolder();
			int rc = Platform.isWindows() ? MsvcRt.INSTANCE._putenv_s(name, value) : LibC.INSTANCE.setenv(name, value, 1);
			return rc == 0 ? value : null;
		} catch (LinkageError | RuntimeException e) {
			return null;
		}
	}

	/** Removes a variable from the process environment (what later readers of it see); false when it could not. */
	public static synchronized boolean unset(String name) {
		try {
			jnaFolder();
			return (Platform.isWindows() ? MsvcRt.INSTANCE._putenv_s(name, "") : LibC.INSTANCE.unsetenv(name)) == 0;
		} catch (LinkageError | RuntimeException e) {
			return false;
		}
	}

	/** JNA unpacks its own native part into ConceptScope's cache folder, not the system's temporary folder (unless told otherwise). */
	private static void jnaFolder() {
		if (System.getProperty("jna.tmpdir") == null) System.setProperty("jna.tmpdir", TensorFlowEngine.cacheDir().resolve("jna").toString());
	}

	private interface LibC extends Library {
		LibC INSTANCE = Native.load(Platform.C_LIBRARY_NAME, LibC.class);

		int setenv(String name, String value, int overwrite);

		int unsetenv(String name);

		String getenv(String name);
	}

	private interface MsvcRt extends Library {
		MsvcRt INSTANCE = Native.load("msvcrt", MsvcRt.class);

		int _putenv_s(String name, String value);

		String getenv(String name);
	}
}
