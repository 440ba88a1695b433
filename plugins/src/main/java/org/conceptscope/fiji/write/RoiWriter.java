package org.conceptscope.fiji.write;

import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.RoiPositions;
import org.conceptscope.fiji.image.TopFractionMask;
import ij.gui.Roi;
import ij.io.RoiEncoder;
import ij.plugin.filter.ThresholdToSelection;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Turns attribution maps into ImageJ ROIs, one per slice/frame, and saves them as a RoiSet.zip
 * that Fiji's ROI Manager opens. Each ROI outlines the top fraction of its map (see
 * {@link TopFractionMask} for why a rank threshold), is named
 * {@code method; target class; slice=z} (plus {@code ; frame=t} for time series), sits on its
 * (slice, frame) of the image it is made for ({@link RoiPositions}: all channels of a hyperstack,
 * its stack index on a plain stack) and carries properties: score (mean map value inside), target,
 * method, the top fraction, pixels.
 */
public final class RoiWriter {

	/**
	 * Default top fraction: 10 % of the pixels is small enough to point at the evidence and large
	 * enough to give connected regions on small patches (about 100 pixels of a 32 x 32 patch).
	 */
	public static final double DEFAULT_TOP_FRACTION = 0.1;

	private RoiWriter() {}

	/**
	 * One ROI per batch entry, in batch order; entries whose mask is empty (constant map) get none.
	 *
	 * @param on the image the ROIs are positioned for (the new image they are the overlay of)
	 */
	public static List<Roi> rois(Explanation e, double topFraction, ij.ImagePlus on) {
		int w = e.image().getWidth(), h = e.image().getHeight();
		List<Roi> out = new ArrayList<>();
		for (int b = 0; b < e.size(); b++) {
			String target = e.className(e.target(b));
			Roi roi = roi(e.map(b), w, h, topFraction, e.method(), target);
			if (roi == null) continue;
			int slice = e.batches().slice(b), frame = e.batches().frame(b);
			roi.setName(name(e.method(), target, slice, e.batches().frames() > 1 ? frame : 0));
			out.add(RoiPositions.place(roi, on, 0, slice, frame));
		}
		return out;
	}

	/**
	 * The top fraction of a map [h*w] outlined as an ROI with the properties score (mean map value inside),
	 * the top fraction and pixels, without name or position; null when the mask is empty (constant map).
	 */
	public static Roi topFraction(float[] map, int w, int h, double topFraction) {
		ByteProcessor mask = TopFractionMask.of(map, w, h, topFraction);
		Roi roi = toRoi(mask);
		if (roi == null) return null;
		roi.setProperty("score", Numbers.property(meanInside(map, mask)));
		roi.setProperty(CommandSpecs.TOP_FRACTION.key(), Numbers.property(topFraction));
		roi.setProperty("pixels", Integer.toString(count(mask)));
		return roi;
	}

	/**
	 * An attribution map's ROI: {@link #topFraction} with the properties target and method too;
	 * null when the mask is empty (a constant map).
	 */
	public static Roi roi(float[] map, int width, int height, double topFraction, String method, String target) {
		Roi roi = topFraction(map, width, height, topFraction);
		if (roi == null) return null;
		roi.setProperty("target", target);
		roi.setProperty("method", method);
		return roi;
	}

	/** ROI name: {@code method; target; slice=z}, with {@code ; frame=t} when frame > 0. */
	public static String name(String method, String target, int slice, int frame) {
		return frame > 0 ? join(method, target, "slice=" + slice, "frame=" + frame) : join(method, target, "slice=" + slice);
	}

	/** Between the parts of a ROI name. */
	public static final String SEPARATOR = "; ";

	/**
	 * A ROI name from its parts. A RoiSet.zip holds one file per ROI named after it, and users
	 * unpack them: every part keeps only characters allowed in file names on Windows, macOS and
	 * Linux ({@code <>:"/\|?*} and control characters become '-'; a layer conv2/relu reads conv2-relu).
	 */
	public static String join(String... parts) {
		StringBuilder b = new StringBuilder();
		for (String p : parts) {
			if (b.length() > 0) b.append(SEPARATOR);
			b.append(part(p));
		}
		return b.toString();
	}

	/** One part of a ROI name, as {@link #join} writes it. */
	public static String part(String p) {
		StringBuilder b = new StringBuilder(p.length());
		for (char c : p.toCharArray()) b.append(c < 0x20 || "<>:\"/\\|?*".indexOf(c) >= 0 ? '-' : c);
		return b.toString();
	}

	/** Saves ROIs as RoiSet.zip (entry = ROI name + ".roi", as the ROI Manager does), atomically. */
	public static void save(List<Roi> rois, Path zip) throws IOException {
		AtomicFiles.write(zip, out -> {
			ZipWriter zos = new ZipWriter(out);
			for (Roi roi : rois) zos.add(roi.getName(), encode(roi));
			zos.finish();
		});
	}

	/** A ROI in ImageJ's .roi format (what a RoiSet.zip entry holds). */
	public static byte[] encode(Roi roi) throws IOException {
		byte[] bytes = RoiEncoder.saveAsByteArray(roi);
		if (bytes == null) throw new IOException("ImageJ could not encode ROI '" + roi.getName() + "'.");
		return bytes;
	}

	/** Writes encoded ROIs one at a time into a RoiSet.zip stream, entry names made unique. */
	public static final class ZipWriter {

		private final ZipOutputStream zip;
		private final Set<String> used = new HashSet<>();

		public ZipWriter(OutputStream out) {
			zip = new ZipOutputStream(out);
		}

		public void add(String name, byte[] encoded) throws IOException {
			zip.putNextEntry(new ZipEntry(entryName(name, used)));
			zip.write(encoded);
			zip.closeEntry();
		}

		/** Writes the zip's directory; the stream stays open. */
		public void finish() throws IOException {
			zip.finish();
		}
	}

	static Roi toRoi(ByteProcessor mask) {
		if (count(mask) == 0) return null;
		mask.setThreshold(255, 255, ImageProcessor.NO_LUT_UPDATE);
		return new ThresholdToSelection().convert(mask);
	}

	// A guard for names made elsewhere (e.g. a user's ROI): the entry is a file name once unpacked.
	private static String entryName(String roiName, Set<String> used) {
		String base = roiName == null ? "roi" : part(roiName);
		String name = base;
		for (int i = 2; !used.add(name); i++) name = base + "-" + i;
		return name + ".roi";
	}

	static double meanInside(float[] map, ByteProcessor mask) {
		byte[] m = (byte[]) mask.getPixels();
		double sum = 0;
		int n = 0;
		for (int i = 0; i < map.length; i++) {
			if (m[i] != 0) {
				sum += map[i];
				n++;
			}
		}
		return n == 0 ? Double.NaN : sum / n;
	}

	static int count(ByteProcessor mask) {
		byte[] m = (byte[]) mask.getPixels();
		int n = 0;
		for (byte v : m) {
			if (v != 0) n++;
		}
		return n;
	}

}
