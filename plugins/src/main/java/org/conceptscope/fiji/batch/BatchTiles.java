package org.conceptscope.fiji.batch;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.attribution.TileCheckpoint;
import org.conceptscope.fiji.write.AtomicFiles;

/**
 * The finished tile batches of one part of a batch run whose images are explained tile by tile,
 * kept in {@code .conceptscope-batch/tiles/part-NNNNNN/<segment>/} until the part is committed: a
 * run killed in the middle of a large image resumes that image without computing those tiles again.
 * Each batch is one file, written atomically ({@link AtomicFiles}) with a CRC-32; a damaged or
 * missing file is computed again. Counts what it kept and what it computed.
 */
final class BatchTiles {

	private static final byte[] MAGIC = "CSTILES1".getBytes(StandardCharsets.US_ASCII);

	private final Path dir;
	private int kept, computed;

	BatchTiles(Path dir) {
		this.dir = dir;
	}

	/** The folder of part {@code index} under a run's tiles folder. */
	static Path partDir(Path tilesDir, int index) {
		return tilesDir.resolve(String.format(java.util.Locale.ROOT, "part-%06d", index));
	}

	/** Tile batches taken from an earlier run. */
	int kept() {
		return kept;
	}

	/** Tile batches computed (and stored) by this run. */
	int computed() {
		return computed;
	}

	/** The store for segment {@code segment} of the part (one image file's entries). */
	TileCheckpoint segment(int segment) {
		Path seg = dir.resolve("segment-" + segment);
		return new TileCheckpoint() {
			@Override
			public Stored load(int pass, int first, int count) {
				Stored s = read(file(seg, pass, first, count), pass, first, count);
				if (s != null) kept++;
				return s;
			}

			@Override
			public void save(int pass, int first, int count, float[] values, Map<String, String> metadata) {
				try {
					Files.createDirectories(seg);
					AtomicFiles.writeNow(file(seg, pass, first, count), bytes(pass, first, count, values, metadata));
					computed++;
				} catch (IOException e) {
					throw new UncheckedIOException(e);
				}
			}
		};
	}

	private static Path file(Path seg, int pass, int first, int count) {
		return seg.resolve("pass" + pass + "-" + first + "-" + count + ".bin");
	}

	static byte[] bytes(int pass, int first, int count, float[] values, Map<String, String> metadata) throws IOException {
		return Checksummed.sealed((int) Math.min(BatchParts.MAX_ARRAY, MAGIC.length + 84L + 4L * values.length), out -> {
			out.write(MAGIC);
			out.writeInt(pass);
			out.writeInt(first);
			out.writeInt(count);
			out.writeInt(values.length);
			Checksummed.writeFloats(out, values);
			Map<String, String> meta = metadata == null ? Map.of() : metadata;
			out.writeInt(meta.size());
			for (Map.Entry<String, String> e : meta.entrySet()) {
				out.writeUTF(e.getKey());
				byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
				out.writeInt(v.length);
				out.write(v);
			}
		});
	}

	/** The batch in {@code f}, or null when it is missing, damaged, or not the batch asked for. */
	static TileCheckpoint.Stored read(Path f, int pass, int first, int count) {
		if (!Files.isRegularFile(f)) return null;
		try {
			byte[] all = Files.readAllBytes(f);
			if (all.length < MAGIC.length + 4 * 4 + 4 + 8) return null;
			DataInputStream in = Checksummed.body(all, MAGIC);
			if (in == null || in.readInt() != pass || in.readInt() != first || in.readInt() != count) return null;
			int n = in.readInt();
			if (n < 0 || 4L * n > all.length) return null;
			byte[] raw = new byte[4 * n];
			in.readFully(raw);
			float[] values = new float[n];
			ByteBuffer.wrap(raw).asFloatBuffer().get(values);
			int entries = in.readInt();
			Map<String, String> meta = new LinkedHashMap<>();
			for (int i = 0; i < entries; i++) {
				String key = in.readUTF();
				byte[] v = new byte[in.readInt()];
				in.readFully(v);
				meta.put(key, new String(v, StandardCharsets.UTF_8));
			}
			return new TileCheckpoint.Stored(values, meta);
		} catch (IOException | RuntimeException e) {
			return null;
		}
	}
}
