package org.conceptscope.model.bioimage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.conceptscope.model.ModelLoadException;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/**
 * Test tensors of the types numpy writes for real packages' outputs: bool (a binarized output),
 * int64 / uint64 and float16 are read (they were refused, and with them the whole package).
 */
class NpyTest {

	/** A version 1.0 .npy of the given descr and shape around raw little-endian data. */
	static byte[] npy(String descr, String shape, byte[] data) {
		String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
		int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
		String header = dict + " ".repeat(pad) + "\n";
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		b.writeBytes(new byte[] { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), (byte) (header.length() >> 8) });
		b.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
		b.writeBytes(data);
		return b.toByteArray();
	}

	@Test
	void boolInt64Uint64AndFloat16Read() {
		FloatTensor bool = Npy.parse(npy("|b1", "(1, 4)", new byte[] { 0, 1, 0, 1 }), "bool.npy");
		assertArrayEquals(new long[] { 1, 4 }, bool.shape());
		assertArrayEquals(new float[] { 0, 1, 0, 1 }, bool.data(), 0f);

		ByteBuffer longs = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
		longs.putLong(-3).putLong(7).putLong(1L << 40);
		assertArrayEquals(new float[] { -3, 7, (float) (1L << 40) }, Npy.parse(npy("<i8", "(3,)", longs.array()), "int64.npy").data(), 0f);

		ByteBuffer ulongs = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
		ulongs.putLong(5).putLong(-1); // 2^64 - 1
		assertArrayEquals(new float[] { 5, (float) 18446744073709551615.0 }, Npy.parse(npy("<u8", "(2,)", ulongs.array()), "uint64.npy").data(), 0f);

		// float16 bit patterns: 1.0 = 0x3c00, -2.5 = 0xc100, 65504 (largest) = 0x7bff, 2^-24 (smallest subnormal) = 0x0001, inf = 0x7c00
		ByteBuffer halves = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
		for (int h : new int[] { 0x3c00, 0xc100, 0x7bff, 0x0001, 0x7c00 }) halves.putShort((short) h);
		assertArrayEquals(new float[] { 1f, -2.5f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY },
			Npy.parse(npy("<f2", "(5,)", halves.array()), "half.npy").data(), 0f);
	}

	@Test
	void complexIsStillRefusedInOneSentence() {
		String m = assertThrows(ModelLoadException.class, () -> Npy.parse(npy("<c8", "(1,)", new byte[8]), "c.npy")).getMessage();
		assertTrue(m.startsWith("The test tensor c.npy cannot be read: its data type '<c8' is not supported"), m);
	}
}
