package org.conceptscope.fiji.write;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a
 * half-written one: the content goes to a hidden temporary file in the same folder (same file
 * system, so the final rename is atomic), is synced to disk, and is then moved over the target.
 * When anything fails the temporary file is deleted and the target is left as it was.
 */
public final class AtomicFiles {

	/** Suffix of the temporary files; a leftover one means a process was killed mid-write. */
	public static final String TEMP_SUFFIX = ".part";

	/** Writes the content to a stream; the stream is closed by {@link AtomicFiles}. */
	@FunctionalInterface
	public interface Content {
		void writeTo(OutputStream out) throws IOException;
	}

	private AtomicFiles() {}

	public static void write(Path target, Content content) throws IOException {
		if (target == null) throw new IllegalArgumentException("No output file given.");
		Path file = target.toAbsolutePath().normalize();
		if (Files.isDirectory(file)) {
			throw new IOException("Cannot write " + file + ": a folder with that name exists.");
		}
		Path dir = file.getParent();
		if (dir == null || !Files.isDirectory(dir)) {
			throw new NoSuchFileException(String.valueOf(dir), null, "The output folder does not exist; create it first.");
		}
		Path temp = createTemp(dir, file.getFileName().toString());
		boolean moved = false;
		try {
			try (FileOutputStream fos = new FileOutputStream(temp.toFile());
				OutputStream buffered = new BufferedOutputStream(fos, 1 << 16)) {
				content.writeTo(unclosable(buffered));
				buffered.flush();
				fos.getFD().sync();
			}
			moveIntoPlace(temp, file);
			moved = true;
		} finally {
			if (!moved) deleteQuietly(temp);
		}
	}

	/** Writes bytes atomically. */
	public static void write(Path target, byte[] bytes) throws IOException {
		write(target, out -> out.write(bytes));
	}

	/**
	 * Starts a file that is written over time (row by row, plane by plane) and appears at its
	 * target only on {@link Pending#commit()}: until then it is a hidden temporary file beside
	 * the target, deleted by {@link Pending#close()} if the commit never comes.
	 */
	public static Pending begin(Path target) throws IOException {
		if (target == null) throw new IllegalArgumentException("No output file given.");
		Path file = target.toAbsolutePath().normalize();
		if (Files.isDirectory(file)) throw new IOException("Cannot write " + file + ": a folder with that name exists.");
		Path dir = file.getParent();
		if (dir == null || !Files.isDirectory(dir)) {
			throw new NoSuchFileException(String.valueOf(dir), null, "The output folder does not exist; create it first.");
		}
		Path temp = createTemp(dir, file.getFileName().toString());
		try {
			return new Pending(file, temp, FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.READ));
		} catch (IOException | RuntimeException e) {
			deleteQuietly(temp);
			throw e;
		}
	}

	/** A file being written; see {@link #begin(Path)}. Not thread-safe. */
	public static final class Pending implements Closeable {

		private final Path target, temp;
		private final FileChannel channel;
		private boolean committed, closed;

		private Pending(Path target, Path temp, FileChannel channel) {
			this.target = target;
			this.temp = temp;
			this.channel = channel;
		}

		public Path target() {
			return target;
		}

		/** The temporary file's channel, for positioned writes; do not close it. */
		public FileChannel channel() {
			return channel;
		}

		/** A stream appending at the channel's position (unbuffered; closing it does not close the file). */
		public OutputStream stream() {
			return unclosable(Channels.newOutputStream(channel));
		}

		/** Syncs the content to disk and moves it over the target. */
		public void commit() throws IOException {
			if (closed) throw new IllegalStateException("The file " + target + " was already closed.");
			channel.force(true);
			channel.close();
			closed = true;
			moveIntoPlace(temp, target);
			committed = true;
		}

		/** Deletes the temporary file unless committed. */
		@Override
		public void close() {
			if (committed) return;
			try {
				if (!closed) channel.close();
			} catch (IOException e) {
				// the temporary file is deleted below either way
			}
			closed = true;
			deleteQuietly(temp);
		}
	}

	// Files.createTempFile would give the file mode 0600, which the result would keep; creating
	// the file by name gives it the usual permissions of new files.
	private static Path createTemp(Path dir, String name) throws IOException {
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

	private static void moveIntoPlace(Path temp, Path target) throws IOException {
		try {
			Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			// Some network file systems: a plain replace is the best there is.
			Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	private static void deleteQuietly(Path temp) {
		try {
			Files.deleteIfExists(temp);
		} catch (IOException e) {
			// The original failure is the one to report; the name ends in .part so it is recognisable.
		}
	}

	/** Content writers (e.g. a ZipOutputStream) may close their stream; that must not close the file before the sync. */
	private static OutputStream unclosable(OutputStream out) {
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
