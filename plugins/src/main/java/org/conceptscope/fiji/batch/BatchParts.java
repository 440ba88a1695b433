package org.conceptscope.fiji.batch;

import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.util.AtomicWrite;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The finished parts of a batch run, one file per part: every entry's CSV line, map plane label, map and ROI
 * (ImageJ's .roi bytes). A part file is written to a temporary file, synced and renamed
 * ({@link AtomicFiles}), then the folder is synced, so after a crash a part is complete or absent;
 * a CRC-32 at the end catches a file damaged later (it is then computed again). Files are written
 * and read as streams, a chunk of a map at a time: a part of planes of any size (more than 2 GB)
 * is stored, and its file is never held in memory beside its maps.
 */
final class BatchParts {

	/** The format's name and version (3: with map labels); a part of another version is computed again. */
	private static final byte[] MAGIC = "CSBATCH3".getBytes(StandardCharsets.US_ASCII);

	/**
	 * One batch entry: its CSV lines (without the last line end; empty: no row), its map plane's label
	 * (empty: none), map (row by row), and ROIs (names and ImageJ .roi bytes; none, one per whole-image
	 * entry, or one per region).
	 */
	record Entry(String csvLine, String label, float[] map, List<String> roiNames, List<byte[]> rois) {

		Entry {
			if (roiNames.size() != rois.size()) throw new IllegalArgumentException(roiNames.size() + " ROI names for " + rois.size() + " ROIs");
			if (label == null) label = "";
			roiNames = List.copyOf(roiNames);
			rois = List.copyOf(rois);
		}

		/** An entry with one ROI (null: none). */
		Entry(String csvLine, String label, float[] map, String roiName, byte[] roi) {
			this(csvLine, label, map, roi == null ? List.of() : List.of(roiName), roi == null ? List.of() : List.of(roi));
		}
	}

	/** Part {@code index}: entries [from, to) of the run, maps of width x height. */
	record Part(int index, int from, int to, int width, int height, List<Entry> entries) {}

	private BatchParts() {}

	static Path file(Path dir, int index) {
		return dir.resolve(String.format(Locale.ROOT, "part-%06d.bin", index));
	}

	/** The largest array Java allocates: a part handed over as one byte array (to or from another machine) fits in it. */
	static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

	/** Bytes of one map plane in a part file (long: a plane of more than 2^29 pixels has more than 2^31 bytes). */
	static long planeBytes(int width, int height) {
		return 4L * width * height;
	}

	/** Bytes of the part file of {@code p}, checksum included, without writing it. */
	static long size(Part p) {
		long n = MAGIC.length + 6 * 4 + Checksummed.TRAILER;
		long plane = planeBytes(p.width(), p.height());
		for (Entry e : p.entries()) {
			n += 4 + utf8(e.csvLine()).length + 4 + utf8(e.label()).length + plane + 4;
			for (int r = 0; r < e.rois().size(); r++) n += 4 + utf8(e.roiNames().get(r)).length + 4 + e.rois().get(r).length;
		}
		return n;
	}

	/** Bytes of the part file of {@code entries} maps of width x height, without their text and ROIs: a lower bound of its size. */
	static long mapBytes(int width, int height, long entries) {
		return entries * planeBytes(width, height);
	}

	/** The part's file, written atomically (complete or absent after a crash) as it is encoded: no copy of it is held in memory. */
	static void write(Path dir, Part p) throws IOException {
		AtomicWrite.writeNow(file(dir, p.index()), out -> writeTo(out, p));
		syncFolder(dir);
	}

	/** The part's file from its bytes (a part computed elsewhere), written atomically. */
	static void write(Path dir, int index, byte[] part) throws IOException {
		AtomicFiles.writeNow(file(dir, index), part);
		syncFolder(dir);
	}

	/**
	 * The part as its file holds it, checksum included, in one array of exactly its size: what a
	 * worker hands over. A part larger than an array can be is refused (the batch runner checks this
	 * before the model loads; on one machine parts are streamed to their files instead).
	 */
	static byte[] bytes(Part p) throws IOException {
		long size = size(p);
		if (size > MAX_ARRAY) {
			throw new IllegalArgumentException("Part " + p.index() + " (" + p.entries().size() + " maps of " + p.width() + " x " + p.height()
				+ ") takes " + size + " bytes, more than one array holds (2 GB): use batch=1, or run it without a cluster.");
		}
		byte[] all = new byte[(int) size];
		OutputStream into = new OutputStream() {
			private int at;

			@Override
			public void write(int b) {
				all[at++] = (byte) b;
			}

			@Override
			public void write(byte[] b, int off, int len) {
				System.arraycopy(b, off, all, at, len);
				at += len;
			}
		};
		writeTo(into, p);
		return all;
	}

	/** Writes the part's file format to {@code out}: magic word, header, entries, then the CRC-32 of all that ({@link Checksummed}). */
	static void writeTo(OutputStream out, Part p) throws IOException {
		CRC32 crc = new CRC32();
		DataOutputStream data = new DataOutputStream(new CheckedOutputStream(out, crc));
		data.write(MAGIC);
		data.writeInt(p.index());
		data.writeInt(p.from());
		data.writeInt(p.to());
		data.writeInt(p.width());
		data.writeInt(p.height());
		data.writeInt(p.entries().size());
		ByteBuffer chunk = ByteBuffer.allocate(CHUNK * 4);
		for (Entry e : p.entries()) {
			text(data, e.csvLine());
			text(data, e.label());
			float[] map = e.map();
			for (int at = 0; at < map.length; at += CHUNK) {
				int n = Math.min(CHUNK, map.length - at);
				chunk.clear();
				chunk.asFloatBuffer().put(map, at, n);
				data.write(chunk.array(), 0, 4 * n);
			}
			data.writeInt(e.rois().size());
			for (int r = 0; r < e.rois().size(); r++) {
				text(data, e.roiNames().get(r));
				data.writeInt(e.rois().get(r).length);
				data.write(e.rois().get(r));
			}
		}
		data.flush();
		new DataOutputStream(out).writeLong(crc.getValue());
		out.flush();
	}

	/** Floats converted at a time between a map and its bytes. */
	private static final int CHUNK = 1 << 14;

	/**
	 * Part {@code index} if its file exists, is intact and holds entries [from, to) of maps of
	 * width x height; else null (it is to be computed). Only the header is kept: the file is read
	 * through once for its checksum, one chunk at a time, whatever its size.
	 */
	static Part readIfValid(Path dir, int index, int from, int to, int width, int height) throws IOException {
		Path f = file(dir, index);
		if (!Files.isRegularFile(f)) return null;
		try {
			Part p = read(f, null);
			return p.index() == index && p.from() == from && p.to() == to && p.width() == width && p.height() == height ? p : null;
		} catch (DamagedPart e) {
			return null;
		}
	}

	/** The part in a file, its entries in memory. */
	static Part read(Path f) throws IOException {
		List<Entry> entries = new ArrayList<>();
		Part header = read(f, entries::add);
		return new Part(header.index(), header.from(), header.to(), header.width(), header.height(), entries);
	}

	/** Takes a part's entries one at a time as they are read. */
	interface EntrySink {
		void accept(Entry e) throws IOException;
	}

	/**
	 * Reads the part in {@code f}, handing each entry to {@code sink} as it is read (null: the maps
	 * are only checked, not kept); returns the header (index, slices, size) without entries.
	 *
	 * @throws DamagedPart when the file is not an intact part (its checksum is verified at its end: a
	 *         sink may have been given entries of a file found damaged after them)
	 */
	static Part read(Path f, EntrySink sink) throws IOException {
		long length;
		try {
			length = Files.size(f);
		} catch (NoSuchFileException e) {
			throw new IOException("The part " + f + " is missing: run again to compute it.", e);
		}
		try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
			return parse(in, length, f, sink);
		}
	}

	/** The part in {@code all}, the bytes of {@code f} (named when they are damaged). */
	static Part parse(byte[] all, Path f) throws IOException {
		List<Entry> entries = new ArrayList<>();
		Part header = parse(new ByteArrayInputStream(all), all.length, f, entries::add);
		return new Part(header.index(), header.from(), header.to(), header.width(), header.height(), entries);
	}

	/** The part in the {@code length} bytes of {@code in}, entry by entry into {@code sink} (null: maps checked only). */
	private static Part parse(InputStream in, long length, Path f, EntrySink sink) throws IOException {
		if (length < MAGIC.length + 6 * 4 + Checksummed.TRAILER) throw new DamagedPart(f);
		CRC32 crc = new CRC32();
		DataInputStream data = new DataInputStream(new CheckedInputStream(new Bounded(in, length - Checksummed.TRAILER), crc));
		try {
			byte[] magic = new byte[MAGIC.length];
			data.readFully(magic);
			if (!Arrays.equals(magic, MAGIC)) throw new DamagedPart(f);
			int index = data.readInt(), from = data.readInt(), to = data.readInt(), width = data.readInt(), height = data.readInt();
			int n = data.readInt();
			long plane = planeBytes(width, height);
			if (n != to - from || n < 0 || width < 1 || height < 1 || (long) width * height > MAX_ARRAY
				|| MAGIC.length + 6 * 4 + n * (plane + 12) > length) {
				throw new DamagedPart(f);
			}
			ByteBuffer chunk = ByteBuffer.allocate(CHUNK * 4);
			for (int i = 0; i < n; i++) {
				String line = text(data, length, f), label = text(data, length, f);
				float[] map = sink == null ? null : new float[width * height];
				for (long at = 0; at < (long) width * height; at += CHUNK) {
					int k = (int) Math.min(CHUNK, (long) width * height - at);
					data.readFully(chunk.array(), 0, 4 * k);
					if (map != null) {
						chunk.clear();
						chunk.asFloatBuffer().get(map, (int) at, k);
					}
				}
				int count = data.readInt();
				if (count < 0 || count > length) throw new DamagedPart(f);
				List<String> names = new ArrayList<>();
				List<byte[]> rois = new ArrayList<>();
				for (int r = 0; r < count; r++) {
					names.add(text(data, length, f));
					rois.add(bytes(data, length, f));
				}
				if (sink != null) sink.accept(new Entry(line, label, map, names, rois));
			}
			if (data.read() >= 0) throw new DamagedPart(f); // more than the entries before the checksum
			long stored = new DataInputStream(in).readLong();
			if (stored != crc.getValue()) throw new DamagedPart(f);
			return new Part(index, from, to, width, height, List.of());
		} catch (EOFException e) {
			throw new DamagedPart(f);
		}
	}

	/** At most {@code limit} bytes of a stream (the body before a checksum), the stream itself left open. */
	private static final class Bounded extends FilterInputStream {
		private long left;

		Bounded(InputStream in, long limit) {
			super(in);
			left = limit;
		}

		@Override
		public int read() throws IOException {
			if (left <= 0) return -1;
			int b = super.read();
			if (b >= 0) left--;
			return b;
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			if (left <= 0) return -1;
			int n = super.read(b, off, (int) Math.min(len, left));
			if (n > 0) left -= n;
			return n;
		}

		@Override
		public long skip(long n) throws IOException {
			long s = super.skip(Math.min(n, left));
			left -= s;
			return s;
		}

		@Override
		public int available() throws IOException {
			return (int) Math.min(super.available(), left);
		}

		@Override
		public void close() {
			// the caller closes the stream
		}
	}

	private static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	private static void text(DataOutputStream out, String s) throws IOException {
		byte[] b = utf8(s);
		out.writeInt(b.length);
		out.write(b);
	}

	private static String text(DataInputStream in, long length, Path f) throws IOException {
		return new String(bytes(in, length, f), StandardCharsets.UTF_8);
	}

	/** A length-prefixed byte string; a length beyond the file is damage, not an allocation. */
	private static byte[] bytes(DataInputStream in, long length, Path f) throws IOException {
		int n = in.readInt();
		if (n < 0 || n > length) throw new DamagedPart(f);
		byte[] b = new byte[n];
		in.readFully(b);
		return b;
	}

	/**
	 * Makes a rename in the folder durable (Linux, macOS); a file system that cannot sync a
	 * folder still has the renamed file, only a power cut could lose the rename.
	 */
	static void syncFolder(Path dir) {
		try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
			ch.force(true);
		} catch (IOException | UnsupportedOperationException e) {
			// Not supported here (e.g. Windows): the rename itself is still atomic.
		}
	}

	/** A part file that is not what this class wrote: it is computed again. */
	static final class DamagedPart extends IOException {
		DamagedPart(Path f) {
			super("The part " + f + " is damaged; it is computed again.");
		}
	}
}
