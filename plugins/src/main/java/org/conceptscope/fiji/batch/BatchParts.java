package org.conceptscope.fiji.batch;

import org.conceptscope.fiji.write.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The finished parts of a batch run, one file per part: every entry's CSV line, map and ROI
 * (ImageJ's .roi bytes). A part file is written to a temporary file, synced and renamed
 * ({@link AtomicFiles}), then the folder is synced, so after a crash a part is complete or absent;
 * a CRC-32 at the end catches a file damaged later (it is then computed again).
 */
final class BatchParts {

	private static final byte[] MAGIC = "CSBATCH2".getBytes(StandardCharsets.US_ASCII);

	/**
	 * One batch entry: its CSV lines (without the last line end; empty: no row), map (row by row),
	 * and ROIs (names and ImageJ .roi bytes; none, one per whole-image entry, or one per region).
	 */
	record Entry(String csvLine, float[] map, List<String> roiNames, List<byte[]> rois) {

		Entry {
			if (roiNames.size() != rois.size()) throw new IllegalArgumentException(roiNames.size() + " ROI names for " + rois.size() + " ROIs");
			roiNames = List.copyOf(roiNames);
			rois = List.copyOf(rois);
		}

		/** An entry with one ROI (null: none). */
		Entry(String csvLine, float[] map, String roiName, byte[] roi) {
			this(csvLine, map, roi == null ? List.of() : List.of(roiName), roi == null ? List.of() : List.of(roi));
		}
	}

	/** Part {@code index}: entries [from, to) of the run, maps of width x height. */
	record Part(int index, int from, int to, int width, int height, List<Entry> entries) {}

	private BatchParts() {}

	static Path file(Path dir, int index) {
		return dir.resolve(String.format(Locale.ROOT, "part-%06d.bin", index));
	}

	static void write(Path dir, Part p) throws IOException {
		write(dir, p.index(), bytes(p));
	}

	/** The part's file, written atomically (complete or absent after a crash). */
	static void write(Path dir, int index, byte[] part) throws IOException {
		AtomicFiles.writeNow(file(dir, index), part);
		syncFolder(dir);
	}

	/** The part as its file holds it, checksum included. */
	static byte[] bytes(Part p) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		DataOutputStream out = new DataOutputStream(bytes);
		out.write(MAGIC);
		out.writeInt(p.index());
		out.writeInt(p.from());
		out.writeInt(p.to());
		out.writeInt(p.width());
		out.writeInt(p.height());
		out.writeInt(p.entries().size());
		ByteBuffer plane = ByteBuffer.allocate(4 * p.width() * p.height());
		for (Entry e : p.entries()) {
			text(out, e.csvLine());
			plane.clear();
			plane.asFloatBuffer().put(e.map());
			out.write(plane.array());
			out.writeInt(e.rois().size());
			for (int r = 0; r < e.rois().size(); r++) {
				text(out, e.roiNames().get(r));
				out.writeInt(e.rois().get(r).length);
				out.write(e.rois().get(r));
			}
		}
		return Checksummed.sealed(bytes, out);
	}

	/**
	 * Part {@code index} if its file exists, is intact and holds entries [from, to) of maps of
	 * width x height; else null (it is to be computed).
	 */
	static Part readIfValid(Path dir, int index, int from, int to, int width, int height) throws IOException {
		Path f = file(dir, index);
		if (!Files.isRegularFile(f)) return null;
		try {
			Part p = read(f);
			return p.index() == index && p.from() == from && p.to() == to && p.width() == width && p.height() == height ? p : null;
		} catch (DamagedPart e) {
			return null;
		}
	}

	/** The part in a file. */
	static Part read(Path f) throws IOException {
		byte[] all;
		try {
			all = Files.readAllBytes(f);
		} catch (NoSuchFileException e) {
			throw new IOException("The part " + f + " is missing: run again to compute it.", e);
		}
		return parse(all, f);
	}

	/** The part in {@code all}, the bytes of {@code f} (named when they are damaged). */
	static Part parse(byte[] all, Path f) throws IOException {
		if (all.length < MAGIC.length + 6 * 4 + 8) throw new DamagedPart(f);
		DataInputStream in = Checksummed.body(all, MAGIC);
		if (in == null) throw new DamagedPart(f);
		int index = in.readInt(), from = in.readInt(), to = in.readInt(), width = in.readInt(), height = in.readInt();
		int n = in.readInt();
		if (n != to - from || width < 1 || height < 1) throw new DamagedPart(f);
		List<Entry> entries = new ArrayList<>(n);
		byte[] plane = new byte[4 * width * height];
		for (int i = 0; i < n; i++) {
			String line = text(in);
			in.readFully(plane);
			float[] map = new float[width * height];
			ByteBuffer.wrap(plane).asFloatBuffer().get(map);
			int count = in.readInt();
			if (count < 0) throw new DamagedPart(f);
			List<String> names = new ArrayList<>();
			List<byte[]> rois = new ArrayList<>();
			for (int r = 0; r < count; r++) {
				names.add(text(in));
				byte[] roi = new byte[in.readInt()];
				in.readFully(roi);
				rois.add(roi);
			}
			entries.add(new Entry(line, map, names, rois));
		}
		return new Part(index, from, to, width, height, entries);
	}

	private static void text(DataOutputStream out, String s) throws IOException {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		out.writeInt(b.length);
		out.write(b);
	}

	private static String text(DataInputStream in) throws IOException {
		byte[] b = new byte[in.readInt()];
		in.readFully(b);
		return new String(b, StandardCharsets.UTF_8);
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
