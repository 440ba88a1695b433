package org.conceptscope.updatesite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A second implementation of the Fiji updater's checksums, written from its description and not
 * sharing code with {@link FijiChecksum}: jars are read as a stream of local entries (not through
 * {@link java.util.jar.JarFile}), sorted in a TreeMap, and comment lines of .properties files are
 * removed line by line (not by the updater's byte state machine).
 */
final class IndependentChecksum {

	private IndependentChecksum() {}

	static String of(String sitePath, Path file) throws IOException {
		MessageDigest sha1;
		try {
			sha1 = MessageDigest.getInstance("SHA-1");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
		if (!sitePath.endsWith(".jar")) {
			sha1.update(sitePath.getBytes(StandardCharsets.US_ASCII));
			sha1.update(Files.readAllBytes(file));
			return hex(sha1.digest());
		}
		Map<String, byte[]> entries = new TreeMap<>();
		try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
			for (ZipEntry e; (e = zip.getNextEntry()) != null;) entries.put(e.getName(), zip.readAllBytes());
		}
		for (Map.Entry<String, byte[]> e : entries.entrySet()) {
			sha1.update(e.getKey().getBytes(StandardCharsets.US_ASCII));
			if (e.getKey().equals("META-INF/MANIFEST.MF")) continue; // the manifest counts by name only
			sha1.update(e.getKey().endsWith(".properties") ? withoutComments(e.getValue()) : e.getValue());
		}
		return hex(sha1.digest());
	}

	/**
	 * The updater's comment removal, stated per line. While "at a line start": a line starting
	 * with '#' becomes its bare line break (and the next line is at a line start unless the
	 * comment was nothing but '#'); an empty line is kept but the next line is NOT at a line
	 * start; any other line is kept. A line not at a line start is kept, and the next one is.
	 * A comment running to the end of the file leaves nothing.
	 */
	static byte[] withoutComments(byte[] text) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		boolean atStart = true;
		int i = 0;
		while (i < text.length) {
			int end = i;
			while (end < text.length && text[end] != '\n') end++;
			boolean newline = end < text.length;
			if (atStart && end > i && text[i] == '#') {
				if (newline) out.write('\n');
				boolean onlyHashes = true;
				for (int k = i; k < end; k++) onlyHashes &= text[k] == '#';
				atStart = !onlyHashes;
			} else if (atStart && end == i) {
				if (newline) out.write('\n');
				atStart = false;
			} else {
				out.write(text, i, end - i);
				if (newline) out.write('\n');
				atStart = true;
			}
			i = end + 1;
		}
		return out.toByteArray();
	}

	private static String hex(byte[] b) {
		StringBuilder s = new StringBuilder();
		for (byte x : b) s.append(String.format("%02x", x & 0xff));
		return s.toString();
	}
}
