package org.conceptscope.model.bioimage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import org.conceptscope.model.ModelLoadException;

/**
 * Unpacks a zip into a new, empty folder and never writes outside it: entry names that are
 * absolute, carry a drive letter, a backslash, a ".." step or a NUL are refused (zip-slip);
 * every file is created new (never overwriting, never following a link); symbolic links are
 * never created (an entry is only ever a regular file or a folder); duplicate names, too many
 * entries and more bytes than allowed (zip bombs: the bytes actually written are counted, the
 * sizes the zip claims are not trusted) are refused. On failure the caller deletes the folder.
 */
final class SafeZip {

	static final int MAX_ENTRIES = 100_000;

	private SafeZip() {}

	static void extract(Path zip, Path target, long maxBytes) {
		extract(zip, target, maxBytes, name -> true, 0);
	}

	/**
	 * Unpacks the entries whose paths {@code unpack} accepts (relative to the target, normalised, with
	 * '/': {@code pkg//rdf.yaml} is {@code pkg/rdf.yaml}; the folders above them are made); the others
	 * are still checked as entries, not unpacked. {@code written} bytes of the zip are already unpacked
	 * (an earlier call's): they count towards {@code maxBytes}.
	 *
	 * @return the bytes written, the earlier ones included
	 */
	static long extract(Path zip, Path target, long maxBytes, java.util.function.Predicate<String> unpack, long written) {
		if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
			throw new IllegalStateException("Unpack target " + target + " must be an existing folder.");
		}
		Path root = target.toAbsolutePath().normalize();
		int entries = 0;
		Set<String> seen = new HashSet<>();
		try (ZipFile z = new ZipFile(zip.toFile())) {
			checkDirectory(zip, z, maxBytes);
			Enumeration<? extends ZipEntry> all = z.entries();
			while (all.hasMoreElements()) {
				ZipEntry e = all.nextElement();
				if (++entries > MAX_ENTRIES) throw refuse(zip, "it has more than " + MAX_ENTRIES + " entries");
				String name = e.getName();
				Path dest = safeTarget(zip, root, name);
				String key = root.relativize(dest).toString().toLowerCase(Locale.ROOT);
				if (!seen.add(key)) throw refuse(zip, "the entry '" + name + "' appears twice");
				if (!unpack.test(root.relativize(dest).toString().replace(java.io.File.separatorChar, '/'))) continue;
				if (e.isDirectory()) {
					createDirectories(root, dest);
					continue;
				}
				createDirectories(root, dest.getParent());
				try (InputStream in = z.getInputStream(e);
					OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
						LinkOption.NOFOLLOW_LINKS)) {
					byte[] buf = new byte[1 << 16];
					java.util.zip.CRC32 crc = new java.util.zip.CRC32();
					int n;
					while ((n = in.read(buf)) > 0) {
						written += n;
						if (written > maxBytes) {
							throw refuse(zip, "it unpacks to more than " + maxBytes + " bytes (a zip bomb, or raise LoadOptions.maxUnpackedBytes)");
						}
						crc.update(buf, 0, n);
						out.write(buf, 0, n);
					}
					// ZipFile does not check it: a damaged download would unpack without a word
					if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
						throw new ModelLoadException(zip + " is damaged: its entry '" + name + "' does not match its checksum. Download or copy the"
							+ " package again.");
					}
				}
			}
			return written;
		} catch (ZipException e) {
			throw new ModelLoadException(zip + " is not a valid zip file (corrupt or truncated): " + e.getMessage(), e);
		} catch (IOException e) {
			throw new ModelLoadException("Cannot unpack " + zip + ": " + e.getMessage(), e);
		}
	}

	/**
	 * Refuses a zip from its central directory alone, before anything is unpacked, when it has too
	 * many entries or the sizes it declares add up to more than {@code maxBytes}. The sizes are
	 * claims: the bytes actually written are still counted while unpacking.
	 */
	static void checkDirectory(Path zip, ZipFile z, long maxBytes) {
		if (z.size() > MAX_ENTRIES) throw refuse(zip, "it has " + z.size() + " entries, more than " + MAX_ENTRIES);
		long declared = 0;
		Enumeration<? extends ZipEntry> all = z.entries();
		while (all.hasMoreElements()) {
			long size = all.nextElement().getSize();
			if (size > 0) declared += size;
			if (declared > maxBytes) {
				throw refuse(zip, "its entries declare more than " + maxBytes + " bytes unpacked (a zip bomb, or a package larger than"
					+ " LoadOptions.maxUnpackedBytes allows); nothing was unpacked");
			}
		}
	}

	/** The destination of an entry, or a refusal when the name could leave the target folder. */
	static Path safeTarget(Path zip, Path root, String name) {
		if (name.isEmpty()) throw refuse(zip, "it has an entry with an empty name");
		if (name.indexOf('\0') >= 0) throw refuse(zip, "the entry name '" + name.replace('\0', '?') + "' contains a NUL character");
		if (name.indexOf('\\') >= 0) throw refuse(zip, "the entry '" + name + "' uses backslashes (a Windows path)");
		if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) throw refuse(zip, "the entry '" + name + "' is an absolute path");
		for (String part : name.split("/")) {
			if (part.equals("..")) throw refuse(zip, "the entry '" + name + "' points outside the folder it unpacks into (zip-slip)");
		}
		Path dest = root.resolve(name).normalize();
		if (!dest.startsWith(root) || dest.equals(root)) {
			throw refuse(zip, "the entry '" + name + "' points outside the folder it unpacks into (zip-slip)");
		}
		return dest;
	}

	/** Creates folders below root, refusing any existing link on the way. */
	private static void createDirectories(Path root, Path dir) throws IOException {
		Path cur = root;
		for (Path part : root.relativize(dir)) {
			cur = cur.resolve(part);
			if (Files.isSymbolicLink(cur)) throw new IOException(cur + " is a symbolic link");
			if (!Files.exists(cur, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(cur);
			else if (!Files.isDirectory(cur, LinkOption.NOFOLLOW_LINKS)) throw new IOException(cur + " is a file, not a folder");
		}
	}

	private static ModelLoadException refuse(Path zip, String why) {
		return new ModelLoadException("Refused to unpack " + zip + ": " + why + ".");
	}
}
