package org.conceptscope.fiji.batch;

import java.util.Locale;

import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.util.Limits;

/**
 * What one part of a batch run holds in Java's heap while it is explained, so that a part too large
 * for the heap is refused in one sentence before the model loads (and again, with what only the model
 * tells, before anything is written), not after hours of tiles with an OutOfMemoryError.
 * <p>
 * Per entry of the part, for the whole part: its planes as read, the blended map (4 bytes a pixel),
 * in a part of several entries each entry's own copy of it that goes into the part file (4; a part of
 * one entry keeps the blended map itself), with a palette
 * image given to an RGB model its colours (4), and for a model that takes the whole image untiled its
 * input tensor (4 per model channel) and ImageJ's copy of the planes. Once, for the entry being
 * finished: the plane the open input keeps, the top fraction's copy of the finite map values (4) and
 * its mask (1), room for the outline traced from it (4), and for a normalisation that takes
 * statistics from the whole slice that slice as floats (4 per model channel). The part file itself
 * is streamed to disk a chunk at a time and adds nothing that grows with the image.
 */
final class BatchMemory {

	/** Bytes a pixel of an entry's maps: the blended map and, in a part of several entries, the part's copy of it. */
	static int maps(long entries) {
		return entries == 1 ? 4 : 8;
	}
	/** Bytes a pixel for finishing one entry: the top fraction's copy (4), mask (1) and outline (4). */
	static final int FINISH = 9;

	private BatchMemory() {}

	/** What the estimate depends on besides the plane's size; {@code modelChannels} 0 when the model is not loaded yet. */
	record Shape(int width, int height, int sourceBytes, int modelChannels, boolean tiled, boolean palette, boolean statistics) {}

	/** Heap bytes a part of {@code entries} entries of this shape needs while it is explained. */
	static long partBytes(Shape s, long entries) {
		long pixels = (long) s.width() * s.height();
		int c = Math.max(1, s.modelChannels());
		long held = s.sourceBytes() + maps(entries) + (s.palette() ? 4 : 0) + (s.tiled() ? 0 : 4L * c + s.sourceBytes());
		long once = s.sourceBytes() + FINISH + (s.statistics() && s.tiled() ? 4L * c : 0);
		return pixels * (entries * held + once);
	}

	/**
	 * Refuses a part that would not fit in the heap, in one sentence naming the image, what it needs
	 * and the -Xmx to give.
	 *
	 * @param name the input file named in the sentence
	 * @param batchGiven whether the user gave batch= (else the part's size is the automatic one)
	 */
	static void check(String name, Shape s, int entries, boolean batchGiven) {
		long pixels = (long) s.width() * s.height();
		if (entries * pixels > BatchParts.MAX_ARRAY) {
			// the blended maps of a part are one array (TileBlender): it would fail after the part's tiles
			throw new IllegalArgumentException("'" + name + "' is " + s.width() + " x " + s.height() + " pixels: the maps of a part of " + entries
				+ " slices of it hold more values than one array (2^31): give batch=" + Math.max(1, BatchParts.MAX_ARRAY / pixels) + " or less.");
		}
		long need = partBytes(s, entries);
		long left = Limits.heapLeft(need);
		if (need <= left) return;
		Runtime rt = Runtime.getRuntime();
		long suggest = Limits.heapToGive(need, left);
		throw new IllegalArgumentException("'" + name + "' is " + s.width() + " x " + s.height() + " pixels: a part of " + entries
			+ (entries == 1 ? " slice" : " slices") + " of it needs about " + Limits.readableSize(need, left) + " of Java's memory while it is"
			+ " explained (about " + need / Math.max(1, (long) s.width() * s.height()) + " bytes a pixel), more than the "
			+ Limits.readableSize(left, need) + " free of the " + ImagePlusTensors.readableSize(rt.maxMemory()) + " Java may use: start Java with"
			+ " more, e.g. " + BatchLauncher.command(suggest) + " ..." + (entries > 1 ? (batchGiven ? ", or give a smaller batch="
			: ", or give batch=1") : "") + ", or export a smaller region of the image.");
	}

	/**
	 * Refuses a part that cannot be handed over as one array (computed by another thread or machine
	 * for a {@link BatchJob.PartComputer}): more than 2 GB of maps. On one machine parts are streamed
	 * to their files, whatever their size.
	 */
	static void checkHandedOver(String name, int width, int height, int entries) {
		long bytes = BatchParts.mapBytes(width, height, entries);
		if (bytes + 64L * 1024 * entries <= BatchParts.MAX_ARRAY) return;
		String fix = entries > 1 && BatchParts.mapBytes(width, height, 1) + 64L * 1024 <= BatchParts.MAX_ARRAY
			? "set batch=1 (one slice per task), or run the batch runner on one machine, which streams its parts"
			: "run the batch runner on one machine (" + BatchLauncher.COMMAND + "), which streams its parts to disk, or export a smaller"
				+ " region of the image";
		throw new IllegalArgumentException(String.format(Locale.ROOT, "'%s' is %d x %d pixels: a part of %d %s holds %s of maps, more than"
			+ " a task can hand back in one array (2 GB): %s.", name, width, height, entries, entries == 1 ? "slice" : "slices",
			ImagePlusTensors.readableSize(bytes), fix));
	}
}
