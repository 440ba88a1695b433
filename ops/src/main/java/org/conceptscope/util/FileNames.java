package org.conceptscope.util;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * File names Java cannot use in this locale. Java turns names into bytes with the encoding of the
 * locale it started in; under LANG=C or POSIX (containers, cluster jobs) that is ASCII, and a name
 * with é or ü can then be neither given nor opened: it reads as "?". Where a name fails for that
 * reason the user is told so, not that the file is missing or damaged.
 */
public final class FileNames {

	private FileNames() {}

	/** How Java writes file names here (the platform's {@code sun.jnu.encoding}). */
	static String encoding() {
		String e = System.getProperty("sun.jnu.encoding");
		return e != null ? e : Charset.defaultCharset().name();
	}

	/**
	 * Why {@code name} cannot be used, as a sentence to append, or "" when its letters can be
	 * written in this locale's encoding.
	 */
	public static String unwritableHint(String name) {
		return unwritableHint(name, encoding());
	}

	/**
	 * As {@link #unwritableHint(String)} for a file at hand, "" when its name as text still reaches
	 * it, as it does where Java opens files by UTF-16 names whatever the code page (Windows).
	 */
	public static String unreachableHint(java.nio.file.Path file) {
		String name = file.toString(), hint = unwritableHint(name);
		if (hint.isEmpty()) return "";
		try {
			return java.nio.file.Files.exists(java.nio.file.Path.of(name)) ? "" : hint;
		} catch (java.nio.file.InvalidPathException e) {
			return hint;
		}
	}

	static String unwritableHint(String name, String encoding) {
		Charset cs;
		try {
			cs = Charset.forName(encoding);
		} catch (IllegalArgumentException e) {
			return "";
		}
		if (cs.equals(StandardCharsets.UTF_8) || name == null) return "";
		// a name read from the file system or the command line in this encoding holds U+FFFD where its letters were lost
		if (name.indexOf('\uFFFD') < 0 && cs.newEncoder().canEncode(name)) return "";
		return " Java reads file names here as " + cs.name() + " (the locale is " + locale()
			+ "), in which the letters of this name are lost: start it with LANG=C.UTF-8 (or rename the file with ASCII letters only).";
	}

	private static String locale() {
		for (String v : new String[] { "LC_ALL", "LC_CTYPE", "LANG" }) {
			String s = System.getenv(v);
			if (s != null && !s.isEmpty()) return v + "=" + s;
		}
		return "C, as no LANG is set";
	}
}
