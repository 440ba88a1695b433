package org.conceptscope.fiji.write;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.conceptscope.util.AtomicWrite;
import org.conceptscope.util.SaveSet;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a
 * half-written one ({@link AtomicWrite}: a hidden temporary file beside the target, synced, then
 * moved over it; deleted on failure, the target left as it was), and files written over time that
 * appear only when complete ({@link #begin(Path)}).
 */
public final class AtomicFiles {

	/** Suffix of the temporary files; a leftover one means a process was killed mid-write. */
	public static final String TEMP_SUFFIX = AtomicWrite.TEMP_SUFFIX;

	/** Writes the content to a stream; the stream is closed by {@link AtomicFiles}. */
	@FunctionalInterface
	public interface Content extends AtomicWrite.Content {}

	private AtomicFiles() {}

	public static void write(Path target, Content content) throws IOException {
		AtomicWrite.write(target, content);
	}

	/** Writes bytes atomically. */
	public static void write(Path target, byte[] bytes) throws IOException {
		AtomicWrite.write(target, bytes);
	}

	/** Writes bytes atomically and at once, even inside a {@link SaveSet} (see {@link AtomicWrite#writeNow}). */
	public static void writeNow(Path target, byte[] bytes) throws IOException {
		AtomicWrite.writeNow(target, out -> out.write(bytes));
	}

	/**
	 * Starts a file that is written over time (row by row, plane by plane) and appears at its
	 * target only on {@link Pending#commit()}: until then it is a hidden temporary file beside
	 * the target, deleted by {@link Pending#close()} if the commit never comes.
	 */
	public static Pending begin(Path target) throws IOException {
		Path file = AtomicWrite.checkedTarget(target);
		Path temp = AtomicWrite.createTemp(file.getParent(), file.getFileName().toString());
		try {
			return new Pending(file, temp, FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.READ));
		} catch (IOException | RuntimeException e) {
			AtomicWrite.deleteQuietly(temp);
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

		/** Writes all of the buffer at the file's position. Failures (a full disk) name the target file, as every write here does. */
		public void write(ByteBuffer b) throws IOException {
			try {
				while (b.hasRemaining()) channel.write(b);
			} catch (IOException e) {
				throw AtomicWrite.failure(target, e);
			}
		}

		/** Writes all of the buffer at {@code position}, leaving the file's position as it was. */
		public void write(ByteBuffer b, long position) throws IOException {
			try {
				for (long at = position; b.hasRemaining(); ) at += channel.write(b, at);
			} catch (IOException e) {
				throw AtomicWrite.failure(target, e);
			}
		}

		/** Moves the file's position (where {@link #write(ByteBuffer)} and {@link #stream()} append). */
		public void position(long position) throws IOException {
			channel.position(position);
		}

		/** A stream appending at the file's position (unbuffered; closing it does not close the file). */
		public OutputStream stream() {
			return AtomicWrite.unclosable(AtomicWrite.namingFailures(Channels.newOutputStream(channel), target));
		}

		/** Syncs the content to disk and moves it over the target (inside an open {@link SaveSet}, at the set's commit). */
		public void commit() throws IOException {
			if (closed) throw new IllegalStateException("The file " + target + " was already closed.");
			try {
				channel.force(true);
				channel.close();
			} catch (IOException e) {
				throw AtomicWrite.failure(target, e);
			}
			closed = true;
			AtomicWrite.place(temp, target, SaveSet.current());
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
			AtomicWrite.deleteQuietly(temp);
		}
	}
}
