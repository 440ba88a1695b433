package org.conceptscope.fiji.write;

import ij.measure.Calibration;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a 32-bit float TIFF stack plane by plane, for stacks too long to hold: only one plane
 * is in memory at a time. The layout is ImageJ's own (big-endian, every IFD first, then the
 * planes back to back, an "ImageJ=" description with images/slices/frames), so ImageJ and Fiji
 * open it as a stack, including as a virtual stack. The display range (min/max of every value
 * written) is filled into the description at the end. Planes may carry slice labels, written as
 * ImageJ's TiffEncoder writes them (its IJMetaData tags in the first IFD, the labels as UTF-16
 * before the pixels), so ImageJ shows them; their room is reserved up front, as the labels come
 * with the planes. The file appears complete on {@link #commit()} or not at all ({@link AtomicFiles#begin}).
 */
public final class TiffStackWriter implements Closeable {

	/** The description is reserved at this size and patched with min/max on commit. */
	private static final int DESCRIPTION_BYTES = 512;
	/**
	 * Longer units stay out: the rest of the description takes under 250 of its 512 bytes, a letter escaped
	 * 6 (a movie's frame interval is left out where a long escaped unit leaves no room for it).
	 */
	private static final int MAX_UNIT = 40;
	private static final int TAGS_FIRST = 12, TAGS_OTHER = 11, TAGS_CALIBRATION = 3, TAGS_LABELS = 2, RATIONALS_BYTES = 16;
	/** ImageJ's private TIFF tags (IJMetaDataByteCounts, IJMetaData) and its metadata's magic word and label type. */
	private static final int META_DATA_BYTE_COUNTS = 50838, META_DATA = 50839, MAGIC = 0x494a494a, LABELS = 0x6c61626c;
	/** The metadata's own header: the magic word, then one (type, count) pair (the labels). */
	private static final int META_HEADER = 12;
	/** Classic TIFF offsets are 32-bit: beyond 4 GB only the first IFD is written, as ImageJ does. */
	private static final long MAX_CLASSIC = 0xFFFF_FFFFL;

	private final AtomicFiles.Pending file;
	private final int width, height, planes, slices, frames;
	private final long dataStart, planeBytes;
	private final long descriptionOffset, rationalsOffset;
	/** The most characters of a plane's label; 0: no labels (and no metadata tags). */
	private final int labelChars;
	/** Where the labels' byte counts and the metadata (header, then the labels) start; the next label's offset. */
	private final long countsOffset, metaOffset;
	private long labelAt;
	/** The input's pixel size (XResolution, YResolution and ImageJ's unit and spacing), or null. */
	private final Calibration calibration;
	/** Its unit as the description writes it; null exactly when calibration is. */
	private final String unit;
	/** The frame interval and its unit as description lines ({@code finterval=}, {@code tunit=}), or empty. */
	private String time;
	/** Whether the description holds the origin (left out only where a long escaped unit leaves no room). */
	private boolean origins = true;
	private final ByteBuffer plane;
	private int written;
	private double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;

	/** A stack of {@code slices x frames} planes of width x height (slices fastest). */
	public TiffStackWriter(Path target, int width, int height, int slices, int frames) throws IOException {
		this(target, width, height, slices, frames, null);
	}

	/**
	 * As {@link #TiffStackWriter(Path, int, int, int, int)}, with the pixel size of the image the maps
	 * explain ({@link HeatmapWriter#spatialCalibration}), so they measure in its units, and, for
	 * frames, its frame interval; null or an uncalibrated one: pixels.
	 */
	public TiffStackWriter(Path target, int width, int height, int slices, int frames, Calibration calibration) throws IOException {
		this(target, width, height, slices, frames, calibration, 0);
	}

	/**
	 * As {@link #TiffStackWriter(Path, int, int, int, int, Calibration)}, each plane with a slice label of at most
	 * {@code labelChars} characters ({@link #write(float[], String)}); 0: no labels.
	 */
	public TiffStackWriter(Path target, int width, int height, int slices, int frames, Calibration calibration, int labelChars)
		throws IOException {
		if (width < 1 || height < 1 || slices < 1 || frames < 1 || labelChars < 0) {
			throw new IllegalArgumentException("A TIFF stack needs positive sizes, got " + width + "x" + height + ", " + slices
				+ " slices, " + frames + " frames, labels of " + labelChars + " characters.");
		}
		this.width = width;
		this.height = height;
		this.slices = slices;
		this.frames = frames;
		this.planes = Math.multiplyExact(slices, frames);
		this.planeBytes = 4L * width * height;
		String u = calibration != null && calibration.scaled() ? asciiUnit(calibration) : null;
		this.unit = u;
		this.calibration = u != null ? calibration : null;
		this.time = frames > 1 && calibration != null ? timeLines(calibration) : "";
		// Where a long escaped unit leaves no room, optional lines go, in this order, until the description fits
		// (with the longest min and max a double prints): the frame interval, then the origin. The pixel size and
		// spacing always fit, so the maps keep their pixel size.
		if (!fits()) this.time = "";
		if (!fits()) this.origins = false;
		this.labelChars = labelChars;
		long firstIfd = 8, firstIfdSize = 2 + 12L * firstTags() + 4;
		this.descriptionOffset = firstIfd + firstIfdSize;
		this.rationalsOffset = descriptionOffset + DESCRIPTION_BYTES;
		this.countsOffset = rationalsOffset + (this.calibration != null ? RATIONALS_BYTES : 0);
		// the labels' room: a byte count for the header and each plane, the header, every label at its longest in UTF-16
		this.metaOffset = countsOffset + (labelChars > 0 ? 4L * (planes + 1) : 0);
		long metaBytes = labelChars > 0 ? META_HEADER + 2L * labelChars * planes : 0;
		// ImageJ reads the metadata's offset and size as signed 32-bit numbers
		if (metaOffset + metaBytes > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("Labels of " + labelChars + " characters on " + planes + " planes take more than the 2 GB"
				+ " ImageJ reads of TIFF metadata.");
		}
		this.labelAt = metaOffset + META_HEADER;
		long otherIfdSize = 2 + 12L * TAGS_OTHER + 4;
		long otherIfds = metaOffset + metaBytes;
		long allIfds = otherIfds + otherIfdSize * (planes - 1);
		boolean everyIfd = allIfds + planeBytes * planes <= MAX_CLASSIC;
		this.dataStart = everyIfd ? allIfds : otherIfds;
		this.plane = ByteBuffer.allocate(Math.toIntExact(planeBytes)).order(ByteOrder.BIG_ENDIAN);
		this.file = AtomicFiles.begin(target);
		try {
			writeHeader(everyIfd, otherIfds, otherIfdSize);
			file.position(dataStart);
		} catch (IOException | RuntimeException e) {
			file.close();
			throw e;
		}
	}

	public int planes() {
		return planes;
	}

	public int written() {
		return written;
	}

	/** Appends the next plane (row by row, width x height values), unlabelled. */
	public void write(float[] values) throws IOException {
		write(values, null);
	}

	/**
	 * Appends the next plane (row by row, width x height values) with its slice label (null or empty: none),
	 * at most the constructor's {@code labelChars} characters.
	 */
	public void write(float[] values, String label) throws IOException {
		if (values.length != width * height) {
			throw new IllegalArgumentException("A plane has " + width * height + " values, got " + values.length + ".");
		}
		if (written >= planes) throw new IllegalStateException("All " + planes + " planes are already written.");
		int chars = label == null ? 0 : label.length();
		if (chars > labelChars) {
			throw new IllegalArgumentException("The label of plane " + (written + 1) + " has " + chars + " characters, more than the "
				+ labelChars + " reserved" + (labelChars == 0 ? " (this stack has no labels)." : "."));
		}
		if (labelChars > 0) {
			// its byte count, then its characters after the labels before it, as ImageJ reads them
			file.write(ByteBuffer.allocate(4).putInt(0, 2 * chars), countsOffset + 4L * (written + 1));
			if (chars > 0) {
				ByteBuffer text = ByteBuffer.allocate(2 * chars).order(ByteOrder.BIG_ENDIAN);
				text.asCharBuffer().put(label);
				file.write(text, labelAt);
				labelAt += 2L * chars;
			}
		}
		plane.clear();
		plane.asFloatBuffer().put(values);
		for (float v : values) {
			if (Float.isFinite(v)) {
				if (v < min) min = v;
				if (v > max) max = v;
			}
		}
		plane.limit(plane.capacity());
		file.write(plane);
		written++;
	}

	/** Fills the display range into the description and moves the file into place; every plane must be written. */
	public void commit() throws IOException {
		if (written != planes) throw new IllegalStateException("Only " + written + " of " + planes + " planes were written.");
		ByteBuffer d = description(min <= max ? min : 0, min <= max ? max : 1);
		file.write(d, descriptionOffset);
		if (labelChars > 0) {
			// the metadata's header and its size, now that the labels' length is known
			file.write(ByteBuffer.allocate(4).putInt(0, META_HEADER), countsOffset);
			file.write(ByteBuffer.allocate(META_HEADER).putInt(MAGIC).putInt(LABELS).putInt(planes).flip(), metaOffset);
			long metaSizeField = 8 + 2 + 12L * (firstTags() - 1) + 4; // the count of the first IFD's last entry, IJMetaData
			file.write(ByteBuffer.allocate(4).putInt(0, (int) (labelAt - metaOffset)), metaSizeField);
		}
		file.commit();
	}

	/** Discards the file unless committed. */
	@Override
	public void close() {
		file.close();
	}

	/** The header, the first IFD, its description and rationals, and every other IFD; the labels' room is filled as they come. */
	private void writeHeader(boolean everyIfd, long otherIfds, long otherIfdSize) throws IOException {
		ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(countsOffset)).order(ByteOrder.BIG_ENDIAN);
		b.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
		// IFD 0, with the description
		b.putShort((short) firstTags());
		tags(b, 0, true);
		b.putInt(everyIfd && planes > 1 ? (int) otherIfds : 0);
		b.put(description(0, 1));
		if (calibration != null) {
			rational(b, 1 / calibration.pixelWidth);
			rational(b, 1 / calibration.pixelHeight);
		}
		b.flip();
		file.write(b, 0);
		if (everyIfd && planes > 1) {
			ByteBuffer others = ByteBuffer.allocate(Math.toIntExact(dataStart - otherIfds)).order(ByteOrder.BIG_ENDIAN);
			for (int i = 1; i < planes; i++) {
				others.putShort((short) TAGS_OTHER);
				tags(others, i, false);
				others.putInt(i + 1 < planes ? (int) (otherIfds + otherIfdSize * i) : 0);
			}
			others.flip();
			file.write(others, otherIfds);
		}
	}

	/** The entries of IFD i, in ascending tag order as TIFF requires. */
	private void tags(ByteBuffer b, int i, boolean first) {
		entry(b, 254, 4, 0); // NewSubfileType
		entry(b, 256, 4, width); // ImageWidth
		entry(b, 257, 4, height); // ImageLength
		entry(b, 258, 3, 32); // BitsPerSample
		entry(b, 259, 3, 1); // Compression: none
		entry(b, 262, 3, 1); // PhotometricInterpretation: black is zero
		if (first) {
			b.putShort((short) 270).putShort((short) 2).putInt(DESCRIPTION_BYTES).putInt((int) descriptionOffset); // ImageDescription
		}
		entry(b, 273, 4, dataStart + planeBytes * i); // StripOffsets
		entry(b, 277, 3, 1); // SamplesPerPixel
		entry(b, 278, 4, height); // RowsPerStrip
		entry(b, 279, 4, planeBytes); // StripByteCounts
		if (first && calibration != null) {
			b.putShort((short) 282).putShort((short) 5).putInt(1).putInt((int) rationalsOffset); // XResolution: pixels per unit
			b.putShort((short) 283).putShort((short) 5).putInt(1).putInt((int) rationalsOffset + 8); // YResolution
			entry(b, 296, 3, 1); // ResolutionUnit: none (the unit is in ImageJ's description), not the default inch
		}
		entry(b, 339, 3, 3); // SampleFormat: IEEE float
		if (first && labelChars > 0) {
			b.putShort((short) META_DATA_BYTE_COUNTS).putShort((short) 4).putInt(planes + 1).putInt((int) countsOffset);
			// its size (bytes of type BYTE) is filled in on commit
			b.putShort((short) META_DATA).putShort((short) 1).putInt(0).putInt((int) metaOffset);
		}
	}

	/** The first IFD's entries: the calibration's and the labels' where there are. */
	private int firstTags() {
		return TAGS_FIRST + (calibration != null ? TAGS_CALIBRATION : 0) + (labelChars > 0 ? TAGS_LABELS : 0);
	}

	/** Whether the description fits its room with the longest min and max a double prints. */
	private boolean fits() {
		try {
			description(-Double.MIN_NORMAL, -Double.MIN_NORMAL);
			return true;
		} catch (IllegalStateException tooLong) {
			return false;
		}
	}

	/** A RATIONAL as ImageJ writes a resolution: the value over a power of ten that keeps its digits. */
	private static void rational(ByteBuffer b, double value) {
		double scale = value > 1000 ? 1000 : 1_000_000;
		b.putInt((int) Math.min(0xFFFF_FFFFL, Math.round(value * scale))).putInt((int) scale);
	}

	/**
	 * The unit as ImageJ writes it in a TIFF description: letters beyond ASCII as \\uXXXX escapes,
	 * which ImageJ's reader turns back (µm); null for a unit a description line cannot hold, or one
	 * so long that the description, reserved before the display range is known, might not.
	 */
	private static String asciiUnit(Calibration c) {
		return ascii(c.getUnit());
	}

	/** A unit as a description line holds it (see {@link #asciiUnit}), or null. */
	private static String ascii(String u) {
		if (u == null || u.isBlank() || u.length() > MAX_UNIT || u.chars().anyMatch(ch -> ch < 32 || ch == 127)) return null;
		StringBuilder out = new StringBuilder();
		for (char ch : u.toCharArray()) {
			if (ch < 127) out.append(ch);
			else out.append(String.format(Locale.ROOT, "\\u%04X", (int) ch));
		}
		return out.toString();
	}

	/** One IFD entry with a single SHORT (3) or LONG (4) value, left-justified in the value field. */
	private static void entry(ByteBuffer b, int tag, int type, long value) {
		b.putShort((short) tag).putShort((short) type).putInt(1);
		if (type == 3) b.putShort((short) value).putShort((short) 0);
		else b.putInt((int) value);
	}

	/** A movie's frame interval as ImageJ writes it ({@code finterval=}, and {@code tunit=} unless seconds); empty without one. */
	private static String timeLines(Calibration c) {
		if (!(c.frameInterval > 0) || !Double.isFinite(c.frameInterval)) return "";
		String unit = ascii(c.getTimeUnit());
		return String.format(Locale.ROOT, "finterval=%s%n", c.frameInterval).replace("\r", "")
			+ (unit == null || unit.equals("sec") ? "" : "tunit=" + unit + "\n");
	}

	/** An origin line as ImageJ writes it (in pixels), only where it is not 0. */
	private static void origin(StringBuilder s, String key, double value) {
		if (value != 0 && Double.isFinite(value)) s.append(key).append('=').append(Double.toString(value)).append('\n');
	}

	/** The ImageJ description padded with blank lines to its reserved size, NUL-terminated. */
	private ByteBuffer description(double lo, double hi) {
		StringBuilder s = new StringBuilder("ImageJ=1.54p\n");
		s.append("images=").append(planes).append('\n');
		s.append("slices=").append(slices).append('\n');
		if (frames > 1) s.append("frames=").append(frames).append('\n').append("hyperstack=true\n").append(time);
		if (calibration != null) {
			s.append("unit=").append(unit).append('\n');
			// the voxel depth even of one slice (a CT slice's 5 mm), which ImageJ reads back from the description
			if (calibration.pixelDepth != 1 && calibration.pixelDepth > 0 && Double.isFinite(calibration.pixelDepth)) {
				s.append(String.format(Locale.ROOT, "spacing=%s%n", calibration.pixelDepth).replace("\r", ""));
			}
			if (origins) {
				origin(s, "xorigin", calibration.xOrigin);
				origin(s, "yorigin", calibration.yOrigin);
				origin(s, "zorigin", calibration.zOrigin);
			}
		}
		s.append(String.format(Locale.ROOT, "min=%s%nmax=%s%n", lo, hi).replace("\r", ""));
		byte[] text = s.toString().getBytes(StandardCharsets.US_ASCII);
		if (text.length > DESCRIPTION_BYTES - 1) throw new IllegalStateException("TIFF description too long.");
		byte[] all = new byte[DESCRIPTION_BYTES];
		System.arraycopy(text, 0, all, 0, text.length);
		for (int i = text.length; i < DESCRIPTION_BYTES - 1; i++) all[i] = '\n';
		all[DESCRIPTION_BYTES - 1] = 0;
		return ByteBuffer.wrap(all);
	}
}
