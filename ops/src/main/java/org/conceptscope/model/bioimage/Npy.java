package org.conceptscope.model.bioimage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.model.ModelLoadException;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.AtomicWrite;

/**
 * NumPy .npy files (format versions 1, 2 and 3), as bioimage.io packages store their test
 * tensors: C-order arrays of float32/float64, (u)int8, (u)int16, (u)int32, little or big
 * endian, read into a {@link FloatTensor} (integers and doubles converted to float). The header
 * is checked strictly: a wrong magic, a truncated file, Fortran order, an unsupported type or a
 * size that does not match the shape gives a message naming the file.
 */
public final class Npy {

	private static final byte[] MAGIC = { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y' };
	/** Largest array read: 2^31 - 1 values (a Java array). */
	private static final long MAX_VALUES = Integer.MAX_VALUE - 8;
	/** Test tensors are small; a larger file is refused before it is read into memory. */
	static final long MAX_FILE_BYTES = 1L << 30;
	private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
	private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
	private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

	private Npy() {}

	/** Reads an .npy file as float32 values. */
	public static FloatTensor read(Path file) {
		byte[] bytes;
		try {
			long size = Files.size(file);
			if (size > MAX_FILE_BYTES) throw bad(file, "it is too large for a test tensor (" + size + " bytes)");
			bytes = Files.readAllBytes(file);
		} catch (IOException e) {
			throw new ModelLoadException("Cannot read the test tensor " + file + ": " + e.getMessage(), e);
		}
		return parse(bytes, file.toString());
	}

	static FloatTensor parse(byte[] bytes, String name) {
		if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) throw bad(name, "it is not a NumPy .npy file");
		int major = bytes[6] & 0xff;
		int headerLen, offset;
		ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
		if (major == 1) {
			headerLen = b.getShort(8) & 0xffff;
			offset = 10;
		} else if (major == 2 || major == 3) {
			if (bytes.length < 12) throw bad(name, "it is truncated");
			long len = b.getInt(8) & 0xffffffffL;
			if (len > 1 << 20) throw bad(name, "its header is implausibly long");
			headerLen = (int) len;
			offset = 12;
		} else {
			throw bad(name, "it has .npy format version " + major + "; versions 1 to 3 are supported");
		}
		if (offset + headerLen > bytes.length) throw bad(name, "it is truncated (the header ends after the file)");
		String header = new String(bytes, offset, headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
		Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
		if (!d.find() || !f.find() || !s.find()) throw bad(name, "its header is not a valid .npy header: " + header.trim());
		if (f.group(1).equals("True")) throw bad(name, "it is stored in Fortran order; save it in C order (numpy.ascontiguousarray)");
		char order = d.group(1).charAt(0), kind = d.group(2).charAt(0);
		int itemSize = Integer.parseInt(d.group(3));
		String type = "" + kind + itemSize;
		// b1: numpy's bool (a binarized output); i8/u8: int64/uint64, read as the nearest float like the others
		if (!List.of("f2", "f4", "f8", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "b1").contains(type)) {
			throw bad(name, "its data type '" + d.group(1) + type + "' is not supported (bool, float16/32/64, (u)int8/16/32/64)");
		}
		List<Long> dims = new ArrayList<>();
		for (String part : s.group(1).split(",")) {
			if (part.isBlank()) continue;
			long v;
			try {
				v = Long.parseLong(part.trim());
			} catch (NumberFormatException e) {
				throw bad(name, "its shape (" + s.group(1) + ") is not a list of numbers");
			}
			if (v < 0) throw bad(name, "its shape has a negative dimension");
			dims.add(v);
		}
		long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
		long count = 1;
		for (long v : shape) {
			if (v != 0 && count > MAX_VALUES / v) throw bad(name, "it holds too many values (shape " + Arrays.toString(shape) + ")");
			count *= v;
		}
		int dataStart = offset + headerLen;
		long needed = count * itemSize;
		if (bytes.length - dataStart < needed) {
			throw bad(name, "it is truncated: shape " + Arrays.toString(shape) + " needs " + needed + " bytes of data, the file has "
				+ (bytes.length - dataStart));
		}
		if (bytes.length - dataStart > needed) {
			throw bad(name, "it has " + (bytes.length - dataStart - needed) + " bytes more than its shape " + Arrays.toString(shape) + " needs");
		}
		ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) needed).slice()
			.order(order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
		float[] out = new float[(int) count];
		for (int i = 0; i < out.length; i++) {
			out[i] = switch (type) {
				case "f4" -> data.getFloat(4 * i);
				case "f8" -> (float) data.getDouble(8 * i);
				case "u1" -> data.get(i) & 0xff;
				case "i1" -> data.get(i);
				case "u2" -> data.getShort(2 * i) & 0xffff;
				case "i2" -> data.getShort(2 * i);
				case "u4" -> data.getInt(4 * i) & 0xffffffffL;
				case "i4" -> data.getInt(4 * i);
				case "i8" -> data.getLong(8 * i);
				case "u8" -> unsigned(data.getLong(8 * i));
				case "f2" -> half(data.getShort(2 * i));
				default -> data.get(i) == 0 ? 0 : 1; // b1
			};
		}
		return new FloatTensor(shape, out);
	}

	/** An IEEE 754 half-precision value (numpy float16). */
	static float half(short bits) {
		int h = bits & 0xffff, sign = (h >>> 15) == 0 ? 1 : -1, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
		if (exp == 0) return sign * mant * 0x1p-24f; // zero and subnormals: mant * 2^-14 / 1024
		if (exp == 31) return mant == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
		return sign * (1 + mant / 1024f) * (float) Math.pow(2, exp - 15);
	}

	private static float unsigned(long v) {
		return v >= 0 ? v : (float) ((v >>> 1) * 2.0 + (v & 1));
	}

	/** Writes a float32 little-endian C-order .npy (version 1.0), atomically. */
	public static void write(Path file, FloatTensor t) throws IOException {
		StringBuilder shape = new StringBuilder();
		for (long d : t.shape()) shape.append(d).append(", ");
		if (t.rank() > 1) shape.setLength(shape.length() - 1); // "(1, 2)", but "(3,)" for rank 1
		String dict = String.format(Locale.ROOT, "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }",
			t.rank() == 0 ? "" : shape.toString().trim());
		int total = MAGIC.length + 4 + dict.length() + 1;
		int pad = (64 - total % 64) % 64;
		String header = dict + " ".repeat(pad) + "\n";
		ByteBuffer data = ByteBuffer.allocate(4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : t.data()) data.putFloat(v);
		AtomicWrite.write(file, out -> {
			out.write(MAGIC);
			out.write(new byte[] { 1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8) });
			out.write(header.getBytes(StandardCharsets.ISO_8859_1));
			out.write(data.array());
		});
	}

	private static ModelLoadException bad(Object file, String why) {
		return new ModelLoadException("The test tensor " + file + " cannot be read: " + why + ".");
	}
}
