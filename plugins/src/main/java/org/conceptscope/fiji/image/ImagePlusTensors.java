package org.conceptscope.fiji.image;

import ij.ImagePlus;
import ij.process.ImageProcessor;

import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;

import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.ImageAxes;
import org.conceptscope.tensor.ImageTensors;
import org.conceptscope.tensor.Normalization;

/**
 * Reads an ImageJ 1.x image into imglib2 and into a model tensor, without touching its pixels
 * (everything is copied). Layout is X, Y, channel, batch ({@link ImageAxes#XYCB}): RGB pixels
 * give three channels (R, G, B) per ImageJ channel, slices and frames become the batch
 * ({@link BatchIndex}).
 * <p>
 * Pixel types are kept where the type range means something to the model's normalisation:
 * uncalibrated 8-bit and RGB stay unsigned bytes, uncalibrated 16-bit stays unsigned short, so
 * "unit_range" divides by 255 or 65535 as for an imglib2 image opened in Fiji. Images with a
 * density calibration (e.g. DICOM CT in Hounsfield units, signed 16-bit) give their calibrated
 * values as floats, because models for such data are trained on physical units. 32-bit images
 * are read as they are: ImageJ applies no density calibration to float images. An 8-bit image
 * with a colour LUT gives its pixel values (ImageJ cannot tell a pseudo-colour LUT, which is
 * display only, from a GIF-style palette); convert palette images to RGB first.
 */
public final class ImagePlusTensors {

	/** A model input tensor [N, H, W, C] and where each of its N entries came from. */
	public record Converted(FloatTensor tensor, BatchIndex batches) {}

	private ImagePlusTensors() {}

	/**
	 * The image as a normalised NHWC batch, plus the batch-to-(slice, frame) map. A stack of tiles
	 * ({@link ImageTiles}) under a normalisation that takes statistics is normalised as a tiled run
	 * normalises its tiles, over the whole slice they were cut from, not tile by tile.
	 */
	public static Converted toTensor(ImagePlus imp, Normalization normalization) {
		if (normalization == null) throw new IllegalArgumentException("No normalisation given; use Normalization.None for raw values.");
		checkMemory(imp, false);
		ImageTiles.Origin origin = ImageTiles.origin(imp);
		FloatTensor t;
		if (origin != null && !Normalization.pointwise(normalization, typeMax(origin.image()))) {
			t = TiledExplainer.tiles(new ImagePlusTiles(origin.image()), normalization, origin.grid());
		} else {
			t = tensorOf(toImg(imp), normalization);
		}
		int bad = t.firstNonFinite();
		if (bad >= 0) {
			int entry = bad / t.stride0();
			throw new NonFiniteValues(imp.getTitle(), batches(imp), entry, !nonFinite(imp, entry)); // the pixels', or the normalisation's
		}
		return new Converted(t, batches(imp));
	}

	/**
	 * Refuses a 32-bit image holding NaN or infinite pixels, naming the first slice (and frame) that
	 * does: what {@link #toTensor} checks, for a caller that reads the image tile by tile, before the
	 * first tile (only 32-bit planes can hold such values).
	 *
	 * @throws NonFiniteValues naming the image and the slice
	 */
	public static void checkFinite(ImagePlus imp) {
		if (imp.getBitDepth() != 32) return;
		BatchIndex where = batches(imp);
		for (int b = 0; b < where.size(); b++) if (nonFinite(imp, b)) throw new NonFiniteValues(imp.getTitle(), where, b, false);
	}

	/** Whether a plane of batch entry b of a 32-bit image holds NaN or infinite pixels (other types cannot). */
	private static boolean nonFinite(ImagePlus imp, int b) {
		if (imp.getBitDepth() != 32) return false;
		BatchIndex where = batches(imp);
		for (int c = 1; c <= imp.getNChannels(); c++) {
			ImageProcessor ip = imp.getStackSize() == 1 ? imp.getProcessor() : imp.getStack().getProcessor(stackIndex(imp, c, where.slice(b), where.frame(b)));
			for (float v : (float[]) ip.getPixels()) if (!Float.isFinite(v)) return true;
		}
		return false;
	}

	/** NaN or infinite values in one batch entry of an image, named by its slice (and frame) counted from 1. */
	public static final class NonFiniteValues extends IllegalArgumentException {

		private static final long serialVersionUID = 1L;

		/** The batch entry (from 0) of the image that holds them. */
		public final int entry;

		/** Whether the values appeared only after the model's normalisation (else the pixels hold them). */
		public final boolean normalised;

		NonFiniteValues(String title, BatchIndex where, int entry, boolean normalised) {
			super(sentence("'" + title + "'", where, entry, normalised));
			this.entry = entry;
			this.normalised = normalised;
		}

		/** The sentence for entry {@code entry} of an image described as {@code what}. */
		public static String sentence(String what, BatchIndex where, int entry, boolean normalised) {
			return "Slice " + where.slice(entry) + (where.frames() > 1 ? ", frame " + where.frame(entry) : "") + " of " + what
				+ " contains NaN or infinite values" + (normalised ? " (after the model's normalisation)" : "")
				+ ": replace them (Process > Math > Remove NaNs...) or take a substack without that slice.";
		}
	}

	/** The image as a 4D imglib2 image X, Y, channel, batch (size-1 axes kept). */
	public static Img<? extends RealType<?>> toImg(ImagePlus imp) {
		check(imp);
		int w = imp.getWidth(), h = imp.getHeight(), c = channels(imp), n = batches(imp).size();
		long size = (long) w * h * c * n;
		if (size > Integer.MAX_VALUE - 8) {
			throw new IllegalArgumentException("Image '" + imp.getTitle() + "' has " + size
				+ " values, more than one array holds; crop it or process fewer slices at a time.");
		}
		int planeSize = w * h;
		switch (storage(imp)) {
			case UNSIGNED_BYTE: {
				byte[] data = new byte[(int) size];
				forEachPlane(imp, (plane, offset) -> {
					for (int i = 0; i < planeSize; i++) data[offset + i] = (byte) plane[i];
				});
				return ArrayImgs.unsignedBytes(data, w, h, c, n);
			}
			case UNSIGNED_SHORT: {
				short[] data = new short[(int) size];
				forEachPlane(imp, (plane, offset) -> {
					for (int i = 0; i < planeSize; i++) data[offset + i] = (short) plane[i];
				});
				return ArrayImgs.unsignedShorts(data, w, h, c, n);
			}
			default: {
				float[] data = new float[(int) size];
				forEachPlane(imp, (plane, offset) -> System.arraycopy(plane, 0, data, offset, planeSize));
				return ArrayImgs.floats(data, w, h, c, n);
			}
		}
	}

	/**
	 * Refuses an image whose copies would not fit in the heap, before anything is copied (an
	 * OutOfMemoryError half-way leaves ImageJ itself short of memory): the imglib2 copy and the
	 * float tensor of {@link #toTensor}, and with {@code newImage} the 32-bit image channels of the
	 * new image a command builds. Needed bytes are compared with what the heap
	 * ({@link Runtime#maxMemory()}) has left.
	 */
	public static void checkMemory(ImagePlus imp, boolean newImage) {
		check(imp);
		long values = (long) imp.getWidth() * imp.getHeight() * channels(imp) * batches(imp).size();
		Storage storage = storage(imp);
		long perValue = (storage == Storage.UNSIGNED_BYTE ? 1 : storage == Storage.UNSIGNED_SHORT ? 2 : 4) + 4 + (newImage ? 4 : 0);
		long perEntry = (long) imp.getWidth() * imp.getHeight() * channels(imp);
		long left = org.conceptscope.util.Limits.heapLeft(perEntry * perValue);
		if (perEntry * perValue > left) {
			// Explaining fewer slices at a time cannot help: one slice alone is too large.
			throw new IllegalArgumentException("The image '" + imp.getTitle() + "' is " + imp.getWidth() + " x " + imp.getHeight()
				+ " pixels; one slice of it alone needs about " + org.conceptscope.util.Limits.readableSize(perEntry * perValue, left) + " for ConceptScope's copies, more"
				+ " than the " + org.conceptscope.util.Limits.readableSize(left, perEntry * perValue) + " Java has free: crop it to the region to explain (Image > Crop), scale it"
				+ " down (Image > Scale...), or give Java more memory (Edit > Options > Memory & Threads..., or -Xmx).");
		}
		checkMemory("The image '" + imp.getTitle() + "'", values, perValue);
	}

	/** Refuses {@code values} image values of {@code perValue} bytes each when the heap has not that much left. */
	public static void checkMemory(String what, long values, long perValue) {
		checkMemory(what, values, perValue, "explain it in parts with the batch runner (" + org.conceptscope.fiji.batch.BatchLauncher.COMMAND + " input=<stack> ..., a batch"
			+ " of slices at a time), take a substack");
	}

	/** As {@link #checkMemory(String, long, long)}, {@code remedy} saying what the user can do besides giving ImageJ more memory. */
	public static void checkMemory(String what, long values, long perValue, String remedy) {
		long needed = values * perValue, left = org.conceptscope.util.Limits.heapLeft(needed);
		if (needed <= left) return;
		throw new IllegalArgumentException(what + " (" + values + " values) needs about " + org.conceptscope.util.Limits.readableSize(needed, left)
			+ " for ConceptScope's copies, more than the " + org.conceptscope.util.Limits.readableSize(left, needed) + " ImageJ has free (of "
			+ readableSize(Runtime.getRuntime().maxMemory()) + "): " + remedy + ", or give ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx).");
	}

	/** "240 MB", "2.5 GB": sizes in messages, as {@link org.conceptscope.util.Limits#readableSize(long)} writes them. */
	public static String readableSize(long bytes) {
		return org.conceptscope.util.Limits.readableSize(bytes);
	}

	/** Model channels of an image: three per ImageJ channel for RGB, one otherwise. */
	public static int channels(ImagePlus imp) {
		check(imp);
		return imp.getNChannels() * (isRgb(imp) ? 3 : 1);
	}

	/** How the batch axis maps to the image's slices and frames. */
	public static BatchIndex batches(ImagePlus imp) {
		check(imp);
		return new BatchIndex(imp.getNSlices(), imp.getNFrames());
	}

	/**
	 * The pixel range the model's normalisation divides by, as {@link #toTensor} uses it: 255 for
	 * uncalibrated 8-bit and RGB, 65535 for uncalibrated 16-bit, NaN for calibrated and 32-bit values.
	 */
	public static double typeMax(ImagePlus imp) {
		return switch (storage(imp)) {
			case UNSIGNED_BYTE -> 255;
			case UNSIGNED_SHORT -> 65535;
			default -> Double.NaN;
		};
	}

	/** Whether values are calibrated ones (see {@link #plane}). */
	public static boolean usesCalibration(ImagePlus imp) {
		int bits = imp.getBitDepth();
		return (bits == 8 || bits == 16) && imp.getCalibration().calibrated();
	}

	/**
	 * One channel of one batch entry as float values, row by row (calibrated values where the
	 * image has a density calibration, R, G or B for RGB). Always a new array.
	 */
	public static float[] plane(ImagePlus imp, int channel, int batch) {
		check(imp);
		int perPixel = isRgb(imp) ? 3 : 1;
		if (channel < 0 || channel >= channels(imp)) {
			throw new IndexOutOfBoundsException("Channel " + channel + " is outside 0.." + (channels(imp) - 1) + ".");
		}
		BatchIndex batches = batches(imp);
		int stackIndex = stackIndex(imp, channel / perPixel + 1, batches.slice(batch), batches.frame(batch));
		// A single image is read from its processor: ImagePlus.getStack() would build a stack for it.
		ImageProcessor ip = imp.getStackSize() == 1 ? imp.getProcessor() : imp.getStack().getProcessor(stackIndex);
		Object pixels = ip.getPixels();
		float[] out = new float[imp.getWidth() * imp.getHeight()];
		float[] cTable = usesCalibration(imp) ? imp.getCalibration().getCTable() : null;
		if (pixels instanceof byte[] p) {
			for (int i = 0; i < out.length; i++) out[i] = cTable != null ? cTable[p[i] & 0xff] : p[i] & 0xff;
		} else if (pixels instanceof short[] p) {
			for (int i = 0; i < out.length; i++) out[i] = cTable != null ? cTable[p[i] & 0xffff] : p[i] & 0xffff;
		} else if (pixels instanceof float[] p) {
			System.arraycopy(p, 0, out, 0, out.length);
		} else if (pixels instanceof int[] p) {
			int shift = 16 - 8 * (channel % 3); // R, G, B
			for (int i = 0; i < out.length; i++) out[i] = (p[i] >> shift) & 0xff;
		} else {
			throw new IllegalArgumentException("Image '" + imp.getTitle() + "' has pixels of an unsupported kind ("
				+ (pixels == null ? "none" : pixels.getClass().getSimpleName()) + ").");
		}
		return out;
	}

	/**
	 * Stack index (1-based) of a 1-based channel, slice and frame, in ImageJ's order (c fastest,
	 * then z, then t). ImagePlus.getStackIndex is not used: on an ImagePlus made from a stack it
	 * clamps to stale dimensions (slice 1) until something has called getNSlices().
	 */
	public static int stackIndex(ImagePlus imp, int channel, int slice, int frame) {
		int channels = imp.getNChannels(), slices = imp.getNSlices();
		return (frame - 1) * channels * slices + (slice - 1) * channels + channel;
	}

	/** Fails with a message a user can act on when the image cannot be converted. */
	public static void check(ImagePlus imp) {
		if (imp == null) throw new IllegalArgumentException("No image given: open an image first.");
		if (imp.getWidth() < 1 || imp.getHeight() < 1 || imp.getStackSize() < 1 || imp.getProcessor() == null) {
			throw new IllegalArgumentException("Image '" + imp.getTitle() + "' is empty (no pixels).");
		}
		int bits = imp.getBitDepth();
		if (bits != 8 && bits != 16 && bits != 24 && bits != 32) {
			throw new IllegalArgumentException("Image '" + imp.getTitle() + "' has an unsupported bit depth " + bits
				+ "; use 8-bit, 16-bit, 32-bit or RGB.");
		}
		if (imp.getStackSize() != imp.getNChannels() * imp.getNSlices() * imp.getNFrames()) {
			throw new IllegalArgumentException("Image '" + imp.getTitle() + "' has " + imp.getStackSize() + " planes but its "
				+ "dimensions say " + imp.getNChannels() + " channels x " + imp.getNSlices() + " slices x " + imp.getNFrames()
				+ " frames; fix them with Image > Properties.");
		}
	}

	private enum Storage { UNSIGNED_BYTE, UNSIGNED_SHORT, FLOAT }

	private static Storage storage(ImagePlus imp) {
		if (isRgb(imp)) return Storage.UNSIGNED_BYTE;
		if (usesCalibration(imp) || imp.getBitDepth() == 32) return Storage.FLOAT;
		return imp.getBitDepth() == 8 ? Storage.UNSIGNED_BYTE : Storage.UNSIGNED_SHORT;
	}

	private static boolean isRgb(ImagePlus imp) {
		return imp.getBitDepth() == 24;
	}

	private interface PlaneSink {
		void accept(float[] plane, int offset);
	}

	/** Visits planes in XYCB order: channel fastest, then batch. */
	private static void forEachPlane(ImagePlus imp, PlaneSink sink) {
		int planeSize = imp.getWidth() * imp.getHeight(), c = channels(imp), n = batches(imp).size();
		for (int b = 0; b < n; b++) {
			for (int ch = 0; ch < c; ch++) sink.accept(plane(imp, ch, b), (b * c + ch) * planeSize);
		}
	}

	// ImageTensors wants T extends RealType<T>; toImg's wildcard type cannot say that.
	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static FloatTensor tensorOf(Img img, Normalization normalization) {
		return ImageTensors.toTensor(img, ImageAxes.XYCB, normalization);
	}
}
