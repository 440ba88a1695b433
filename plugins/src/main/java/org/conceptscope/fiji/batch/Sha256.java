package org.conceptscope.fiji.batch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/** A SHA-256 over named files, as the batch manifest keeps them: a resumed run must see the same model and ROI files. */
final class Sha256 {

	private final MessageDigest sha;
	private final byte[] buffer = new byte[1 << 16];

	Sha256() {
		sha = org.conceptscope.util.Digests.sha256();
	}

	/** Adds {@code name} (UTF-8), a 0 byte, then the bytes of {@code file}. */
	void addFile(String name, Path file) throws IOException {
		sha.update(name.getBytes(StandardCharsets.UTF_8));
		sha.update((byte) 0);
		try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
			while (in.read(buffer) >= 0) {
				// the digest reads along
			}
		}
	}

	/** Adds one byte (a marker, e.g. for a missing file). */
	void add(byte b) {
		sha.update(b);
	}

	/** The digest in lowercase hexadecimal. */
	String hex() {
		return HexFormat.of().formatHex(sha.digest());
	}
}
