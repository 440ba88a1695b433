package org.conceptscope.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content hashes of files: the same bytes give the same hash, whatever the file's name or times. */
public final class Digests {

	private Digests() {}

	/** A new SHA-256 digest (every Java has one). */
	public static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("This Java has no SHA-256.", e);
		}
	}

	/** The SHA-256 of a file's bytes, in lowercase hexadecimal, read in 64 KiB blocks. */
	public static String sha256(Path file) throws IOException {
		MessageDigest md = sha256();
		byte[] buffer = new byte[1 << 16];
		try (InputStream in = Files.newInputStream(file)) {
			for (int n; (n = in.read(buffer)) > 0;) md.update(buffer, 0, n);
		}
		return HexFormat.of().formatHex(md.digest());
	}
}
