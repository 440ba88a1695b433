package org.conceptscope.updatesite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Checksums as Fiji's updater computes them (imagej-updater's {@code UpdaterUtil.getDigest}),
 * so that a file installed from this site is recognised as up to date:
 * <ul>
 * <li>a {@code .jar}: SHA-1 over the entries sorted by name, hashing each entry's name (ASCII)
 * then its content, where the content of {@code META-INF/MANIFEST.MF} counts as empty and lines
 * starting with '#' in {@code .properties} entries (Maven writes the build date there) are
 * replaced by their line break;</li>
 * <li>any other file: SHA-1 of its path in the site (e.g. {@code macros/x.ijm}, ASCII) then its
 * bytes.</li>
 * </ul>
 * Jars whose only differences are build dates and manifest entries thus get the same checksum.
 */
public final class FijiChecksum {

	private FijiChecksum() {}

	/** The checksum of a file that will sit at {@code sitePath} (forward slashes) in Fiji. */
	public static String of(String sitePath, Path file) throws IOException {
		return sitePath.endsWith(".jar") ? jar(file) : plain(sitePath, file);
	}

	static String plain(String sitePath, Path file) throws IOException {
		MessageDigest sha1 = sha1();
		sha1.update(sitePath.getBytes(StandardCharsets.US_ASCII));
		try (InputStream in = Files.newInputStream(file)) {
			update(sha1, in);
		}
		return HexFormat.of().formatHex(sha1.digest());
	}

	static String jar(Path file) throws IOException {
		MessageDigest sha1 = sha1();
		try (JarFile jar = new JarFile(file.toFile(), false)) {
			List<JarEntry> entries = new ArrayList<>(Collections.list(jar.entries()));
			entries.sort(Comparator.comparing(JarEntry::getName));
			for (JarEntry e : entries) {
				String name = e.getName();
				sha1.update(name.getBytes(StandardCharsets.US_ASCII));
				if (name.equals("META-INF/MANIFEST.MF")) continue;
				try (InputStream in = jar.getInputStream(e)) {
					if (name.endsWith(".properties")) sha1.update(skipHashedLines(in.readAllBytes()));
					else update(sha1, in);
				}
			}
		}
		return HexFormat.of().formatHex(sha1.digest());
	}

	/**
	 * What the updater's {@code SkipHashedLines} stream yields: at the start of a line, a '#'
	 * starts a comment that is dropped up to (not including) its line break. Its quirk is kept: a
	 * line of nothing but '#' leaves the stream believing it is mid-line, so a '#' line right
	 * after it is kept.
	 */
	static byte[] skipHashedLines(byte[] in) {
		SkipHashed s = new SkipHashed(in);
		ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
		for (int ch; (ch = s.read()) >= 0;) out.write(ch);
		return out.toByteArray();
	}

	/** The updater's read() state machine, byte for byte. */
	private static final class SkipHashed {
		private final byte[] in;
		private int pos;
		private boolean atLineStart = true;

		SkipHashed(byte[] in) {
			this.in = in;
		}

		private int next() {
			return pos < in.length ? in[pos++] & 0xff : -1;
		}

		int read() {
			int ch = next();
			if (atLineStart) {
				if (ch == '#') {
					while ((ch = read()) != '\n' && ch != -1) {
						// the comment is dropped
					}
				} else {
					atLineStart = false;
				}
			} else if (ch == '\n') {
				atLineStart = true;
			}
			return ch;
		}
	}

	private static void update(MessageDigest d, InputStream in) throws IOException {
		byte[] buf = new byte[1 << 16];
		for (int n; (n = in.read(buf)) > 0;) d.update(buf, 0, n);
	}

	private static MessageDigest sha1() {
		try {
			return MessageDigest.getInstance("SHA-1");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("This Java has no SHA-1.", e);
		}
	}
}
