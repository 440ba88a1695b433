package org.conceptscope.util;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a
 * half-written one: the content goes to a hidden temporary file in the same folder (same file
 * system, so the final rename is atomic), is synced to disk, and is then moved over the target.
 * When anything fails the temporary file is deleted and the target is left as it was. The
 * written file has the permissions of any new file (not the owner-only mode of
 * {@link Files#createTempFile}, which a moved file would keep). Inside an open {@link SaveSet}
 * the move waits for the set's commit.
 */
public final class AtomicWrite {

	/** Suffix of the temporary files; a leftover one means a process was killed mid-write. */
	public static final String TEMP_SUFFIX = ".part";

	/** Writes the content to a stream; the stream is closed by {@link AtomicWrite}. */
	@FunctionalInterface
	public interface Content {
		void writeTo(OutputStream out) throws IOException;
	}

	private AtomicWrite() {}

	/**
	 * Writes the content to {@code target}, whose folder must exist.
	 *
	 * @throws NoSuchFileException when the folder does not exist (nothing is created)
	 * @throws IOException when {@code target} is a folder or the content cannot be written; the old file is kept
	 */
	public static void write(Path target, Content content) throws IOException {
		write(target, content, SaveSet.current());
	}

	/**
	 * As {@link #write(Path, Content)}, moved into place at once even inside an open {@link SaveSet}: for files the run reads
	 * back before its results are saved (unpacked natives, the batch runner's parts and manifest), not results of their own.
	 */
	public static void writeNow(Path target, Content content) throws IOException {
		write(target, content, null);
	}

	private static void write(Path target, Content content, SaveSet set) throws IOException {
		Path file = checkedTarget(target);
		Path temp = createTemp(file.getParent(), file.getFileName().toString());
		boolean moved = false;
		try {
			try (FileOutputStream fos = new FileOutputStream(temp.toFile());
				OutputStream buffered = new BufferedOutputStream(namingFailures(fos, file), 1 << 16)) {
				content.writeTo(unclosable(buffered));
				buffered.flush();
				try {
					fos.getFD().sync();
				} catch (IOException e) {
					throw failure(file, e);
				}
			}
			place(temp, file, set);
			moved = true;
		} finally {
			if (!moved) deleteQuietly(temp);
		}
	}

	/** Writes bytes atomically. */
	public static void write(Path target, byte[] bytes) throws IOException {
		write(target, out -> out.write(bytes));
	}

	/** The absolute target, after refusing a missing name, a folder at its place and a missing parent folder. */
	public static Path checkedTarget(Path target) throws IOException {
		if (target == null) throw new IllegalArgumentException("No output file given.");
		Path file = target.toAbsolutePath().normalize();
		if (Files.isDirectory(file)) throw new IOException("Cannot write " + file + ": a folder with that name exists.");
		Path dir = file.getParent();
		if (dir == null || !Files.isDirectory(dir)) {
			throw new NoSuchFileException(String.valueOf(dir), null, "The output folder does not exist; create it first.");
		}
		return file;
	}

	/**
	 * A new, empty, hidden temporary file for {@code name} in {@code dir}: {@code .<name>.<random>.part}.
	 * Created by name, so it has the usual permissions of new files.
	 */
	public static Path createTemp(Path dir, String name) throws IOException {
		for (int attempt = 0; ; attempt++) {
			String random = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
			Path temp = dir.resolve("." + name + "." + random + TEMP_SUFFIX);
			try {
				return Files.createFile(temp);
			} catch (FileAlreadyExistsException e) {
				if (attempt > 100) throw e;
			}
		}
	}

	/**
	 * A finished, synced temporary file into place: moved over the target now, or, inside {@code set}, when the set
	 * commits (the set then owns it: it moves it with the others, or deletes it).
	 */
	public static void place(Path temp, Path target, SaveSet set) throws IOException {
		if (set != null) set.stageFile(temp, target);
		else moveIntoPlace(temp, target);
	}

	/** Moves a finished temporary file over the target, atomically where the file system can. */
	public static void moveIntoPlace(Path temp, Path target) throws IOException {
		try {
			Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			// Some network file systems: a plain replace is the best there is.
			Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	/** Deletes a temporary file, keeping quiet on failure: the original failure is the one to report. */
	public static void deleteQuietly(Path temp) {
		try {
			Files.deleteIfExists(temp);
		} catch (IOException e) {
			// the name ends in .part, so a leftover is recognisable
		}
	}

	/**
	 * The file's stream, its failures (a full disk: a plain IOException "No space left on device")
	 * turned into ones that name the target file, so the user's sentence says which file could not be written.
	 */
	public static OutputStream namingFailures(OutputStream file, Path target) {
		return new FilterOutputStream(file) {
			@Override
			public void write(int b) throws IOException {
				try {
					out.write(b);
				} catch (IOException e) {
					throw failure(target, e);
				}
			}

			@Override
			public void write(byte[] b, int off, int len) throws IOException {
				try {
					out.write(b, off, len);
				} catch (IOException e) {
					throw failure(target, e);
				}
			}

			@Override
			public void flush() throws IOException {
				try {
					out.flush();
				} catch (IOException e) {
					throw failure(target, e);
				}
			}

			@Override
			public void close() throws IOException {
				try {
					super.close(); // flushes, then closes the file, which some file systems fail only now (a quota on NFS)
				} catch (IOException e) {
					throw failure(target, e);
				}
			}
		};
	}

	/** A failure on the target's file as a FileSystemException naming it (one that names a file already is kept). */
	public static IOException failure(Path target, IOException e) {
		if (e instanceof FileSystemException f && f.getFile() != null) return e;
		FileSystemException named = new FileSystemException(target.toString(), null, e.getMessage() == null ? e.getClass().getSimpleName()
			: e.getMessage());
		named.initCause(e);
		return named;
	}

	/** A stream whose close only flushes: writers (e.g. a ZipOutputStream) may close theirs, which must not close the file before the sync. */
	public static OutputStream unclosable(OutputStream out) {
		return new FilterOutputStream(out) {
			@Override
			public void write(byte[] b, int off, int len) throws IOException {
				out.write(b, off, len);
			}

			@Override
			public void close() throws IOException {
				flush();
			}
		};
	}
}
